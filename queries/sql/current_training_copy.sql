-- The first part of a build of the current training rows from the build @prev
-- of the state before load @load (current.go: buildCurrent): the months and
-- PCNs the load has no row for, as they are (current_training_add.sql adds up
-- the others).
INSERT INTO training_current (build, month, area_code, in_post_1, in_post_2, in_post_3, in_post_4, in_post_5, in_post_6, trained_1, trained_2, trained_3, trained_4, trained_5, trained_6)
SELECT @build, month, area_code, in_post_1, in_post_2, in_post_3, in_post_4, in_post_5, in_post_6, trained_1, trained_2, trained_3, trained_4, trained_5, trained_6
FROM training_current
WHERE build = @prev
  AND (month, area_code) NOT IN (SELECT month, area_code FROM training_rows PREWHERE load_seq = @load)
