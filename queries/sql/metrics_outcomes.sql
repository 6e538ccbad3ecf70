-- Outcome flows per area and outcome: people and cohort over the period, and
-- people over the financial year's months (for cost per outcome), in one
-- pass, summed per PCN first (see metrics_activity.sql).
SELECT
    code,
    toString(outcome) AS outcome,
    sum(p) AS people,
    sum(c) AS cohort,
    sum(fp) AS fy_people
FROM (
    SELECT area_code, outcome,
           sumIf(people, month >= toDate(@from) AND month <= toDate(@to)) AS p,
           sumIf(cohort, month >= toDate(@from) AND month <= toDate(@to)) AS c,
           sumIf(people, month >= toDate(@fy_from) AND month <= toDate(@fy_to)) AS fp
    FROM outcomes_rows
    WHERE {{template "current" "outcomes"}}
      AND ((month >= toDate(@from) AND month <= toDate(@to)) OR (month >= toDate(@fy_from) AND month <= toDate(@fy_to)))
      {{if .Where}}AND {{template "in_place" .}}{{end}}
    GROUP BY area_code, outcome
) AS current_rows
{{template "to_level" .}}
GROUP BY code, outcome
