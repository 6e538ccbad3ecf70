{{/* Shared parts of the dashboard's queries. A kind's current rows are, per
natural key, the row of the newest committed load: argMax over a tuple keeps
every value of that one row, NULLs included. The filters go inside, before the
GROUP BY, because ClickHouse 18.16 does not push them into views. */}}
{{define "committed"}}load_seq IN (SELECT seq FROM load_log WHERE kind = '{{.}}' AND status IN ('loaded', 'partial')){{end}}
{{define "in_place"}}area_code IN (SELECT area_code FROM areas {{.Where}}){{end}}
{{define "to_level"}}ANY INNER JOIN (SELECT area_code, {{.Level}} AS code FROM areas {{.Where}}) USING (area_code){{end}}
