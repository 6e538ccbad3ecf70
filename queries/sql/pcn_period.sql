-- Each PCN's sums over a selection's period from the current rows per month
-- and PCN (migration 007), with no join: flows over the period's months,
-- stocks at its latest month (and how many activity rows it has there), the
-- providers' known median waits, training at the latest month, outcomes over
-- the period and their people over the financial year's months (for cost per
-- outcome). Each kind is summed over its own rows, then the three are put
-- together per PCN (zeros for another kind's columns). Go sums the PCNs to
-- England, the place and its areas (pcn_month.go). Arrays scan far slower
-- than plain columns: the waits come as text (shortest round-trip numbers,
-- space-separated); modules and outcomes are a column each, numbered by
-- their Enum8 values. The outer sums are not aliased (the columns are read
-- in order): no alias names a column an aggregate reads. A branch gives
-- zeros, typed and in order (18.16 needs each branch's columns so), for the
-- other kinds' columns: no_<kind>.
{{define "no_activity"}}toUInt64(0) AS period_referrals, toUInt64(0) AS period_accepted, toUInt64(0) AS period_supported,
        toFloat64(0) AS latest_fte, toUInt64(0) AS latest_headcount, toUInt64(0) AS latest_caseload, toUInt64(0) AS latest_returns,
        '' AS period_waits{{end}}
{{- define "no_training"}}{{range .Modules}}, toUInt64(0) AS latest_in_post_{{.}}, toUInt64(0) AS latest_trained_{{.}}{{end}}{{end}}
{{- define "no_outcomes"}}{{range .Outcomes}}, toUInt64(0) AS period_people_{{.}}, toUInt64(0) AS period_cohort_{{.}}, toUInt64(0) AS fy_people_{{.}}{{end}}{{end -}}
SELECT
    area_code, sum(period_referrals), sum(period_accepted), sum(period_supported), sum(latest_fte),
    sum(latest_headcount), sum(latest_caseload), sum(latest_returns), max(period_waits)
    {{- range .Modules}}, sum(latest_in_post_{{.}}), sum(latest_trained_{{.}}){{end}}
    {{- range .Outcomes}}, sum(period_people_{{.}}), sum(period_cohort_{{.}}), sum(fy_people_{{.}}){{end}}
FROM (
    SELECT
        area_code,
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
    FROM {{template "activity_source" .}}
      AND ((month >= toDate(@from) AND month <= toDate(@to)) OR (month >= toDate(@fy_from) AND month <= toDate(@fy_to)))
    GROUP BY area_code
    UNION ALL
    SELECT
        area_code, {{template "no_activity"}}
        {{- range .Modules}}, sumIf(in_post_{{.}}, month = toDate(@to)) AS latest_in_post_{{.}}, sumIf(trained_{{.}}, month = toDate(@to)) AS latest_trained_{{.}}{{end}}
        {{- template "no_outcomes" .}}
    FROM {{template "training_source" .}}
      AND month = toDate(@to)
    GROUP BY area_code
    UNION ALL
    SELECT
        area_code, {{template "no_activity"}}
        {{- template "no_training" .}}
        {{- range .Outcomes}}, sumIf(people_{{.}}, month >= toDate(@from) AND month <= toDate(@to)) AS period_people_{{.}}, sumIf(cohort_{{.}}, month >= toDate(@from) AND month <= toDate(@to)) AS period_cohort_{{.}}, sumIf(people_{{.}}, month >= toDate(@fy_from) AND month <= toDate(@fy_to)) AS fy_people_{{.}}{{end}}
    FROM {{template "outcomes_source" .}}
      AND ((month >= toDate(@from) AND month <= toDate(@to)) OR (month >= toDate(@fy_from) AND month <= toDate(@fy_to)))
    GROUP BY area_code
) AS kinds
GROUP BY area_code
