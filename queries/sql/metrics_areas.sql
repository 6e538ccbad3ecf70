-- The areas at the chosen level with their parent, population and
-- population-weighted deprivation (known scores only).
SELECT
    {{.Level}} AS code,
    any({{.Name}}) AS name,
    any({{.Parent}}) AS parent_code,
    any({{.ParentName}}) AS parent_name,
    sum(population) AS total_population,
    sum(working_age_population) AS total_working_age,
    if(sumIf(population, isNotNull(imd_score)) = 0, NULL,
       sumIf(population * imd_score, isNotNull(imd_score)) / sumIf(population, isNotNull(imd_score))) AS weighted_imd
FROM {{template "areas_at"}} AS versioned_areas
{{.Where}}
GROUP BY code
ORDER BY code
