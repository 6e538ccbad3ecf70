-- Cluster mode's reclaim on one node: delete the given rows (load_seq, line)
-- of a sharded table's local part. Pairs is a list of integer tuples made by
-- queries/cluster.go from numbers it read, never from text.
ALTER TABLE {{.Table}} DELETE WHERE (load_seq, line) IN ({{.Pairs}})
