INSERT INTO reject_rows (load_id, line, `column`, value, reason)
