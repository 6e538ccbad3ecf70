-- Funding per area and stream for one financial year; the area's total is
-- their sum (in Go). An area with no row for the year has no row here.
-- Summed per PCN first (see metrics_activity.sql).
SELECT
    code,
    toString(stream) AS stream,
    toFloat64(sum(amount)) AS funding
FROM (
    SELECT area_code, stream, sum(amount_gbp) AS amount
    FROM funding_rows
    WHERE {{template "current" "funding"}}
      AND financial_year = @fy
      {{if .Where}}AND {{template "in_place" .}}{{end}}
    GROUP BY area_code, stream
) AS current_rows
{{template "to_level" .}}
GROUP BY code, stream
