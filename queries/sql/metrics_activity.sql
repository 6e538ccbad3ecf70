-- Capacity figures per area at the chosen level, from the current activity
-- rows of the period. Flows are summed; stocks are taken at the latest month.
-- median_wait_days is the median of provider-month values (groupArray leaves
-- out unknowns); the mean of the two middle values is taken in Go.
SELECT
    code,
    sum(tupleElement(v, 1)) AS referrals,
    sum(tupleElement(v, 2)) AS accepted,
    sum(tupleElement(v, 3)) AS people_supported,
    sumIf(tupleElement(v, 4), month = toDate(@to)) AS fte,
    sumIf(tupleElement(v, 5), month = toDate(@to)) AS headcount,
    sumIf(tupleElement(v, 6), month = toDate(@to)) AS caseload,
    arraySort(groupArray(tupleElement(v, 7))) AS waits
FROM (
    SELECT area_code, month,
           argMax((referrals_received, referrals_accepted, people_supported, link_worker_fte,
                   link_worker_headcount, active_caseload, median_wait_days), load_seq) AS v
    FROM activity_rows
    WHERE {{template "committed" "activity"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
    GROUP BY area_code, month, provider_code
) AS current_rows
{{template "to_level" .}}
GROUP BY code
