-- The first part of a build of the current activity rows from the build @prev
-- of the state before load @load (current.go: buildCurrent): the months and
-- PCNs the load has no row for, as they are (current_activity_add.sql adds up
-- the others).
INSERT INTO activity_current (build, month, area_code, returns, referrals, accepted, supported, caseload, headcount, fte, waits, providers)
SELECT @build, month, area_code, returns, referrals, accepted, supported, caseload, headcount, fte, waits, providers
FROM activity_current
WHERE build = @prev
  AND (month, area_code) NOT IN (SELECT month, area_code FROM activity_rows PREWHERE load_seq = @load)
