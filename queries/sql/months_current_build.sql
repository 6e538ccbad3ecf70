-- A build of the default period's months (migration 009): the rows
-- pcn_monthly.sql gives for the period at each of .Levels (.Name, with
-- .Months that statement expanded for the level), as they are, under build
-- @build, in one insert.
INSERT INTO months_current (build, level, code, month, referrals, accepted, supported, fte, caseload
    {{- range .Modules}}, in_post_{{.}}, trained_{{.}}{{end}}
    {{- range .Outcomes}}, people_{{.}}, cohort_{{.}}{{end}})
{{- range $i, $l := .Levels}}
{{if $i}}UNION ALL
{{end}}SELECT @build, '{{$l.Name}}', *
FROM (
{{$l.Months}}
) AS months_{{$l.Name}}
{{- end}}
