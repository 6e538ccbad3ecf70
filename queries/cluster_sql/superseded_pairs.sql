-- Cluster mode's reclaim (queries/cluster.go): the rows of a kind superseded
-- by a load that committed more than the given number of seconds ago, read
-- on the primary (which alone holds superseded_rows), for each shard to
-- delete from its own part.
SELECT DISTINCT load_seq, line
FROM superseded_rows
WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = ? AND status IN ('loaded', 'partial') AND finished_at < now() - ?)
ORDER BY load_seq, line
