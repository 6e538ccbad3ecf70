-- Capacity figures per area at the chosen level, from the current activity
-- rows of the period. Flows are summed; stocks are taken at the latest month.
-- median_wait_days is the median of provider-month values (groupArray leaves
-- out unknowns); the mean of the two middle values is taken in Go.
SELECT
    code,
    sum(r) AS referrals,
    sum(a) AS accepted,
    sum(s) AS people_supported,
    sumIf(f, month = toDate(@to)) AS fte,
    sumIf(h, month = toDate(@to)) AS headcount,
    sumIf(c, month = toDate(@to)) AS caseload,
    arraySort(groupArray(w)) AS waits
FROM (
    SELECT area_code, month, referrals_received AS r, referrals_accepted AS a, people_supported AS s,
           link_worker_fte AS f, link_worker_headcount AS h, active_caseload AS c, median_wait_days AS w
    FROM activity_rows
    WHERE {{template "current_activity"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code
