-- When each kind's newest load committed by @version finished: "data as of"
-- for each kind (METRICS.md, completeness of returns).
SELECT toString(kind) AS kind, max(ifNull(finished_at, started_at)) AS finished
FROM load_log
WHERE status IN ('loaded', 'partial') AND seq <= @version
GROUP BY kind
ORDER BY kind
