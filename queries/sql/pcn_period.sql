-- Each PCN's sums over a selection's period from the current rows per month
-- and PCN (migration 007), in one pass and with no join: flows over the
-- period's months, stocks at its latest month (and how many activity rows it
-- has there), the providers' known median waits, training at the latest
-- month, outcomes over the period and their people over the financial year's
-- months (for cost per outcome). Go sums the PCNs to England, the place and
-- its areas (pcn_month.go). Arrays scan far slower than plain columns: the
-- waits come as text (shortest round-trip numbers, space-separated); the
-- modules and outcomes are a column each, numbered by their Enum8 values.
-- No alias names a column an aggregate reads.
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
    {{- range .Modules}},
    sumIf(in_post_{{.}}, month = toDate(@to)) AS latest_in_post_{{.}}, sumIf(trained_{{.}}, month = toDate(@to)) AS latest_trained_{{.}}
    {{- end}}
    {{- range .Outcomes}},
    sumIf(people_{{.}}, month >= toDate(@from) AND month <= toDate(@to)) AS period_people_{{.}},
    sumIf(cohort_{{.}}, month >= toDate(@from) AND month <= toDate(@to)) AS period_cohort_{{.}},
    sumIf(people_{{.}}, month >= toDate(@fy_from) AND month <= toDate(@fy_to)) AS fy_people_{{.}}
    {{- end}}
FROM {{template "pcn_month_source" .}}
GROUP BY area_code
