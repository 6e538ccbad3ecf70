-- A build of the current activity rows per month and PCN at @version (migration 007).
-- With "touched", after a load that superseded rows, only the months and
-- PCNs load @load has rows in (current.go: buildCurrent; current.sql).
INSERT INTO activity_current (build, month, area_code, returns, referrals, accepted, supported, caseload, headcount,
                              fte, waits, providers)
SELECT @build, month, area_code, returns, referrals, accepted, supported, caseload, headcount, fte, waits, providers
FROM {{template "activity_sums" .}} AS now_rows
