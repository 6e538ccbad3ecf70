-- Capacity figures per area at the chosen level ({{.Level}}), and England.
-- Flows are summed over the period; stocks are taken at its latest month.
-- median_wait_days is the median of provider-month values (the mean of the
-- two middle values when their count is even); groupArray skips unknowns.
SELECT
    code,
    sum(referrals_received) AS referrals,
    sum(referrals_accepted) AS accepted,
    sum(people_supported) AS people_supported,
    sumIf(link_worker_fte, month = toDate(@to)) AS fte,
    sumIf(link_worker_headcount, month = toDate(@to)) AS headcount,
    sumIf(active_caseload, month = toDate(@to)) AS caseload,
    arraySort(groupArray(median_wait_days)) AS waits
FROM activity
ANY INNER JOIN (SELECT area_code, {{.Level}} AS code FROM areas {{.Where}}) USING (area_code)
WHERE month >= toDate(@from) AND month <= toDate(@to)
GROUP BY code
