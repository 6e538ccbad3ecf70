-- A build that reads every current row starts from an empty table.
TRUNCATE TABLE {{.Stage}}
