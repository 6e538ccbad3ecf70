-- Training stocks per area and module at the period's latest month.
SELECT
    code,
    toString(module) AS module,
    sum(staff_in_post) AS in_post,
    sum(staff_trained) AS trained
FROM (
    SELECT area_code, module, staff_in_post, staff_trained
    FROM training_rows
    WHERE {{template "current_training"}}
      AND month = toDate(@to)
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code, module
