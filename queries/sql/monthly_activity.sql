-- Monthly capacity per area at the chosen level, for the monthly download:
-- each month's flows, and each month's stocks (a stock is taken in its own
-- month, never summed over months). Ordered for a merge with the other
-- monthly statements.
SELECT
    code,
    month,
    sum(tupleElement(v, 1)) AS referrals,
    sum(tupleElement(v, 2)) AS accepted,
    sum(tupleElement(v, 3)) AS people_supported,
    sum(tupleElement(v, 4)) AS fte,
    sum(tupleElement(v, 5)) AS caseload
FROM (
    SELECT area_code, month,
           argMax((referrals_received, referrals_accepted, people_supported, link_worker_fte, active_caseload), load_seq) AS v
    FROM activity_rows
    WHERE {{template "committed" "activity"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
    GROUP BY area_code, month, provider_code
) AS current_rows
{{template "to_level" .}}
GROUP BY code, month
ORDER BY code, month
