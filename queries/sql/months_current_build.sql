-- A build of the default period's months at one level (migration 009): the
-- rows pcn_monthly.sql gives for the period at level .Name, as they are,
-- under build @build. .Months is that statement, expanded.
INSERT INTO months_current (build, level, code, month, referrals, accepted, supported, fte, caseload
    {{- range .Modules}}, in_post_{{.}}, trained_{{.}}{{end}}
    {{- range .Outcomes}}, people_{{.}}, cohort_{{.}}{{end}})
SELECT @build, '{{.Name}}', *
FROM (
{{.Months}}
) AS months
