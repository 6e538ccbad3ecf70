-- The months with data (activity returns, or the published census and
-- appointments, which may be all a deployment has loaded) and the number of
-- areas. Plain aggregates, not scalar subqueries: those are Nullable on
-- current ClickHouse (and NULL on an empty table) but not on 18.16. min/max
-- of no rows is 1970-01-01 on both, which the outer minIf leaves out.
SELECT first_month, last_month, areas
FROM (
    SELECT minIf(first, first > toDate('1970-01-01')) AS first_month, max(last) AS last_month
    FROM (
        SELECT min(month) AS first, max(month) AS last FROM activity
        UNION ALL
        SELECT min(month) AS first, max(month) AS last FROM workforce_published
        UNION ALL
        SELECT min(month) AS first, max(month) AS last FROM appointments_published
    ) AS kinds
) AS months
CROSS JOIN (SELECT count() AS areas FROM areas) AS area_count
