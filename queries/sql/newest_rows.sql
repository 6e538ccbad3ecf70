-- A build of a kind's newest rows (migration 012): the current rows at
-- @version (current.sql "current"), or with Load only those of load @load,
-- read first by their load_seq (a build that adds the newest load to the
-- state before it).
INSERT INTO {{.Stage}} ({{.Cols}}, marker)
SELECT {{.Cols}}, 0
FROM {{.Kind}}_rows{{if .Load}} PREWHERE load_seq = @load{{end}}
WHERE {{template "current" .Kind}}
