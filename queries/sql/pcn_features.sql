-- Every PCN's need and size as of @version, with its ICB: the features
-- statistical peers are found by, the national deprivation deciles and the
-- evidence model's long-term sickness (METRICS.md).
SELECT area_code, icb_code, population, working_age_population, imd_score, long_term_sick_rate
FROM {{template "areas_at"}} AS versioned_areas
ORDER BY area_code
