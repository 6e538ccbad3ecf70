-- The default period's figures per PCN from its build (migration 011), in
-- pcn_period.sql's columns and order: the smallest built build named
-- @period (none: no rows, and the reader runs pcn_period.sql). The build is
-- a plain aggregate in a subquery, 0 when there is none.
SELECT area_code, has_sums, period_referrals, period_accepted, period_supported, latest_fte, latest_headcount,
    latest_caseload, latest_returns, period_waits
    {{- range .Modules}}, latest_in_post_{{.}}, latest_trained_{{.}}{{end}}
    {{- range .Outcomes}}, period_people_{{.}}, period_cohort_{{.}}, fy_people_{{.}}{{end}},
    census_month, census_fte, census_fte_mental_health, staff, period_attended, period_dna, period_unknown, appointment_months
    {{- range .Streams}}, funding_{{.N}}, funding_rows_{{.N}}{{end}}
FROM pcn_period_current
WHERE build = (SELECT minIf(build, event = 'built') FROM current_builds WHERE kind = 'period' AND snap = @period)
