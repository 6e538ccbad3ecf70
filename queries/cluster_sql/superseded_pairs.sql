-- Cluster mode's reclaim (queries/cluster.go): the stored rows of a kind,
-- still on the shards, that a load committed more than the given number of
-- seconds ago supersedes. Read through the Distributed table on the
-- primary (which alone holds superseded_rows), for each node to delete from
-- its own part; rows reclaimed before are no longer there, so each pair is
-- deleted once.
SELECT load_seq, line
FROM {{.Table}}
WHERE (load_seq, line) GLOBAL IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq GLOBAL IN (SELECT seq FROM load_log WHERE kind = ? AND status IN ('loaded', 'partial') AND finished_at < now() - ?))
ORDER BY load_seq, line
