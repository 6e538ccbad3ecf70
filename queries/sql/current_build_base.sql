-- What a build of a kind's state at @version can start from (current.go:
-- buildCurrent), in one row: the kind's newest committed load (by seq); how
-- many rows of committed loads it superseded when it committed (a partial
-- load's copy also supersedes its own first rows, never committed, which
-- change nothing); and the smallest build of the state before it (the
-- kind's other committed loads, their snapshot summed as kind_states in
-- current.sql does), 0 when none is built. IN subqueries, not scalar ones
-- (those are Nullable on current ClickHouse); one join per SELECT (18.16).
{{define "committed_loads"}}SELECT seq FROM load_log WHERE kind = @kind AND status IN ('loaded', 'partial') AND seq <= @version{{end -}}
SELECT newest_load, superseded, prev
FROM (
    SELECT newest_load, superseded
    FROM (SELECT max(seq) AS newest_load FROM ({{template "committed_loads"}}) AS loads) AS newest
    CROSS JOIN (
        SELECT count() AS superseded
        FROM superseded_rows
        WHERE by_seq IN (SELECT max(seq) FROM ({{template "committed_loads"}}) AS loads)
          AND load_seq IN ({{template "committed_loads"}})
    ) AS load_superseded
) AS newest_superseded
CROSS JOIN (
    SELECT min(build) AS prev
    FROM current_builds
    WHERE kind = @kind AND event = 'built'
      AND snap IN (
          SELECT sum(intHash64(seq))
          FROM ({{template "committed_loads"}}) AS loads
          WHERE seq NOT IN (SELECT max(seq) FROM ({{template "committed_loads"}}) AS newest_loads)
      )
) AS prev_build
