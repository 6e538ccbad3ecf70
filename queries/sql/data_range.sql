-- The months with activity and the number of areas. Plain aggregates, not
-- scalar subqueries: those are Nullable on current ClickHouse (and NULL on an
-- empty table) but not on 18.16. min/max of no rows is 1970-01-01 on both.
SELECT first_month, last_month, areas
FROM (SELECT min(month) AS first_month, max(month) AS last_month FROM activity) AS months
CROSS JOIN (SELECT count() AS areas FROM areas) AS area_count
