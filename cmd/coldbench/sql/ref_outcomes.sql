-- Reference: outcome flows per PCN and outcome over the period.
SELECT area_code, outcome, sum(people), sum(cohort)
FROM {{.Bench}}.outcomes
WHERE month >= toDate(@from) AND month <= toDate(@to)
GROUP BY area_code, outcome
