-- Whether the lock of swaps into a kind's newest rows is held
-- (newest_lock.sql), and for how many seconds, by the server's clock
-- (etl cleanup releases one held longer than a swap could take: its
-- process stopped). One row, held or not (0 seconds when not).
SELECT count() AS held,
       if(count() = 0, toInt64(0), toInt64(now()) - toInt64(min(metadata_modification_time))) AS held_seconds
FROM system.tables
WHERE database = currentDatabase() AND name = @lock
