-- Whether the lock of swaps into a kind's newest rows is held
-- (newest_lock.sql), and since when (etl cleanup drops one held longer
-- than a swap could take: its process stopped). One row, held or not.
SELECT count() AS held, min(metadata_modification_time) AS since
FROM system.tables
WHERE database = currentDatabase() AND name = @lock
