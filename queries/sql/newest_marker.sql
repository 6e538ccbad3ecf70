-- What a build of a kind's newest rows (migration 012) holds: the snapshot
-- of the committed loads its rows are the current rows of, from its newest
-- marker row, and how many builds it has had (0 and 0 when it has none).
-- Aliases differ from the columns the aggregates read (18.16).
SELECT argMax(load_seq, line) AS held_snap, max(line) AS builds
FROM {{.Table}}
WHERE marker = 1
