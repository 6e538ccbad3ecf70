-- A build of the current outcome counts per month and PCN at @version (migration 007).
-- With "touched", after a load that superseded rows, only the months and
-- PCNs load @load has rows in (current.go: buildCurrent; current.sql).
INSERT INTO outcomes_current (build, month, area_code, people_1, people_2, people_3, people_4, people_5, people_6, people_7, cohort_1, cohort_2, cohort_3, cohort_4, cohort_5, cohort_6, cohort_7)
SELECT @build, month, area_code, people_1, people_2, people_3, people_4, people_5, people_6, people_7, cohort_1, cohort_2, cohort_3, cohort_4, cohort_5, cohort_6, cohort_7
FROM {{template "outcomes_sums" .}} AS now_rows
