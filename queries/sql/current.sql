{{/* Shared parts of the dashboard's queries. A kind's current rows are the
rows of committed loads that no committed load supersedes (migration 003):
a plain filtered read of the storage table, no GROUP BY over every key. The
filters go inside the statements, because ClickHouse 18.16 does not push
them into views. */}}
{{/* One data version per answer (METRICS.md): every statement of one answer
reads only the loads committed at or before @version, read once before the
answer's statements, so a load that commits meanwhile never mixes in. */}}
{{define "committed"}}load_seq IN (SELECT seq FROM load_log WHERE kind = '{{.}}' AND status IN ('loaded', 'partial') AND seq <= @version){{end}}
{{define "committed_by"}}by_seq IN (SELECT seq FROM load_log WHERE kind = '{{.}}' AND status IN ('loaded', 'partial') AND seq <= @version){{end}}
{{/* current: the row is committed by @version and not superseded by a load
committed by @version (migration 003). */}}
{{define "current"}}{{template "committed" .}}
      AND (load_seq, line) NOT IN (SELECT load_seq, line FROM superseded_rows WHERE {{template "committed_by" .}}){{end}}
{{/* The areas as of @version: the whole of the newest areas load committed by
then (as the areas view has it for the newest version). */}}
{{define "areas_at"}}(SELECT area_code, area_name, icb_code, icb_name, region_code, region_name, population, working_age_population, imd_score, long_term_sick_rate
FROM areas_rows
WHERE load_seq = (SELECT max(seq) FROM load_log WHERE kind = 'areas' AND status IN ('loaded', 'partial') AND seq <= @version)){{end}}
{{define "in_place"}}area_code IN (SELECT area_code FROM {{template "areas_at"}} AS place_areas {{.Where}}){{end}}
{{/* The areas view has one row per area_code, so ALL and ANY would agree;
ALL is said outright because ANY's handling of duplicates changed after 18.16.
Every joined subquery has an alias: ClickHouse 20+ refuses one without. */}}
{{define "to_level"}}ALL INNER JOIN (SELECT area_code, {{.Level}} AS code FROM {{template "areas_at"}} AS level_src {{.Where}}) AS level_areas USING (area_code){{end}}
{{/* pcn_month_now: the current rows of activity, training and outcomes at
@version per month and PCN (migration 007), defined once: what a build of
pcn_month_current holds (current_build.sql), and what a statement reads where
no build of the state exists yet (a read-only reader: the loader builds one
after its commits). Each kind gives every column (zeros, empty arrays for the
others'); the months and PCNs of the three are summed together. Array
elements follow the Enum8 values of module and outcome; waits and providers
are sorted (groupArray's order is the engine's: 18.16 and 26.7 differ). */}}
{{define "pcn_month_now"}}(SELECT month, area_code,
       sum(returns) AS returns, sum(referrals) AS referrals, sum(accepted) AS accepted, sum(supported) AS supported,
       sum(caseload) AS caseload, sum(headcount) AS headcount, sum(fte) AS fte,
       arraySort(groupArrayArray(waits)) AS waits, arraySort(groupArrayArray(providers)) AS providers,
       sumForEach(in_post) AS in_post, sumForEach(trained) AS trained,
       sumForEach(people) AS people, sumForEach(cohort) AS cohort
FROM (
    SELECT month, area_code, count() AS returns,
           sum(toUInt64(referrals_received)) AS referrals, sum(toUInt64(referrals_accepted)) AS accepted,
           sum(toUInt64(people_supported)) AS supported, sum(toUInt64(active_caseload)) AS caseload,
           sum(toUInt64(link_worker_headcount)) AS headcount, sum(link_worker_fte) AS fte,
           groupArray(median_wait_days) AS waits, groupArray(provider_code) AS providers,
           {{template "zeros6"}} AS in_post, {{template "zeros6"}} AS trained,
           {{template "zeros7"}} AS people, {{template "zeros7"}} AS cohort
    FROM activity_rows
    WHERE {{template "current" "activity"}}
    GROUP BY month, area_code
    UNION ALL
    SELECT month, area_code, toUInt64(0) AS returns,
           toUInt64(0) AS referrals, toUInt64(0) AS accepted, toUInt64(0) AS supported, toUInt64(0) AS caseload,
           toUInt64(0) AS headcount, toFloat64(0) AS fte, emptyArrayFloat64() AS waits, emptyArrayString() AS providers,
           [sumIf(toUInt64(staff_in_post), module = 'employment_support'), sumIf(toUInt64(staff_in_post), module = 'benefits_and_debt'),
            sumIf(toUInt64(staff_in_post), module = 'health_and_work_conversations'), sumIf(toUInt64(staff_in_post), module = 'ips_awareness'),
            sumIf(toUInt64(staff_in_post), module = 'mental_health_awareness'), sumIf(toUInt64(staff_in_post), module = 'personalised_care_core')] AS in_post,
           [sumIf(toUInt64(staff_trained), module = 'employment_support'), sumIf(toUInt64(staff_trained), module = 'benefits_and_debt'),
            sumIf(toUInt64(staff_trained), module = 'health_and_work_conversations'), sumIf(toUInt64(staff_trained), module = 'ips_awareness'),
            sumIf(toUInt64(staff_trained), module = 'mental_health_awareness'), sumIf(toUInt64(staff_trained), module = 'personalised_care_core')] AS trained,
           {{template "zeros7"}} AS people, {{template "zeros7"}} AS cohort
    FROM training_rows
    WHERE {{template "current" "training"}}
    GROUP BY month, area_code
    UNION ALL
    SELECT month, area_code, toUInt64(0) AS returns,
           toUInt64(0) AS referrals, toUInt64(0) AS accepted, toUInt64(0) AS supported, toUInt64(0) AS caseload,
           toUInt64(0) AS headcount, toFloat64(0) AS fte, emptyArrayFloat64() AS waits, emptyArrayString() AS providers,
           {{template "zeros6"}} AS in_post, {{template "zeros6"}} AS trained,
           [sumIf(toUInt64(people), outcome = 'entered_employment'), sumIf(toUInt64(people), outcome = 'retained_employment'),
            sumIf(toUInt64(people), outcome = 'started_job_search'), sumIf(toUInt64(people), outcome = 'entered_education_training'),
            sumIf(toUInt64(people), outcome = 'entered_volunteering'), sumIf(toUInt64(people), outcome = 'improved_work_readiness'),
            sumIf(toUInt64(people), outcome = 'improved_wellbeing')] AS people,
           [sumIf(toUInt64(cohort), outcome = 'entered_employment'), sumIf(toUInt64(cohort), outcome = 'retained_employment'),
            sumIf(toUInt64(cohort), outcome = 'started_job_search'), sumIf(toUInt64(cohort), outcome = 'entered_education_training'),
            sumIf(toUInt64(cohort), outcome = 'entered_volunteering'), sumIf(toUInt64(cohort), outcome = 'improved_work_readiness'),
            sumIf(toUInt64(cohort), outcome = 'improved_wellbeing')] AS cohort
    FROM outcomes_rows
    WHERE {{template "current" "outcomes"}}
    GROUP BY month, area_code
) AS kinds
GROUP BY month, area_code){{end}}
{{define "zeros6"}}[toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0)]{{end}}
{{define "zeros7"}}[toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0)]{{end}}
{{/* pcn_month_source: the current rows per month and PCN at @version, to go
after FROM and before more conditions (AND …): the build named by @build, or
else the same rows computed from the storage tables. */}}
{{define "pcn_month_source"}}{{if .Built}}pcn_month_current WHERE build = @build{{else}}{{template "pcn_month_now"}} AS pcn_month_now WHERE 1{{end}}{{end}}
