-- Delete the rows superseded_reclaim_count.sql counts (a mutation, applied
-- by the server in the background). Their superseded_rows entries stay: they
-- only ever hide rows.
ALTER TABLE {{.Table}} DELETE
WHERE (load_seq, line) IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = ? AND status IN ('loaded', 'partial') AND finished_at < now() - ?))
