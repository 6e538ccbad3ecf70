-- Capacity figures per area at the chosen level, from the current activity
-- rows of the period. Flows are summed; stocks are taken at the latest month.
-- median_wait_days is the median of provider-month values (groupArray leaves
-- out unknowns); the mean of the two middle values is taken in Go. Summed
-- per PCN first, so the join to the level sees one row per PCN; the place
-- filter is left to the join when the place is England. latest_returns
-- counts the rows of the latest month: without one the stocks are not known
-- to be 0, only not returned (the census comparison needs the difference).
SELECT
    code,
    sum(r) AS referrals,
    sum(a) AS accepted,
    sum(s) AS people_supported,
    sum(f) AS fte,
    sum(h) AS headcount,
    sum(c) AS caseload,
    arraySort(groupArrayArray(w)) AS waits,
    sum(l) AS latest_returns
FROM (
    SELECT area_code,
           sum(referrals_received) AS r, sum(referrals_accepted) AS a, sum(people_supported) AS s,
           sumIf(link_worker_fte, month = toDate(@to)) AS f,
           sumIf(link_worker_headcount, month = toDate(@to)) AS h,
           sumIf(active_caseload, month = toDate(@to)) AS c,
           groupArray(median_wait_days) AS w,
           countIf(month = toDate(@to)) AS l
    FROM activity_rows
    WHERE {{template "current" "activity"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      {{if .Where}}AND {{template "in_place" .}}{{end}}
    GROUP BY area_code
) AS current_rows
{{template "to_level" .}}
GROUP BY code
