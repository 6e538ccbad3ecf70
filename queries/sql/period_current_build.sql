-- A build of the default period's sums per PCN (migration 008): the rows
-- pcn_period.sql gives for the period, as they are, under build @build.
-- .Period is that statement, expanded.
INSERT INTO period_current (build, area_code, period_referrals, period_accepted, period_supported, latest_fte,
    latest_headcount, latest_caseload, latest_returns, period_waits
    {{- range .Modules}}, latest_in_post_{{.}}, latest_trained_{{.}}{{end}}
    {{- range .Outcomes}}, period_people_{{.}}, period_cohort_{{.}}, fy_people_{{.}}{{end}})
SELECT @build, *
FROM (
{{.Period}}
) AS period
