-- Reference: the period's capacity sums per PCN over the plain copy.
SELECT area_code, sum(referrals_received), sum(referrals_accepted), sum(people_supported),
       sumIf(link_worker_fte, month = toDate(@to)), sumIf(link_worker_headcount, month = toDate(@to)),
       sumIf(active_caseload, month = toDate(@to)), groupArray(median_wait_days)
FROM {{.Bench}}.activity
WHERE month >= toDate(@from) AND month <= toDate(@to)
GROUP BY area_code
