-- Cluster mode (queries/cluster.go): the engine of each sharded storage
-- table that exists on the primary. A database first made without
-- --cluster has MergeTree ones, and cluster mode refuses it.
SELECT name, engine
FROM system.tables
WHERE database = currentDatabase() AND has(?, name)
