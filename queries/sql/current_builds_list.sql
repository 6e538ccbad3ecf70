-- Every build of the current rows (migration 007): its kind, when it
-- started and, once built, when it was built (toDateTime(0) while it is not).
SELECT kind, build, min(at) AS started, maxIf(at, event = 'built') AS built
FROM current_builds
GROUP BY kind, build
ORDER BY kind, build
