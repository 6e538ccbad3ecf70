-- Each month's sums of some areas from the current rows per month and PCN
-- (migration 007): flows and stocks of the month itself, training by module
-- and outcomes by outcome (a column each, numbered by their Enum8 values).
-- Each kind is summed over its own rows, then the three are put together
-- (zeros for another kind's columns); the outer sums are read in order.
-- The PCNs read are those of the areas as of @version in the place (and,
-- with @codes, in those areas at the level: a chunk of an extract), by the
-- in_place filter (the statement's Where). With .One the place is the one area and each
-- kind is summed per month; else per PCN and month, then put in its area at
-- the level by the areas' own table (to_level), so no list of PCNs travels
-- with the statement.
{{define "month_filter"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      {{- if or .One .Where}}
      AND {{template "in_place" .}}{{end}}
    GROUP BY {{if not .One}}area_code, {{end}}month{{end}}
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
        {{if not .One}}area_code, {{end}}month,
        sum(referrals) AS month_referrals, sum(accepted) AS month_accepted, sum(supported) AS month_supported,
        sum(fte) AS month_fte, sum(caseload) AS month_caseload
        {{- template "no_training" .}}
        {{- template "no_outcomes" .}}
    FROM {{template "activity_source" .}}{{template "month_filter" .}}
    UNION ALL
    SELECT
        {{if not .One}}area_code, {{end}}month,
        {{template "no_activity"}}
        {{- range .Modules}}, sum(in_post_{{.}}) AS month_in_post_{{.}}, sum(trained_{{.}}) AS month_trained_{{.}}{{end}}
        {{- template "no_outcomes" .}}
    FROM {{template "training_source" .}}{{template "month_filter" .}}
    UNION ALL
    SELECT
        {{if not .One}}area_code, {{end}}month,
        {{template "no_activity"}}
        {{- template "no_training" .}}
        {{- range .Outcomes}}, sum(people_{{.}}) AS month_people_{{.}}, sum(cohort_{{.}}) AS month_cohort_{{.}}{{end}}
    FROM {{template "outcomes_source" .}}{{template "month_filter" .}}
) AS kinds
{{- if not .One}}
{{template "to_level" .}}
GROUP BY code, month
{{- else}}
GROUP BY month
{{- end}}
