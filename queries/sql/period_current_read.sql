-- The default period's sums per PCN from its build (migration 008), in
-- pcn_period.sql's columns and order: the smallest built build named
-- @period (none: no rows, and the reader runs pcn_period.sql). The build is
-- a plain aggregate in a subquery, 0 when there is none.
SELECT area_code, period_referrals, period_accepted, period_supported, latest_fte, latest_headcount,
    latest_caseload, latest_returns, period_waits
    {{- range .Modules}}, latest_in_post_{{.}}, latest_trained_{{.}}{{end}}
    {{- range .Outcomes}}, period_people_{{.}}, period_cohort_{{.}}, fy_people_{{.}}{{end}}
FROM period_current
WHERE build = (SELECT minIf(build, event = 'built') FROM current_builds WHERE kind = 'period' AND snap = @period)
