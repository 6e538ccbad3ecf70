-- A kind's committed loads at @version, for a build of its newest rows
-- (queries/newest.go): the newest (by seq), their snapshot (current.sql)
-- and the newest one's part of it, and how many rows of the kind's other
-- committed loads the newest superseded when it committed (a partial
-- load's copy also supersedes its own first rows, never committed, which
-- change nothing). One join per SELECT (18.16).
SELECT newest_load, snap_all, newest_hash, superseded
FROM (
    SELECT max(seq) AS newest_load, {{template "snapshot"}} AS snap_all, intHash64(max(seq)) AS newest_hash
    FROM {{template "kind_loads"}}
) AS loads
CROSS JOIN (
    SELECT count() AS superseded
    FROM superseded_rows
    WHERE by_seq IN (SELECT max(seq) FROM {{template "kind_loads"}})
      AND load_seq NOT IN (SELECT max(seq) FROM {{template "kind_loads"}})
      AND load_seq IN (SELECT seq FROM {{template "kind_loads"}})
) AS load_superseded
