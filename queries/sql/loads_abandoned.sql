-- Loads whose latest event is still 'running' and whose last sign of life
-- (their start, or their newest heartbeat) is older than the given number
-- of seconds.
SELECT load_id, seq, file_name, file_path, sha256, toString(kind), rows_read, rows_loaded, rows_rejected,
       toString(status), message, started_at, finished_at
FROM (
    SELECT load_id, seq, file_name, file_path, sha256, kind, rows_read, rows_loaded, rows_rejected,
           status, message, started_at, finished_at
    FROM loads
    WHERE status = 'running'
) AS running
ALL LEFT JOIN (
    SELECT load_id, max(at) AS last_beat FROM load_heartbeats GROUP BY load_id
) AS beats USING (load_id)
WHERE greatest(started_at, last_beat) < now() - ?
ORDER BY seq
