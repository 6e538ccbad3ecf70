-- The default period's figures per PCN from its build (migration 011), in
-- pcn_period.sql's columns and order: build @period_build, the smallest
-- built build of the period's name as the data version's read found it
-- (data_as_of.sql; with none, the reader runs pcn_period.sql).
SELECT area_code, has_sums, period_referrals, period_accepted, period_supported, latest_fte, latest_headcount,
    latest_caseload, latest_returns, period_waits
    {{- range .Modules}}, latest_in_post_{{.}}, latest_trained_{{.}}{{end}}
    {{- range .Outcomes}}, period_people_{{.}}, period_cohort_{{.}}, fy_people_{{.}}{{end}},
    census_month, census_fte, census_fte_mental_health, staff, period_attended, period_dna, period_unknown, appointment_months
    {{- range .Streams}}, funding_{{.N}}, funding_rows_{{.N}}{{end}}
FROM pcn_period_current
WHERE build = @period_build
