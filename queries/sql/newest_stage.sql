-- A table of its own for one build of a kind's newest rows (migration 012):
-- the same columns and engine, a random name (two builders never share one).
CREATE TABLE {{.Stage}} AS {{.Table}}
