-- Training stocks per area and module at the period's latest month.
SELECT
    code,
    toString(module) AS module,
    sum(staff_in_post) AS in_post,
    sum(staff_trained) AS trained
FROM training
ANY INNER JOIN (SELECT area_code, {{.Level}} AS code FROM areas {{.Where}}) USING (area_code)
WHERE month = toDate(@to)
GROUP BY code, module
