-- Before a load commits: the rows of earlier loads with one of its natural
-- keys are superseded by it. Loads known to have failed never count. One
-- statement per year of months: the server holds that year of the load's
-- keys as a set.
INSERT INTO superseded_rows (load_seq, line, by_seq)
SELECT load_seq, line, ?
FROM {{.Table}}
WHERE load_seq < ?
  AND {{.Part}}
  AND load_seq NOT IN (SELECT seq FROM load_log WHERE kind = ? AND status = 'failed')
  AND ({{.Key}}) IN (SELECT {{.Key}} FROM {{.Table}} WHERE load_seq = ? AND {{.Part}})
