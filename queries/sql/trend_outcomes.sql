-- Monthly outcomes for the selected place, per outcome.
SELECT
    month,
    toString(outcome) AS outcome,
    sum(people) AS people,
    sum(cohort) AS cohort
FROM outcomes
ANY INNER JOIN (SELECT area_code FROM areas {{.Where}}) USING (area_code)
WHERE month >= toDate(@from) AND month <= toDate(@to)
GROUP BY month, outcome
ORDER BY month, outcome
