-- Reference: training stocks per PCN and module at the period's latest month.
SELECT area_code, module, sum(staff_in_post), sum(staff_trained)
FROM {{.Bench}}.training
WHERE month = toDate(@to)
GROUP BY area_code, module
