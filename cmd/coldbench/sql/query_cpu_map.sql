-- query_cpu.sql for a current ClickHouse, whose query log keeps its
-- profile events as a Map.
SELECT count(), sum(ProfileEvents['UserTimeMicroseconds'] + ProfileEvents['SystemTimeMicroseconds'])
FROM system.query_log
WHERE type = 2 AND startsWith(query, @prefix)
