-- Each month's sums of some areas from the current rows per month and PCN
-- (migration 007): @pcns lists the PCNs to read and @codes the area each
-- falls in (transform: a lookup, no join); flows and stocks of the month
-- itself, training by module and outcomes by outcome (a column each,
-- numbered by their Enum8 values). Each kind is summed over its own rows,
-- then the three are put together (zeros for another kind's columns); the
-- outer sums are read in order.
SELECT
    code, month, sum(month_referrals), sum(month_accepted), sum(month_supported), sum(month_fte), sum(month_caseload)
    {{- range .Modules}}, sum(month_in_post_{{.}}), sum(month_trained_{{.}}){{end}}
    {{- range .Outcomes}}, sum(month_people_{{.}}), sum(month_cohort_{{.}}){{end}}
FROM (
    SELECT
        transform(area_code, @pcns, @codes, '') AS code, month,
        sum(referrals) AS month_referrals, sum(accepted) AS month_accepted, sum(supported) AS month_supported,
        sum(fte) AS month_fte, sum(caseload) AS month_caseload
        {{- range .Modules}}, toUInt64(0) AS month_in_post_{{.}}, toUInt64(0) AS month_trained_{{.}}{{end}}
        {{- range .Outcomes}}, toUInt64(0) AS month_people_{{.}}, toUInt64(0) AS month_cohort_{{.}}{{end}}
    FROM {{template "activity_source" .}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND transform(area_code, @pcns, @codes, '') != ''
    GROUP BY code, month
    UNION ALL
    SELECT
        transform(area_code, @pcns, @codes, '') AS code, month,
        toUInt64(0) AS month_referrals, toUInt64(0) AS month_accepted, toUInt64(0) AS month_supported,
        toFloat64(0) AS month_fte, toUInt64(0) AS month_caseload
        {{- range .Modules}}, sum(in_post_{{.}}) AS month_in_post_{{.}}, sum(trained_{{.}}) AS month_trained_{{.}}{{end}}
        {{- range .Outcomes}}, toUInt64(0) AS month_people_{{.}}, toUInt64(0) AS month_cohort_{{.}}{{end}}
    FROM {{template "training_source" .}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND transform(area_code, @pcns, @codes, '') != ''
    GROUP BY code, month
    UNION ALL
    SELECT
        transform(area_code, @pcns, @codes, '') AS code, month,
        toUInt64(0) AS month_referrals, toUInt64(0) AS month_accepted, toUInt64(0) AS month_supported,
        toFloat64(0) AS month_fte, toUInt64(0) AS month_caseload
        {{- range .Modules}}, toUInt64(0) AS month_in_post_{{.}}, toUInt64(0) AS month_trained_{{.}}{{end}}
        {{- range .Outcomes}}, sum(people_{{.}}) AS month_people_{{.}}, sum(cohort_{{.}}) AS month_cohort_{{.}}{{end}}
    FROM {{template "outcomes_source" .}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND transform(area_code, @pcns, @codes, '') != ''
    GROUP BY code, month
) AS kinds
GROUP BY code, month
