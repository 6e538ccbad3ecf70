-- The failed loads that still have rows stored in a kind's storage table:
-- rows that no reader ever shows, for cleanup to delete.
SELECT DISTINCT load_seq
FROM {{.Table}}
WHERE load_seq IN (SELECT seq FROM load_log WHERE status = 'failed')
  AND load_seq NOT IN (SELECT seq FROM load_log WHERE status IN ('loaded', 'partial'))
ORDER BY load_seq
