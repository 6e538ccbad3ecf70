-- The newest committed data: its version (the highest committed load_seq),
-- how many loads have committed (a load that started earlier but committed
-- later changes the data without raising the version), and when the last
-- committed load finished (toDateTime(0) when none has).
SELECT max(seq) AS version, count() AS commits, max(ifNull(finished_at, toDateTime(0))) AS loaded_at
FROM load_log
WHERE status IN ('loaded', 'partial')
