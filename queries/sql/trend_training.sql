-- Monthly training coverage for the selected place, per module.
SELECT
    month,
    toString(module) AS module,
    sum(staff_in_post) AS in_post,
    sum(staff_trained) AS trained
FROM training
ANY INNER JOIN (SELECT area_code FROM areas {{.Where}}) USING (area_code)
WHERE month >= toDate(@from) AND month <= toDate(@to)
GROUP BY month, module
ORDER BY month, module
