-- Each summed kind's state at @version (migration 007): its snapshot, the
-- sum of intHash64(seq) over its loads committed by then (wrapping at 2^64;
-- a kind with none committed has no row), and the build to read: the
-- smallest built one, 0 while none is.
SELECT kind, snap, build
FROM (
    SELECT toString(kind) AS kind, sum(intHash64(seq)) AS snap
    FROM load_log
    WHERE kind IN ('activity', 'training', 'outcomes') AND status IN ('loaded', 'partial') AND seq <= @version
    GROUP BY kind
) AS states
ALL LEFT JOIN (
    SELECT kind, snap, min(build) AS build
    FROM current_builds
    WHERE event = 'built'
    GROUP BY kind, snap
) AS builds USING (kind, snap)
ORDER BY kind
