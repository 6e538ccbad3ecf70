-- The first part of a build of the current outcomes rows from the build @prev
-- of the state before load @load (current.go: buildCurrent): the months and
-- PCNs the load has no row for, as they are (current_outcomes_add.sql adds up
-- the others).
INSERT INTO outcomes_current (build, month, area_code, people_1, people_2, people_3, people_4, people_5, people_6, people_7, cohort_1, cohort_2, cohort_3, cohort_4, cohort_5, cohort_6, cohort_7)
SELECT @build, month, area_code, people_1, people_2, people_3, people_4, people_5, people_6, people_7, cohort_1, cohort_2, cohort_3, cohort_4, cohort_5, cohort_6, cohort_7
FROM outcomes_current
WHERE build = @prev
  AND (month, area_code) NOT IN (SELECT month, area_code FROM outcomes_rows PREWHERE load_seq = @load)
