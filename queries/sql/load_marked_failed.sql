-- Whether a load has been marked failed (by cleanup, as abandoned): checked
-- just before its commit.
SELECT count() FROM load_log WHERE load_id = ? AND status = 'failed'
