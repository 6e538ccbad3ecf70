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
