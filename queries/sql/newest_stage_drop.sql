-- A build's own table, once swapped in or abandoned.
DROP TABLE IF EXISTS {{.Stage}}
