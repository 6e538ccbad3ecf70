-- Analysts' views: a GROUP BY an analyst would write (per area, its rows and
-- a sum of its first count column).
SELECT area_code, count(), sum({{.Measure}}) FROM {{.Source}}.{{.Kind}} GROUP BY area_code
