-- How many statements whose text starts with @prefix the server has
-- finished so far, and the CPU time (user and system, microseconds) their
-- threads used: ClickHouse 18.16's query log keeps its profile events as a
-- Nested column.
SELECT count(), sum(ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')]
                  + ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')])
FROM system.query_log
WHERE type = 2 AND startsWith(query, @prefix)
