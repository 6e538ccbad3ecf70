-- A build of the current training counts per month and PCN at @version from
-- the build @prev of the state before load @load and that load's current
-- rows, for a load that superseded no row (current.go: buildCurrent), in
-- the months and PCNs the load has rows for (current_training_copy.sql
-- copies the others): the two summed per month and PCN. Not aliased (18.16).
INSERT INTO training_current (build, month, area_code, in_post_1, in_post_2, in_post_3, in_post_4, in_post_5, in_post_6, trained_1, trained_2, trained_3, trained_4, trained_5, trained_6)
SELECT @build, month, area_code, sum(in_post_1), sum(in_post_2), sum(in_post_3), sum(in_post_4), sum(in_post_5), sum(in_post_6),
       sum(trained_1), sum(trained_2), sum(trained_3), sum(trained_4), sum(trained_5), sum(trained_6)
FROM (
    SELECT month, area_code, in_post_1, in_post_2, in_post_3, in_post_4, in_post_5, in_post_6, trained_1, trained_2, trained_3, trained_4, trained_5, trained_6
    FROM training_current
    WHERE build = @prev AND (month, area_code) IN (SELECT month, area_code FROM training_rows PREWHERE load_seq = @load)
    UNION ALL
    SELECT month, area_code, in_post_1, in_post_2, in_post_3, in_post_4, in_post_5, in_post_6, trained_1, trained_2, trained_3, trained_4, trained_5, trained_6
    FROM {{template "training_sums" "load"}} AS load_rows
) AS parts
GROUP BY month, area_code
