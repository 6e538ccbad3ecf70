-- A build of the current training counts per month and PCN at @version (migration 007).
-- With "touched", after a load that superseded rows, only the months and
-- PCNs load @load has rows in (current.go: buildCurrent; current.sql).
INSERT INTO training_current (build, month, area_code, in_post_1, in_post_2, in_post_3, in_post_4, in_post_5, in_post_6, trained_1, trained_2, trained_3, trained_4, trained_5, trained_6)
SELECT @build, month, area_code, in_post_1, in_post_2, in_post_3, in_post_4, in_post_5, in_post_6, trained_1, trained_2, trained_3, trained_4, trained_5, trained_6
FROM {{template "training_sums" .}} AS now_rows
