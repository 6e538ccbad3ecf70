-- The stored rows of a kind superseded by a load that committed more than the
-- given number of seconds ago: no answer can still be reading a version
-- from before that load, so nothing visible changes when they go.
SELECT count()
FROM {{.Table}}
WHERE (load_seq, line) IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = ? AND status IN ('loaded', 'partial') AND finished_at < now() - ?))
