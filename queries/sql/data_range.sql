-- The months with data (activity returns, or the published census and
-- appointments, which may be all a deployment has loaded) and the number of
-- areas. The months of committed loads are the months of the current rows:
-- a row is only ever superseded by a row of the same month (the month is in
-- every natural key), so the storage tables are read without the superseded
-- pairs, and without the views' work. Plain aggregates, not scalar
-- subqueries: those are Nullable on current ClickHouse (and NULL on an empty
-- table) but not on 18.16. min/max of no rows is 1970-01-01 on both, which
-- the outer minIf leaves out.
SELECT first_month, last_month, areas
FROM (
    SELECT minIf(first, first > toDate('1970-01-01')) AS first_month, max(last) AS last_month
    FROM (
        SELECT min(month) AS first, max(month) AS last FROM activity_rows
        WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'activity' AND status IN ('loaded', 'partial'))
        UNION ALL
        SELECT min(month) AS first, max(month) AS last FROM workforce_published_rows
        WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'pcn_workforce' AND status IN ('loaded', 'partial'))
        UNION ALL
        SELECT min(month) AS first, max(month) AS last FROM appointments_published_rows
        WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'gpad' AND status IN ('loaded', 'partial'))
    ) AS kinds
) AS months
CROSS JOIN (SELECT count() AS areas FROM areas) AS area_count
