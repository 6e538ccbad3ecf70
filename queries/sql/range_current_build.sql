-- A build of the data's range (migration 010): the row data_range.sql
-- gives, under build @build. .Range is that statement, expanded.
INSERT INTO range_current (build, first_month, last_month, areas, years)
SELECT @build, first_month, last_month, areas, years
FROM (
{{.Range}}
) AS data_range
