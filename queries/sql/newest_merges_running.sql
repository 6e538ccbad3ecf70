-- Merges of a kind's newest rows still running (a swap waits for none:
-- newest_merges_stop.sql). One row.
SELECT count() AS running
FROM system.merges
WHERE database = currentDatabase() AND table = @table
