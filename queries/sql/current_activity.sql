-- A build of the current activity rows per month and PCN at @version (migration 007).
INSERT INTO activity_current (build, month, area_code, returns, referrals, accepted, supported, caseload, headcount,
                              fte, waits, providers)
SELECT @build, month, area_code, returns, referrals, accepted, supported, caseload, headcount, fte, waits, providers
FROM {{template "activity_now"}} AS now_rows
