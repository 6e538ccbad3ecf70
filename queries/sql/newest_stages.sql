-- The tables of builds of the newest rows (migration 012), finished or
-- not: a build drops its own, and etl cleanup those a stopped builder left
-- (their names say when they were made: queries/newest.go).
SHOW TABLES LIKE '%\_newest\_b%'
