-- A build of the current census rows per month and PCN at @version (migration 007).
INSERT INTO pcn_workforce_current (build, month, area_code, census_fte, census_fte_mental_health, staff)
SELECT @build, month, area_code, census_fte, census_fte_mental_health, staff
FROM {{template "pcn_workforce_now"}} AS now_rows
