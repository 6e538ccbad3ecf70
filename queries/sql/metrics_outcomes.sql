-- Outcome flows per area and outcome: people and cohort over the period, and
-- people over the financial year's months (for cost per outcome), in one pass.
SELECT
    code,
    toString(outcome) AS outcome,
    sumIf(tupleElement(v, 1), month >= toDate(@from) AND month <= toDate(@to)) AS people,
    sumIf(tupleElement(v, 2), month >= toDate(@from) AND month <= toDate(@to)) AS cohort,
    sumIf(tupleElement(v, 1), month >= toDate(@fy_from) AND month <= toDate(@fy_to)) AS fy_people
FROM (
    SELECT area_code, month, outcome, argMax((people, cohort), load_seq) AS v
    FROM outcomes_rows
    WHERE {{template "committed" "outcomes"}}
      AND ((month >= toDate(@from) AND month <= toDate(@to)) OR (month >= toDate(@fy_from) AND month <= toDate(@fy_to)))
      AND {{template "in_place" .}}
    GROUP BY area_code, month, provider_code, outcome
) AS current_rows
{{template "to_level" .}}
GROUP BY code, outcome
