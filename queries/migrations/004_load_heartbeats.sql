-- A running load's signs of life: one row when it starts and one every
-- 30 seconds while it runs (etl: heartbeat). A load whose latest event is
-- still 'running' and that has given no sign of life for a while was killed
-- or lost its connection: spdash etl cleanup (and the start of every load)
-- marks it failed, with a final event of its own (event_no 2).
CREATE TABLE IF NOT EXISTS load_heartbeats (
    load_id String,
    at DateTime
) ENGINE = MergeTree() ORDER BY (load_id, at);
