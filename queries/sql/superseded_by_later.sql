-- Before a load commits: its rows whose natural key a later load (one that
-- started after it, committed or not yet) also has are superseded by that
-- load. With supersede.sql this covers two loads of one kind at once: the
-- check runs after the load's rows are all in, so whichever of the two checks
-- second sees all of the other's rows and records the pairs either way.
INSERT INTO superseded_rows (load_seq, line, by_seq)
SELECT load_seq, line, by_seq
FROM (
    SELECT {{.Key}}, load_seq, line FROM {{.Table}} WHERE load_seq = ? AND {{.Part}}
) AS mine
ALL INNER JOIN (
    SELECT {{.Key}}, load_seq AS by_seq
    FROM {{.Table}}
    WHERE load_seq > ?
      AND {{.Part}}
      AND load_seq NOT IN (SELECT seq FROM load_log WHERE kind = ? AND status = 'failed')
) AS later USING ({{.Key}})
