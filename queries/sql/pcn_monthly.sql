-- Each month's sums of some areas from the current rows per month and PCN
-- (migration 007): @pcns lists the PCNs to read and @codes the area each
-- falls in (transform: a lookup, no join); flows and stocks of the month
-- itself, training by module and outcomes by outcome (a column each,
-- numbered by their Enum8 values).
SELECT
    transform(area_code, @pcns, @codes, '') AS code,
    month,
    sum(referrals) AS month_referrals,
    sum(accepted) AS month_accepted,
    sum(supported) AS month_supported,
    sum(fte) AS month_fte,
    sum(caseload) AS month_caseload
    {{- range .Modules}},
    sum(in_post_{{.}}) AS month_in_post_{{.}}, sum(trained_{{.}}) AS month_trained_{{.}}
    {{- end}}
    {{- range .Outcomes}},
    sum(people_{{.}}) AS month_people_{{.}}, sum(cohort_{{.}}) AS month_cohort_{{.}}
    {{- end}}
FROM {{template "pcn_month_source" .}}
  AND transform(area_code, @pcns, @codes, '') != ''
GROUP BY code, month
