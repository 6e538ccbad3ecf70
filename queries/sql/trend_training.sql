-- Monthly training coverage for the selected place, per module.
SELECT
    month,
    toString(module) AS module,
    sum(tupleElement(v, 1)) AS in_post,
    sum(tupleElement(v, 2)) AS trained
FROM (
    SELECT month, module, argMax((staff_in_post, staff_trained), load_seq) AS v
    FROM training_rows
    WHERE {{template "committed" "training"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
    GROUP BY area_code, month, provider_code, module
)
GROUP BY month, module
ORDER BY month, module
