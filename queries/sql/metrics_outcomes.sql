-- Outcome flows per area and outcome over a month range.
SELECT
    code,
    toString(outcome) AS outcome,
    sum(people) AS people,
    sum(cohort) AS cohort
FROM outcomes
ANY INNER JOIN (SELECT area_code, {{.Level}} AS code FROM areas {{.Where}}) USING (area_code)
WHERE month >= toDate(@from) AND month <= toDate(@to)
GROUP BY code, outcome
