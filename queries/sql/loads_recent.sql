SELECT load_id, seq, file_name, file_path, sha256, toString(kind), rows_read, rows_loaded, rows_rejected,
       toString(status), message, started_at, finished_at
FROM loads
ORDER BY seq DESC
LIMIT ?
