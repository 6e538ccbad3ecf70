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
then (as the areas view has it for the newest version), areas_load. */}}
{{define "areas_at"}}(SELECT area_code, area_name, icb_code, icb_name, region_code, region_name, population, working_age_population, imd_score, long_term_sick_rate
FROM areas_rows
WHERE load_seq = {{template "areas_load" true}}){{end}}
{{/* areas_load: the newest committed areas load (0 when none has committed),
by @version when given true. */}}
{{define "areas_load"}}(SELECT max(seq) FROM load_log WHERE kind = 'areas' AND status IN ('loaded', 'partial'){{if .}} AND seq <= @version{{end}}){{end}}
{{define "in_place"}}area_code IN (SELECT area_code FROM {{template "areas_at"}} AS place_areas {{.Where}}){{end}}
{{/* code_in_place: the areas a read of the default period's months chooses
(months_current_read.sql, and their packs: packs_read.sql), by code at
.Level: with .One the place's own, else with .Where the areas at the level
in the place as of @version, else every one. */}}
{{define "code_in_place"}}
{{- if .One}}
  AND code = @place
{{- else if .Where}}
  AND code IN (SELECT {{.Level}} FROM {{template "areas_at"}} AS place_areas {{.Where}})
{{- end}}{{end}}
{{/* The areas view has one row per area_code, so ALL and ANY would agree;
ALL is said outright because ANY's handling of duplicates changed after 18.16.
Every joined subquery has an alias: ClickHouse 20+ refuses one without. */}}
{{define "to_level"}}ALL INNER JOIN (SELECT area_code, {{.Level}} AS code FROM {{template "areas_at"}} AS level_src {{.Where}}) AS level_areas USING (area_code){{end}}
{{/* <kind>_now: a summed kind's current rows at @version per month and PCN
(migration 007), defined once: what a build of <kind>_current holds
(current_<kind>.sql), and what a statement reads where no build of the
kind's state exists yet (a read-only reader: the loader builds one after
its commits). It is <kind>_sums "" (every current row). <kind>_sums "load":
the same, of load @load's rows alone, read first by their load_seq (a build
from the previous state's, current_<kind>_add.sql); "touched": of the
current rows in the months and PCNs load @load has rows in (a build after
a load that superseded rows, current_<kind>.sql: the rows it supersedes
share its rows' keys, so no other month and PCN changed). Waits and
providers are sorted (groupArray's order is the engine's: 18.16 and 26.7
differ); modules and outcomes are numbered by their Enum8 values. */}}
{{define "activity_sums"}}(SELECT month, area_code, count() AS returns,
       sum(toUInt64(referrals_received)) AS referrals, sum(toUInt64(referrals_accepted)) AS accepted,
       sum(toUInt64(people_supported)) AS supported, sum(toUInt64(active_caseload)) AS caseload,
       sum(toUInt64(link_worker_headcount)) AS headcount, sum(link_worker_fte) AS fte,
       arraySort(groupArray(median_wait_days)) AS waits, arraySort(groupArray(provider_code)) AS providers
FROM activity_rows{{if eq . "load"}} PREWHERE load_seq = @load{{end}}
WHERE {{template "current" "activity"}}{{if eq . "touched"}}
  AND (month, area_code) IN (SELECT month, area_code FROM activity_rows PREWHERE load_seq = @load){{end}}
GROUP BY month, area_code){{end}}
{{define "activity_now"}}{{template "activity_sums" ""}}{{end}}
{{define "training_sums"}}(SELECT month, area_code,
       sumIf(toUInt64(staff_in_post), module = 'employment_support') AS in_post_1,
       sumIf(toUInt64(staff_in_post), module = 'benefits_and_debt') AS in_post_2,
       sumIf(toUInt64(staff_in_post), module = 'health_and_work_conversations') AS in_post_3,
       sumIf(toUInt64(staff_in_post), module = 'ips_awareness') AS in_post_4,
       sumIf(toUInt64(staff_in_post), module = 'mental_health_awareness') AS in_post_5,
       sumIf(toUInt64(staff_in_post), module = 'personalised_care_core') AS in_post_6,
       sumIf(toUInt64(staff_trained), module = 'employment_support') AS trained_1,
       sumIf(toUInt64(staff_trained), module = 'benefits_and_debt') AS trained_2,
       sumIf(toUInt64(staff_trained), module = 'health_and_work_conversations') AS trained_3,
       sumIf(toUInt64(staff_trained), module = 'ips_awareness') AS trained_4,
       sumIf(toUInt64(staff_trained), module = 'mental_health_awareness') AS trained_5,
       sumIf(toUInt64(staff_trained), module = 'personalised_care_core') AS trained_6
FROM training_rows{{if eq . "load"}} PREWHERE load_seq = @load{{end}}
WHERE {{template "current" "training"}}{{if eq . "touched"}}
  AND (month, area_code) IN (SELECT month, area_code FROM training_rows PREWHERE load_seq = @load){{end}}
GROUP BY month, area_code){{end}}
{{define "training_now"}}{{template "training_sums" ""}}{{end}}
{{define "outcomes_sums"}}(SELECT month, area_code,
       sumIf(toUInt64(people), outcome = 'entered_employment') AS people_1,
       sumIf(toUInt64(people), outcome = 'retained_employment') AS people_2,
       sumIf(toUInt64(people), outcome = 'started_job_search') AS people_3,
       sumIf(toUInt64(people), outcome = 'entered_education_training') AS people_4,
       sumIf(toUInt64(people), outcome = 'entered_volunteering') AS people_5,
       sumIf(toUInt64(people), outcome = 'improved_work_readiness') AS people_6,
       sumIf(toUInt64(people), outcome = 'improved_wellbeing') AS people_7,
       sumIf(toUInt64(cohort), outcome = 'entered_employment') AS cohort_1,
       sumIf(toUInt64(cohort), outcome = 'retained_employment') AS cohort_2,
       sumIf(toUInt64(cohort), outcome = 'started_job_search') AS cohort_3,
       sumIf(toUInt64(cohort), outcome = 'entered_education_training') AS cohort_4,
       sumIf(toUInt64(cohort), outcome = 'entered_volunteering') AS cohort_5,
       sumIf(toUInt64(cohort), outcome = 'improved_work_readiness') AS cohort_6,
       sumIf(toUInt64(cohort), outcome = 'improved_wellbeing') AS cohort_7
FROM outcomes_rows{{if eq . "load"}} PREWHERE load_seq = @load{{end}}
WHERE {{template "current" "outcomes"}}{{if eq . "touched"}}
  AND (month, area_code) IN (SELECT month, area_code FROM outcomes_rows PREWHERE load_seq = @load){{end}}
GROUP BY month, area_code){{end}}
{{define "outcomes_now"}}{{template "outcomes_sums" ""}}{{end}}
{{/* The published files' current rows per month and PCN (migration 007):
the census's FTE, mental-health FTE and NWRS Staff identifiers; the
appointments by status. */}}
{{define "pcn_workforce_now"}}(SELECT month, area_code, sum(fte) AS census_fte, sumIf(fte, role = 'mental_health') AS census_fte_mental_health,
       arrayStringConcat(arraySort(groupUniqArrayIf(unique_identifier, data_source = 'NWRS Staff' AND unique_identifier != '')), ' ') AS staff
FROM workforce_published_rows
WHERE {{template "current" "pcn_workforce"}}
GROUP BY month, area_code){{end}}
{{define "gpad_now"}}(SELECT month, area_code, sumIf(toUInt64(appointments), status = 'attended') AS attended,
       sumIf(toUInt64(appointments), status = 'dna') AS dna, sumIf(toUInt64(appointments), status = 'unknown') AS unknown
FROM appointments_published_rows
WHERE {{template "current" "gpad"}}
GROUP BY month, area_code){{end}}
{{define "workforce_source"}}{{if .Built.Workforce}}pcn_workforce_current WHERE build = @build_pcn_workforce{{else}}{{template "pcn_workforce_now"}} AS workforce_now WHERE 1{{end}}{{end}}
{{define "gpad_source"}}{{if .Built.Appointments}}gpad_current WHERE build = @build_gpad{{else}}{{template "gpad_now"}} AS gpad_now WHERE 1{{end}}{{end}}
{{/* <kind>_source: a returns kind's current rows at @version, to go after
FROM and before more conditions (AND …): its build, named by
@build_<kind>, or else <kind>_now. */}}
{{define "activity_source"}}{{if .Built.Activity}}activity_current WHERE build = @build_activity{{else}}{{template "activity_now"}} AS activity_now WHERE 1{{end}}{{end}}
{{define "training_source"}}{{if .Built.Training}}training_current WHERE build = @build_training{{else}}{{template "training_now"}} AS training_now WHERE 1{{end}}{{end}}
{{define "outcomes_source"}}{{if .Built.Outcomes}}outcomes_current WHERE build = @build_outcomes{{else}}{{template "outcomes_now"}} AS outcomes_now WHERE 1{{end}}{{end}}
{{/* snapshot: a state's name, the sum of intHash64(seq) over its loads,
wrapping at 2^64 (migration 007); every statement that names a state sums
it so. kind_loads: the loads of kind @kind committed by @version, after
FROM (a build's statements, current.go). */}}
{{define "snapshot"}}sum(intHash64(seq)){{end}}
{{/* range_kinds: the kinds whose committed loads the data's range
(data_range.sql) is a function of, and its build's state sums (migration
010). */}}
{{define "range_kinds"}}'activity', 'pcn_workforce', 'gpad', 'areas', 'funding'{{end}}
{{define "kind_loads"}}load_log WHERE kind = @kind AND status IN ('loaded', 'partial') AND seq <= @version{{end}}
{{/* summed_kinds: the kinds whose current rows are built (migration 007). */}}
{{define "summed_kinds"}}'activity', 'training', 'outcomes', 'pcn_workforce', 'gpad'{{end}}
{{/* kind_states: each summed kind with loads committed by @version, its
snapshot and the build to read: the smallest built one, 0 while none is
(migration 007). */}}
{{define "kind_states"}}(
    SELECT toString(kind) AS kind, {{template "snapshot"}} AS snap
    FROM load_log
    WHERE kind IN ({{template "summed_kinds"}}) AND status IN ('loaded', 'partial') AND seq <= @version
    GROUP BY kind
) AS states
ALL LEFT JOIN (
    SELECT kind, snap, min(build) AS build
    FROM current_builds
    WHERE event = 'built'
    GROUP BY kind, snap
) AS builds USING (kind, snap){{end}}
