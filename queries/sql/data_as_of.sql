-- The newest committed data: its version (the highest committed load_seq),
-- how many loads have committed (a load that started earlier but committed
-- later changes the data without raising the version), and when the last
-- committed load finished (toDateTime(0) when none has); and how many load
-- events there are of any status (a load starting or failing changes it).
SELECT
    maxIf(seq, status IN ('loaded', 'partial')) AS version,
    countIf(status IN ('loaded', 'partial')) AS commits,
    maxIf(ifNull(finished_at, toDateTime(0)), status IN ('loaded', 'partial')) AS loaded_at,
    count() AS events
FROM load_log
