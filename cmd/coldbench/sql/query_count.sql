-- How many of the product's statements the server has finished so far.
SELECT count() FROM system.query_log WHERE type = 2 AND query LIKE '-- spdash:sql/%'
