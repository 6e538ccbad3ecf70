-- The months with data (activity returns, or the published census and
-- appointments, which may be all a deployment has loaded), the number of
-- areas and the financial years with funding, in one statement. A kind's
-- months are those of its build of the current rows per month and PCN
-- (migration 007) where the answer has one; else of its committed loads'
-- storage rows: the months of committed loads are the months of the current
-- rows (a row is only ever superseded by a row of the same month: the month
-- is in every natural key), so the storage tables are read without the
-- superseded pairs. Plain aggregates, not scalar subqueries: those are
-- Nullable on current ClickHouse (and NULL on an empty table) but not on
-- 18.16. min/max of no rows is 1970-01-01 on both, which the outer minIf
-- leaves out. The years are sorted text (arrays of strings scan slowly, and
-- a financial year holds no space).
{{define "months_of"}}SELECT min(month) AS first, max(month) AS last FROM {{.}}{{end -}}
SELECT first_month, last_month, areas, years
FROM (
    SELECT minIf(first, first > toDate('1970-01-01')) AS first_month, max(last) AS last_month
    FROM (
        {{if .Built.Activity}}{{template "months_of" "activity_current WHERE build = @build_activity"}}
        {{- else}}{{template "months_of" "activity_rows WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'activity' AND status IN ('loaded', 'partial'))"}}{{end}}
        UNION ALL
        {{if .Built.Workforce}}{{template "months_of" "pcn_workforce_current WHERE build = @build_pcn_workforce"}}
        {{- else}}{{template "months_of" "workforce_published_rows WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'pcn_workforce' AND status IN ('loaded', 'partial'))"}}{{end}}
        UNION ALL
        {{if .Built.Appointments}}{{template "months_of" "gpad_current WHERE build = @build_gpad"}}
        {{- else}}{{template "months_of" "appointments_published_rows WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'gpad' AND status IN ('loaded', 'partial'))"}}{{end}}
    ) AS kinds
) AS months
CROSS JOIN (
    SELECT areas, years
    FROM (SELECT count() AS areas FROM areas) AS area_count
    CROSS JOIN (SELECT arrayStringConcat(arraySort(groupUniqArray(financial_year)), ' ') AS years FROM funding) AS funding_years
) AS counts
