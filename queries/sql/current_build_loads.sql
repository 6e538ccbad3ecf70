-- A kind's committed loads at @version, for a build of its state
-- (current.go: buildBase): how many, the newest (by seq), their snapshot
-- (summed as kind_states in current.sql does, wrapping at 2^64) and the
-- newest one's part of it. Aliases differ from the column the aggregates
-- read (18.16).
SELECT count() AS loads, max(seq) AS newest_load, sum(intHash64(seq)) AS snap_all, intHash64(max(seq)) AS newest_hash
FROM load_log
WHERE kind = @kind AND status IN ('loaded', 'partial') AND seq <= @version
