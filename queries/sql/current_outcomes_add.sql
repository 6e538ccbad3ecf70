-- A build of the current outcome counts per month and PCN at @version from
-- the build @prev of the state before load @load and that load's current
-- rows, for a load that superseded no row (current.go: buildCurrent), in
-- the months and PCNs the load has rows for (current_outcomes_copy.sql
-- copies the others): the two summed per month and PCN. Not aliased (18.16).
INSERT INTO outcomes_current (build, month, area_code, people_1, people_2, people_3, people_4, people_5, people_6, people_7, cohort_1, cohort_2, cohort_3, cohort_4, cohort_5, cohort_6, cohort_7)
SELECT @build, month, area_code, sum(people_1), sum(people_2), sum(people_3), sum(people_4), sum(people_5), sum(people_6), sum(people_7),
       sum(cohort_1), sum(cohort_2), sum(cohort_3), sum(cohort_4), sum(cohort_5), sum(cohort_6), sum(cohort_7)
FROM (
    SELECT month, area_code, people_1, people_2, people_3, people_4, people_5, people_6, people_7, cohort_1, cohort_2, cohort_3, cohort_4, cohort_5, cohort_6, cohort_7
    FROM outcomes_current
    WHERE build = @prev AND (month, area_code) IN (SELECT month, area_code FROM outcomes_rows PREWHERE load_seq = @load)
    UNION ALL
    SELECT month, area_code, people_1, people_2, people_3, people_4, people_5, people_6, people_7, cohort_1, cohort_2, cohort_3, cohort_4, cohort_5, cohort_6, cohort_7
    FROM {{template "outcomes_sums" "load"}} AS load_rows
) AS parts
GROUP BY month, area_code
