-- A build of the current rows per month and PCN at @version (migration 007).
INSERT INTO pcn_month_current (build, month, area_code, returns, referrals, accepted, supported, caseload, headcount,
                               fte, waits, providers, in_post, trained, people, cohort)
SELECT @build, month, area_code, returns, referrals, accepted, supported, caseload, headcount,
       fte, waits, providers, in_post, trained, people, cohort
FROM {{template "pcn_month_now"}} AS now_rows
