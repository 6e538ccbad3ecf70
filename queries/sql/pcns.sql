SELECT area_code, area_name, icb_code FROM areas ORDER BY area_code
