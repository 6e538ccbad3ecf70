-- Forget builds of the current rows no reader reads (etl cleanup); their
-- rows go next (current_rows_delete.sql).
ALTER TABLE current_builds DELETE WHERE has(?, build)
