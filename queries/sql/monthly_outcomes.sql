-- Monthly outcomes per area and outcome at the chosen level, ordered for the
-- monthly download's merge.
SELECT
    code,
    month,
    toString(outcome) AS outcome,
    sum(tupleElement(v, 1)) AS people,
    sum(tupleElement(v, 2)) AS cohort
FROM (
    SELECT area_code, month, outcome, argMax((people, cohort), load_seq) AS v
    FROM outcomes_rows
    WHERE {{template "committed" "outcomes"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
    GROUP BY area_code, month, provider_code, outcome
) AS current_rows
{{template "to_level" .}}
GROUP BY code, month, outcome
ORDER BY code, month, outcome
