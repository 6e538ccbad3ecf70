-- The areas of a load, with its number (load_seq): @areas when .Load (the
-- data version names it, data_as_of.sql), else the newest committed by
-- @version when .Bounded, else the newest committed (read beside the version,
-- before it is known): every PCN with its ICB, region, names, population and
-- deprivation, in the areas' own order. An answer's areas at any level with
-- their population and deprivation, the PCNs' ICBs and regions, and the
-- places to choose are all taken from this one read (queries/areas.go).
SELECT load_seq, area_code, area_name, icb_code, icb_name, region_code, region_name, population, imd_score
FROM areas_rows
WHERE load_seq = {{if .Load}}@areas{{else}}{{template "areas_load" .Bounded}}{{end}}
ORDER BY region_code, icb_code, area_code
