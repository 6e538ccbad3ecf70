-- Whether a build of a kind's state may be made visible (current.go:
-- buildCurrent), read before its rows are written and after: the kind's
-- state at @version now (its snapshot, summed as kind_states in current.sql
-- does; a load that started before @version and commits meanwhile changes
-- it), and whether the build it starts from, @prev, is still built (0 when
-- it starts from none; cleanup deletes a build's events before its rows).
SELECT snap_now, prev_built
FROM (
    SELECT sum(intHash64(seq)) AS snap_now
    FROM load_log
    WHERE kind = @kind AND status IN ('loaded', 'partial') AND seq <= @version
) AS state_now
CROSS JOIN (
    SELECT count() AS prev_built FROM current_builds WHERE kind = @kind AND build = @prev AND event = 'built'
) AS prev_now
