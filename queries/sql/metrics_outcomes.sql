-- Outcome flows per area and outcome: people and cohort over the period, and
-- people over the financial year's months (for cost per outcome), in one pass.
SELECT
    code,
    toString(outcome) AS outcome,
    sumIf(p, month >= toDate(@from) AND month <= toDate(@to)) AS people,
    sumIf(c, month >= toDate(@from) AND month <= toDate(@to)) AS cohort,
    sumIf(p, month >= toDate(@fy_from) AND month <= toDate(@fy_to)) AS fy_people
FROM (
    SELECT area_code, month, outcome, people AS p, cohort AS c
    FROM outcomes_rows
    WHERE {{template "current_outcomes"}}
      AND ((month >= toDate(@from) AND month <= toDate(@to)) OR (month >= toDate(@fy_from) AND month <= toDate(@fy_to)))
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code, outcome
