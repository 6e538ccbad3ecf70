-- Every PCN's population and deprivation score as of @version: the national
-- deprivation deciles (METRICS.md, inequality) are fixed by them.
SELECT area_code, population, imd_score
FROM {{template "areas_at"}} AS versioned_areas
ORDER BY area_code
