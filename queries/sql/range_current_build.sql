-- A build of the data's range (migration 010): the row data_range.sql
-- gives, under build @build, named .Snap. .Range is that statement,
-- expanded.
INSERT INTO range_current (build, snap, first_month, last_month, areas, years)
SELECT @build, {{.Snap}}, first_month, last_month, areas, years
FROM (
{{.Range}}
) AS data_range
