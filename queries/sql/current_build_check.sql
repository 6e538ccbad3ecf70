-- Whether a build of a kind's state may be made visible (current.go:
-- buildCurrent), read after its rows are written: the kind's state at
-- @version now (its snapshot, current.sql; a load that started before
-- @version and committed meanwhile changes it), and whether the build it
-- started from, @prev, is still built (0 when it started from none; cleanup
-- deletes a build's events before its rows).
SELECT snap_now, prev_built
FROM (SELECT {{template "snapshot"}} AS snap_now FROM {{template "kind_loads"}}) AS state_now
CROSS JOIN (
    SELECT count() AS prev_built FROM current_builds WHERE kind = @kind AND build = @prev AND event = 'built'
) AS prev_now
