-- Monthly capacity per area at the chosen level, for the monthly download:
-- each month's flows, and each month's stocks (a stock is taken in its own
-- month, never summed over months). Ordered for a merge with the other
-- monthly statements.
SELECT
    code,
    month,
    sum(r) AS referrals,
    sum(a) AS accepted,
    sum(s) AS people_supported,
    sum(f) AS fte,
    sum(c) AS caseload
FROM (
    SELECT area_code, month, referrals_received AS r, referrals_accepted AS a, people_supported AS s,
           link_worker_fte AS f, active_caseload AS c
    FROM activity_rows
    WHERE {{template "current" "activity"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code, month
ORDER BY code, month
