-- Analysts' views: a count of every row.
SELECT count() FROM {{.Source}}.{{.Kind}}
