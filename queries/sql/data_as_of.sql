-- The newest committed data: its version (the highest committed load_seq),
-- how many loads have committed (a load that started earlier but committed
-- later changes the data without raising the version), and when the last
-- committed load finished (toDateTime(0) when none has); how many load
-- events there are of any status (a load starting or failing changes it);
-- the areas load read (0: none), and the state of the summed kinds with the
-- build of its current rows to read (current_snaps.sql, at the newest
-- version).
SELECT version, commits, loaded_at, events, areas_seq, summed_loads, snap, build
FROM (
    SELECT
        maxIf(seq, status IN ('loaded', 'partial')) AS version,
        countIf(status IN ('loaded', 'partial')) AS commits,
        maxIf(ifNull(finished_at, toDateTime(0)), status IN ('loaded', 'partial')) AS loaded_at,
        count() AS events,
        maxIf(seq, kind = 'areas' AND status IN ('loaded', 'partial')) AS areas_seq,
        countIf(kind IN ('activity', 'training', 'outcomes') AND status IN ('loaded', 'partial')) AS summed_loads,
        sumIf(intHash64(seq), kind IN ('activity', 'training', 'outcomes') AND status IN ('loaded', 'partial')) AS snap
    FROM load_log
) AS state
ALL LEFT JOIN (
    SELECT snap, min(build) AS build
    FROM current_builds
    WHERE event = 'built'
    GROUP BY snap
) AS builds USING (snap)
