-- The state at @version (migration 007): the areas load read (0: none),
-- and the summed kinds' (activity, training, outcomes) snapshot, the sum of
-- intHash64(seq) over their loads committed by then (wrapping at 2^64), how
-- many there are (0: no state to read), and the build to read: the smallest
-- built one, 0 while none is.
SELECT areas_seq, summed_loads, snap, build
FROM (
    SELECT
        maxIf(seq, kind = 'areas') AS areas_seq,
        countIf(kind IN ('activity', 'training', 'outcomes')) AS summed_loads,
        sumIf(intHash64(seq), kind IN ('activity', 'training', 'outcomes')) AS snap
    FROM load_log
    WHERE status IN ('loaded', 'partial') AND seq <= @version
) AS state
ALL LEFT JOIN (
    SELECT snap, min(build) AS build
    FROM current_builds
    WHERE event = 'built'
    GROUP BY snap
) AS builds USING (snap)
