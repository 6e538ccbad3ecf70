INSERT INTO load_log (load_id, seq, event_no, file_name, file_path, sha256, kind, rows_read, rows_loaded,
                      rows_rejected, status, message, started_at, finished_at)
