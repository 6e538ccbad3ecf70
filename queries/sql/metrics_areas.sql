-- The areas at the chosen level with their parent, population and
-- population-weighted deprivation (known scores only); with .WithEngland,
-- England's row too (its code sorts among theirs; the caller takes it out):
-- one statement where an answer for England's areas needs both.
{{define "level_areas"}}SELECT
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
GROUP BY code{{end -}}
SELECT code, name, parent_code, parent_name, total_population, total_working_age, weighted_imd
FROM (
    {{template "level_areas" .Areas}}
    {{- if .WithEngland}}
    UNION ALL
    {{template "level_areas" .England}}
    {{- end}}
) AS level_areas
ORDER BY code
