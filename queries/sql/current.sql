{{/* Shared parts of the dashboard's queries. A kind's current rows are, per
natural key, the row of the newest committed load: argMax over a tuple keeps
every value of that one row, NULLs included. The filters go inside, before the
GROUP BY, because ClickHouse 18.16 does not push them into views. */}}
{{define "committed"}}load_seq IN (SELECT seq FROM load_log WHERE kind = '{{.}}' AND status IN ('loaded', 'partial')){{end}}
{{define "in_place"}}area_code IN (SELECT area_code FROM areas {{.Where}}){{end}}
{{/* The areas view has one row per area_code, so ALL and ANY would agree;
ALL is said outright because ANY's handling of duplicates changed after 18.16.
Every joined subquery has an alias: ClickHouse 20+ refuses one without. */}}
{{define "to_level"}}ALL INNER JOIN (SELECT area_code, {{.Level}} AS code FROM areas {{.Where}}) AS level_areas USING (area_code){{end}}
