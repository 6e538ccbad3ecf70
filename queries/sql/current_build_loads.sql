-- A kind's committed loads at @version, for a build of its state
-- (current.go: buildBase): how many, the newest (by seq), their snapshot
-- (current.sql) and the newest one's part of it. Aliases differ from the
-- column the aggregates read (18.16).
SELECT count() AS loads, max(seq) AS newest_load, {{template "snapshot"}} AS snap_all, intHash64(max(seq)) AS newest_hash
FROM {{template "kind_loads"}}
