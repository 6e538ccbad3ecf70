SELECT DISTINCT financial_year FROM funding ORDER BY financial_year
