-- Another process's build of a kind's state (migration 007): the smallest
-- built one (0 while none is), and when the state's newest 'started' event
-- was written (1970 when there is none). Aliases differ from the columns
-- the aggregates read (18.16).
SELECT minIf(build, event = 'built') AS built_build, maxIf(at, event = 'started') AS started_at
FROM current_builds
WHERE kind = @kind AND snap = @snap
