-- One swap at a time into a kind's newest rows (migration 012): two
-- REPLACE PARTITION into one table at once can both keep their parts on
-- 18.16 (every row twice). A table of this name is the lock: only one
-- CREATE of a name succeeds (the others get code 57), the swap's holder
-- drops it (newest_unlock.sql), and etl cleanup drops one a stopped
-- process left, by its age (newest_lock_age.sql).
CREATE TABLE {{.Lock}} (held UInt8) ENGINE = Memory
