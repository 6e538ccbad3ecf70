-- Funding per area for one financial year.
SELECT
    code,
    toFloat64(sum(amount_gbp)) AS funding
FROM funding
ANY INNER JOIN (SELECT area_code, {{.Level}} AS code FROM areas {{.Where}}) USING (area_code)
WHERE financial_year = @fy
GROUP BY code
