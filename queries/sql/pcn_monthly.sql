-- Each month's sums of some areas from the current rows per month and PCN
-- (migration 007): flows and stocks of the month itself, training by module
-- and outcomes by outcome (a column each, numbered by their Enum8 values).
-- Each kind's rows are already one per month and PCN, so the three are put
-- together as they are (zeros for another kind's columns) and summed once;
-- the outer sums are read in order. With .One the place is the one area:
-- the PCNs of the areas as of @version in the place (in_place, the
-- statement's Where), filtered once over the three kinds, summed per month.
-- Else the areas at the level in the place (and, with @codes, only those: a
-- chunk of an extract), by a join to the areas' own table (to_level), so no
-- list of PCNs travels with the statement, summed per area and month.
{{define "month_filter"}}
      AND month >= toDate(@from) AND month <= toDate(@to){{end}}
{{- /* A branch gives zeros, typed and in order (18.16 needs each branch's
columns so), for the other kinds' columns: no_<kind>. */}}
{{- define "no_activity"}}toUInt64(0) AS month_referrals, toUInt64(0) AS month_accepted, toUInt64(0) AS month_supported,
        toFloat64(0) AS month_fte, toUInt64(0) AS month_caseload{{end}}
{{- define "no_training"}}{{range .Modules}}, toUInt64(0) AS month_in_post_{{.}}, toUInt64(0) AS month_trained_{{.}}{{end}}{{end}}
{{- define "no_outcomes"}}{{range .Outcomes}}, toUInt64(0) AS month_people_{{.}}, toUInt64(0) AS month_cohort_{{.}}{{end}}{{end -}}
SELECT
    {{if .One}}@place AS code{{else}}code{{end}}, month, sum(month_referrals), sum(month_accepted), sum(month_supported), sum(month_fte), sum(month_caseload)
    {{- range .Modules}}, sum(month_in_post_{{.}}), sum(month_trained_{{.}}){{end}}
    {{- range .Outcomes}}, sum(month_people_{{.}}), sum(month_cohort_{{.}}){{end}}
FROM (
    SELECT
        area_code, month,
        referrals AS month_referrals, accepted AS month_accepted, supported AS month_supported,
        fte AS month_fte, caseload AS month_caseload
        {{- template "no_training" .}}
        {{- template "no_outcomes" .}}
    FROM {{template "activity_source" .}}{{template "month_filter" .}}
    UNION ALL
    SELECT
        area_code, month,
        {{template "no_activity"}}
        {{- range .Modules}}, in_post_{{.}} AS month_in_post_{{.}}, trained_{{.}} AS month_trained_{{.}}{{end}}
        {{- template "no_outcomes" .}}
    FROM {{template "training_source" .}}{{template "month_filter" .}}
    UNION ALL
    SELECT
        area_code, month,
        {{template "no_activity"}}
        {{- template "no_training" .}}
        {{- range .Outcomes}}, people_{{.}} AS month_people_{{.}}, cohort_{{.}} AS month_cohort_{{.}}{{end}}
    FROM {{template "outcomes_source" .}}{{template "month_filter" .}}
) AS kinds
{{- if .One}}
WHERE {{template "in_place" .}}
GROUP BY month
{{- else}}
{{template "to_level" .}}
GROUP BY code, month
{{- end}}
