-- The areas as of @version (the newest areas load committed by then): every
-- PCN with its ICB, region, names, population and deprivation, in the areas'
-- own order. An answer's areas at any level with their population and
-- deprivation, the PCNs' ICBs and regions, and the places to choose are all
-- taken from this one read (queries/areas.go).
SELECT area_code, area_name, icb_code, icb_name, region_code, region_name, population, imd_score
FROM {{template "areas_at"}} AS versioned_areas
ORDER BY region_code, icb_code, area_code
