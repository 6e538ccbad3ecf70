-- Monthly outcomes per area and outcome at the chosen level, ordered for the
-- monthly download's merge.
SELECT
    code,
    month,
    toString(outcome) AS outcome,
    sum(p) AS people,
    sum(c) AS cohort
FROM (
    SELECT area_code, month, outcome, people AS p, cohort AS c
    FROM outcomes_rows
    WHERE {{template "current" "outcomes"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code, month, outcome
ORDER BY code, month, outcome
