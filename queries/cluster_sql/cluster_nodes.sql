-- The nodes of a cluster, from the primary's remote_servers. Cluster mode
-- only (queries/cluster.go): kept out of sql/, whose statements the engine
-- check replays on a single ClickHouse 26.7 without clusters; the two-shard
-- test runs it.
SELECT host_address, port
FROM system.clusters
WHERE cluster = ?
ORDER BY shard_num, replica_num
