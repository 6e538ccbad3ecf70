-- Before a load commits: record every pair of rows with the same natural key
-- where one is this load's and the other an earlier or later load's, the
-- older row superseded by the newer load. Loads known to have failed never
-- count. Run after the load's rows are all in, so of two loads of one kind at
-- once, whichever checks second sees all of the other's rows and records the
-- pairs in both directions. {{.Part}} bounds one statement to a year of
-- months (the server holds one part's keys as a set at a time).
INSERT INTO {{.Superseded}} (load_seq, {{.Key}}, by_seq)
SELECT if(load_seq < ?, load_seq, ?), {{.Key}}, if(load_seq < ?, ?, load_seq)
FROM {{.Table}}
WHERE load_seq != ?
  AND {{.Part}}
  AND load_seq NOT IN (SELECT seq FROM load_log WHERE kind = ? AND status = 'failed')
  AND ({{.Key}}) IN (SELECT {{.Key}} FROM {{.Table}} WHERE load_seq = ? AND {{.Part}})
