-- Merges of a kind's newest rows again, after a swap (newest_merges_stop.sql),
-- or after a process stopped mid-swap (etl cleanup).
SYSTEM START MERGES {{.Table}}
