-- Release the lock of swaps into a kind's newest rows (newest_lock.sql).
DROP TABLE IF EXISTS {{.Lock}}
