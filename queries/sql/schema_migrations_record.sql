INSERT INTO schema_migrations (version, name) SELECT ?, ?
