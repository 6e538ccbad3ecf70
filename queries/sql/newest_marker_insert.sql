-- A build's marker row (migration 012): the snapshot @snap its rows are
-- the current rows of, and its number @builds.
INSERT INTO {{.Stage}} (load_seq, line, marker)
SELECT toUInt64(@snap), toUInt32(@builds), toUInt8(1)
