-- Monthly training stocks per area and module at the chosen level, ordered
-- for the monthly download's merge.
SELECT
    code,
    month,
    toString(module) AS module,
    sum(tupleElement(v, 1)) AS in_post,
    sum(tupleElement(v, 2)) AS trained
FROM (
    SELECT area_code, month, module, argMax((staff_in_post, staff_trained), load_seq) AS v
    FROM training_rows
    WHERE {{template "committed" "training"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
    GROUP BY area_code, month, provider_code, module
) AS current_rows
{{template "to_level" .}}
GROUP BY code, month, module
ORDER BY code, month, module
