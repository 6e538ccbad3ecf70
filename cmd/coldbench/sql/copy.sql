-- A plain MergeTree copy of a kind's current rows (the analysts' view), in the
-- bench's own database, ordered like the storage table: what ClickHouse
-- would aggregate if the current state were simply stored.
CREATE TABLE {{.Bench}}.{{.Kind}} ENGINE = MergeTree() {{.Partition}} ORDER BY ({{.Order}})
AS SELECT * FROM {{.Source}}.{{.Kind}}
