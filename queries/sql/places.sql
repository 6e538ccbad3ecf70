-- Every region and ICB, for checking and naming a selected place.
SELECT DISTINCT region_code, region_name, icb_code, icb_name FROM areas ORDER BY region_code, icb_code
