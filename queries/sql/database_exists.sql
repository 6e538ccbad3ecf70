SELECT count() FROM system.databases WHERE name = ?
