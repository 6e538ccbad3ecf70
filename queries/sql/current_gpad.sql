-- A build of the current appointments per month and PCN at @version (migration 007).
INSERT INTO gpad_current (build, month, area_code, attended, dna, unknown)
SELECT @build, month, area_code, attended, dna, unknown
FROM {{template "gpad_now"}} AS now_rows
