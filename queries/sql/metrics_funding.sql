-- Funding per area for one financial year.
SELECT
    code,
    toFloat64(sum(amount)) AS funding
FROM (
    SELECT area_code, argMax(amount_gbp, load_seq) AS amount
    FROM funding_rows
    WHERE {{template "committed" "funding"}}
      AND financial_year = @fy
      AND {{template "in_place" .}}
    GROUP BY financial_year, area_code, stream
) AS current_rows
{{template "to_level" .}}
GROUP BY code
