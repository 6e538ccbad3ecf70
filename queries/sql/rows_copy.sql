INSERT INTO {{.Table}} (load_seq, line, {{.Columns}})
SELECT ?, line, {{.Columns}}
FROM {{.Table}}
WHERE load_seq = ? AND ({{.Key}}) NOT IN (
    SELECT {{.Key}} FROM {{.Table}} WHERE load_seq = ? GROUP BY {{.Key}} HAVING count() > 1)
