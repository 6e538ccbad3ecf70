-- Monthly outcomes for the selected place, per outcome.
SELECT
    month,
    toString(outcome) AS outcome,
    sum(tupleElement(v, 1)) AS people,
    sum(tupleElement(v, 2)) AS cohort
FROM (
    SELECT month, outcome, argMax((people, cohort), load_seq) AS v
    FROM outcomes_rows
    WHERE {{template "committed" "outcomes"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
    GROUP BY area_code, month, provider_code, outcome
)
GROUP BY month, outcome
ORDER BY month, outcome
