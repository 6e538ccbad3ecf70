-- Reference: funding per PCN and stream for the financial year.
SELECT area_code, stream, sum(amount_gbp)
FROM {{.Bench}}.funding
WHERE financial_year = @fy
GROUP BY area_code, stream
