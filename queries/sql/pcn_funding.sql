-- Each PCN's funding per stream for one financial year, from the current
-- rows: summed exactly (Decimal), then as Float64 pounds. Go puts the PCNs
-- in their areas as of the version and sums them to whole pennies
-- (queries/areas.go, scanFunding); a PCN with no row for the year has none
-- here.
SELECT area_code, toString(stream) AS stream, toFloat64(sum(amount_gbp)) AS funding
FROM funding_rows
WHERE {{template "current" "funding"}}
  AND financial_year = @fy
GROUP BY area_code, stream
