-- What a build of a kind's state at @version can start from (current.go:
-- buildBase), in one row: how many rows of committed loads the kind's newest
-- committed load @load superseded when it committed (a partial load's copy
-- also supersedes its own first rows, never committed, which change
-- nothing), and the smallest build of the state before it, @prev_snap (0
-- when none is built). One join per SELECT (18.16).
SELECT superseded, prev
FROM (
    SELECT count() AS superseded
    FROM superseded_rows
    WHERE by_seq = @load
      AND load_seq IN (SELECT seq FROM {{template "kind_loads"}})
) AS load_superseded
CROSS JOIN (
    SELECT min(build) AS prev FROM current_builds WHERE kind = @kind AND snap = @prev_snap AND event = 'built'
) AS prev_build
