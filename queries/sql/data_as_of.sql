-- The newest committed data, in one statement with no join (a join or an
-- IN costs 18.16 more than these few rows; Go puts the rows together,
-- DataAsOf). Its rows, by row:
--
-- - 'load', a row per kind of load: the newest committed load_seq (its
--   version), how many loads have committed (a load that started earlier
--   but committed later changes the data without raising the version),
--   when the last committed load finished (toDateTime(0) when none has),
--   how many load events there are of any status (a load starting or
--   failing changes it) and the snapshot of the committed loads (their
--   state, kind_states in current.sql); summed says the kind's current
--   rows are built (summed_kinds), ranged that the data's range is a
--   function of its loads (range_kinds, migration 010). The data's version
--   is the newest of the kinds', its areas the newest committed areas load.
-- - 'built', a row per kind and state with a build: the smallest built
--   (current rows, default period, months and range builds alike).
-- - 'range', a row per range built or being built: its state, number and
--   range (Go takes the one named as the data's range state, built).
SELECT 'load' AS row, toString(kind) AS kind,
       kind IN ({{template "summed_kinds"}}) AS summed, kind IN ({{template "range_kinds"}}) AS ranged,
       maxIf(seq, status IN ('loaded', 'partial')) AS version,
       countIf(status IN ('loaded', 'partial')) AS commits,
       maxIf(ifNull(finished_at, toDateTime(0)), status IN ('loaded', 'partial')) AS loaded_at,
       count() AS events,
       sumIf(intHash64(seq), status IN ('loaded', 'partial')) AS snap,
       toUInt64(0) AS build, toDate('1970-01-01') AS first_month, toDate('1970-01-01') AS last_month, toUInt64(0) AS areas, '' AS years
FROM load_log
GROUP BY kind
UNION ALL
-- 18.16 takes a column that is constant in every branch but the first as
-- constant in the result, and refuses the first's: materialize() them.
SELECT 'built' AS row, kind, materialize(toUInt8(0)) AS summed, materialize(toUInt8(0)) AS ranged,
       toUInt64(0) AS version, toUInt64(0) AS commits, toDateTime(0) AS loaded_at, toUInt64(0) AS events, snap, min(build) AS build,
       toDate('1970-01-01') AS first_month, toDate('1970-01-01') AS last_month, toUInt64(0) AS areas, '' AS years
FROM current_builds
WHERE event = 'built'
GROUP BY kind, snap
UNION ALL
SELECT 'range' AS row, 'range' AS kind, materialize(toUInt8(0)) AS summed, materialize(toUInt8(0)) AS ranged,
       toUInt64(0) AS version, toUInt64(0) AS commits, toDateTime(0) AS loaded_at, toUInt64(0) AS events, snap, build,
       first_month, last_month, areas, years
FROM range_current
