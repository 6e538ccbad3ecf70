INSERT INTO load_heartbeats (load_id, at)
