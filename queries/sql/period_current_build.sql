-- A build of the default period's figures per PCN (migration 011): the rows
-- pcn_period.sql gives for the period, as they are, under build @build.
-- .Period is that statement, expanded.
INSERT INTO pcn_period_current (build, area_code, has_sums, period_referrals, period_accepted, period_supported, latest_fte,
    latest_headcount, latest_caseload, latest_returns, period_waits
    {{- range .Modules}}, latest_in_post_{{.}}, latest_trained_{{.}}{{end}}
    {{- range .Outcomes}}, period_people_{{.}}, period_cohort_{{.}}, fy_people_{{.}}{{end}},
    census_month, census_fte, census_fte_mental_health, staff, period_attended, period_dna, period_unknown, appointment_months
    {{- range .Streams}}, funding_{{.N}}, funding_rows_{{.N}}{{end}})
SELECT @build, *
FROM (
{{.Period}}
) AS period
