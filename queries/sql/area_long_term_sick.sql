-- Each PCN's long-term sickness rate as of @version, for the evidence model
-- (METRICS.md: adjusted for deprivation and long-term sickness).
SELECT area_code, long_term_sick_rate
FROM {{template "areas_at"}} AS versioned_areas
WHERE isNotNull(long_term_sick_rate)
ORDER BY area_code
