-- Monthly capacity for the selected place: each month's flows, and each
-- month's stocks (a stock is taken in its own month, never summed over months).
SELECT
    month,
    sum(referrals_received) AS referrals,
    sum(referrals_accepted) AS accepted,
    sum(people_supported) AS people_supported,
    sum(link_worker_fte) AS fte,
    sum(active_caseload) AS caseload
FROM activity
ANY INNER JOIN (SELECT area_code FROM areas {{.Where}}) USING (area_code)
WHERE month >= toDate(@from) AND month <= toDate(@to)
GROUP BY month
ORDER BY month
