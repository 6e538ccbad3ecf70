-- The months' outcome counts per area at the chosen level, for the recent
-- trends of the outcome rates (METRICS.md): people of cohort, each month.
SELECT code, month, toString(outcome) AS outcome, sum(p) AS people, sum(c) AS cohort
FROM (
    SELECT area_code, month, outcome, people AS p, cohort AS c
    FROM outcomes_rows
    WHERE {{template "current" "outcomes"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code, month, outcome
