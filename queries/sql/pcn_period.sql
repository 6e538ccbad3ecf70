-- Each PCN's sums over a selection's period from the current rows per month
-- and PCN (migration 007), with no join: flows over the period's months,
-- stocks at its latest month (and how many activity rows it has there), the
-- providers' known median waits, training at the latest month, outcomes over
-- the period and their people over the financial year's months (for cost per
-- outcome); its census at the census month, its appointments over the
-- period and its funding for the financial year. Each part is read from its
-- own rows, then the parts are put together per PCN (zeros for another
-- part's columns); has_sums says the PCN has activity, training or outcomes
-- rows. Go sums the PCNs to England, the place and its areas
-- (pcn_month.go). Arrays scan far slower than plain columns: the waits come
-- as text (shortest round-trip numbers, space-separated); modules, outcomes
-- and funding streams are a column each, numbered by their Enum8 values.
-- The outer sums are not aliased (the columns are read in order): no alias
-- names a column an aggregate reads. A branch gives zeros, typed and in
-- order (18.16 needs each branch's columns so), for the other parts'
-- columns: no_<part>.
--
-- The census (METRICS.md, "Published workforce and appointments") is at
-- the census month: the latest month with current census rows at or before
-- the period's last month, one for the whole answer (the census may lag
-- the returns); FTE, its mental-health part and the NWRS Staff identifiers
-- (an area's headcount is the number of distinct identifiers among its
-- PCNs). The appointments are by status, with the months of the period the
-- PCN has any in (YYYYMM, space-separated: an area's yearly rate divides by
-- the months any of its PCNs has). The funding is summed exactly (Decimal),
-- then as Float64 pounds, with the number of rows per stream (a PCN with a
-- row for the year is funded, whatever its amount). A PCN with none of a
-- part has the part's zeros: no census month, no appointment months, no
-- funding rows.
{{define "no_activity"}}toUInt64(0) AS period_referrals, toUInt64(0) AS period_accepted, toUInt64(0) AS period_supported,
        toFloat64(0) AS latest_fte, toUInt64(0) AS latest_headcount, toUInt64(0) AS latest_caseload, toUInt64(0) AS latest_returns,
        '' AS period_waits{{end}}
{{- define "no_training"}}{{range .Modules}}, toUInt64(0) AS latest_in_post_{{.}}, toUInt64(0) AS latest_trained_{{.}}{{end}}{{end}}
{{- define "no_outcomes"}}{{range .Outcomes}}, toUInt64(0) AS period_people_{{.}}, toUInt64(0) AS period_cohort_{{.}}, toUInt64(0) AS fy_people_{{.}}{{end}}{{end}}
{{- define "no_census"}}, toDate('1970-01-01') AS census_month, toFloat64(0) AS census_fte, toFloat64(0) AS census_fte_mental_health, '' AS staff{{end}}
{{- define "no_appointments"}}, toUInt64(0) AS period_attended, toUInt64(0) AS period_dna, toUInt64(0) AS period_unknown, '' AS appointment_months{{end}}
{{- define "no_funding"}}{{range .Streams}}, toFloat64(0) AS funding_{{.N}}, toUInt64(0) AS funding_rows_{{.N}}{{end}}{{end}}
{{- define "no_sums"}}toUInt8(0) AS has_sums, {{template "no_activity"}}{{template "no_training" .}}{{template "no_outcomes" .}}{{end -}}
SELECT
    area_code, max(has_sums), sum(period_referrals), sum(period_accepted), sum(period_supported), sum(latest_fte),
    sum(latest_headcount), sum(latest_caseload), sum(latest_returns), max(period_waits)
    {{- range .Modules}}, sum(latest_in_post_{{.}}), sum(latest_trained_{{.}}){{end}}
    {{- range .Outcomes}}, sum(period_people_{{.}}), sum(period_cohort_{{.}}), sum(fy_people_{{.}}){{end}},
    max(census_month), sum(census_fte), sum(census_fte_mental_health), max(staff),
    sum(period_attended), sum(period_dna), sum(period_unknown), max(appointment_months)
    {{- range .Streams}}, sum(funding_{{.N}}), sum(funding_rows_{{.N}}){{end}}
FROM (
    SELECT
        area_code, toUInt8(1) AS has_sums,
        sumIf(referrals, month >= toDate(@from) AND month <= toDate(@to)) AS period_referrals,
        sumIf(accepted, month >= toDate(@from) AND month <= toDate(@to)) AS period_accepted,
        sumIf(supported, month >= toDate(@from) AND month <= toDate(@to)) AS period_supported,
        sumIf(fte, month = toDate(@to)) AS latest_fte,
        sumIf(headcount, month = toDate(@to)) AS latest_headcount,
        sumIf(caseload, month = toDate(@to)) AS latest_caseload,
        sumIf(returns, month = toDate(@to)) AS latest_returns,
        arrayStringConcat(arrayMap(w -> toString(w), arraySort(groupArrayArrayIf(waits, month >= toDate(@from) AND month <= toDate(@to)))), ' ') AS period_waits
        {{- template "no_training" .}}
        {{- template "no_outcomes" .}}
        {{- template "no_census"}}{{template "no_appointments"}}{{template "no_funding" .}}
    FROM {{template "activity_source" .}}
      AND ((month >= toDate(@from) AND month <= toDate(@to)) OR (month >= toDate(@fy_from) AND month <= toDate(@fy_to)))
    GROUP BY area_code
    UNION ALL
    SELECT
        area_code, toUInt8(1) AS has_sums, {{template "no_activity"}}
        {{- range .Modules}}, sumIf(in_post_{{.}}, month = toDate(@to)) AS latest_in_post_{{.}}, sumIf(trained_{{.}}, month = toDate(@to)) AS latest_trained_{{.}}{{end}}
        {{- template "no_outcomes" .}}
        {{- template "no_census"}}{{template "no_appointments"}}{{template "no_funding" .}}
    FROM {{template "training_source" .}}
      AND month = toDate(@to)
    GROUP BY area_code
    UNION ALL
    SELECT
        area_code, toUInt8(1) AS has_sums, {{template "no_activity"}}
        {{- template "no_training" .}}
        {{- range .Outcomes}}, sumIf(people_{{.}}, month >= toDate(@from) AND month <= toDate(@to)) AS period_people_{{.}}, sumIf(cohort_{{.}}, month >= toDate(@from) AND month <= toDate(@to)) AS period_cohort_{{.}}, sumIf(people_{{.}}, month >= toDate(@fy_from) AND month <= toDate(@fy_to)) AS fy_people_{{.}}{{end}}
        {{- template "no_census"}}{{template "no_appointments"}}{{template "no_funding" .}}
    FROM {{template "outcomes_source" .}}
      AND ((month >= toDate(@from) AND month <= toDate(@to)) OR (month >= toDate(@fy_from) AND month <= toDate(@fy_to)))
    GROUP BY area_code
    UNION ALL
    SELECT
        area_code, {{template "no_sums" .}},
        month AS census_month, census_fte, census_fte_mental_health, staff
        {{- template "no_appointments"}}{{template "no_funding" .}}
    FROM {{template "workforce_source" .}}
      AND month = (SELECT max(month) FROM {{template "workforce_source" .}} AND month <= toDate(@to))
    UNION ALL
    SELECT
        area_code, {{template "no_sums" .}}{{template "no_census"}},
        sum(attended) AS period_attended, sum(dna) AS period_dna, sum(unknown) AS period_unknown,
        arrayStringConcat(arrayMap(m -> toString(m), arraySort(groupUniqArray(toYYYYMM(month)))), ' ') AS appointment_months
        {{- template "no_funding" .}}
    FROM {{template "gpad_source" .}}
      AND month >= toDate(@from) AND month <= toDate(@to)
    GROUP BY area_code
    UNION ALL
    SELECT
        area_code, {{template "no_sums" .}}{{template "no_census"}}{{template "no_appointments"}}
        {{- range .Streams}}, toFloat64(sumIf(amount_gbp, stream = '{{.Name}}')) AS funding_{{.N}}, countIf(stream = '{{.Name}}') AS funding_rows_{{.N}}{{end}}
    FROM funding_rows
    WHERE {{template "current" "funding"}}
      AND financial_year = @fy
    GROUP BY area_code
) AS kinds
GROUP BY area_code
