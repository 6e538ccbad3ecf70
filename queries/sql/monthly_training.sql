-- Monthly training stocks per area and module at the chosen level, ordered
-- for the monthly download's merge.
SELECT
    code,
    month,
    toString(module) AS module,
    sum(staff_in_post) AS in_post,
    sum(staff_trained) AS trained
FROM (
    SELECT area_code, month, module, staff_in_post, staff_trained
    FROM training_rows
    WHERE {{template "current" "training"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code, month, module
ORDER BY code, month, module
