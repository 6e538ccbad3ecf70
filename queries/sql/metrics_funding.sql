-- Funding per area and stream for one financial year; the area's total is
-- their sum (in Go). An area with no row for the year has no row here.
SELECT
    code,
    toString(stream) AS stream,
    toFloat64(sum(amount)) AS funding
FROM (
    SELECT area_code, stream, amount_gbp AS amount
    FROM funding_rows
    WHERE {{template "current_funding"}}
      AND financial_year = @fy
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code, stream
