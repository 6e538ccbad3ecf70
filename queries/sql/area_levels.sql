-- Each PCN's ICB and region as of @version: what the current rows per PCN
-- are summed to (pcn_month.go).
SELECT area_code, icb_code, region_code
FROM {{template "areas_at"}} AS versioned_areas
