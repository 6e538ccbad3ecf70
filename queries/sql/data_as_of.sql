-- The newest committed data, in one statement: a row with no kind says its
-- version (the highest committed load_seq), how many loads have committed (a
-- load that started earlier but committed later changes the data without
-- raising the version), when the last committed load finished
-- (toDateTime(0) when none has), how many load events there are of any
-- status (a load starting or failing changes it) and, as its snap, the
-- state the data's range is a function of (the snapshot of the committed
-- loads of range_kinds, migration 010) and, as its areas, the newest
-- committed areas load (0: none) that the version's areas are; a row per summed kind with loads
-- committed says its state and build (kind_states in current.sql: every
-- committed load is at or below the newest version); and a row 'range' per
-- built range says its name and the range (Go picks the smallest build
-- named as the state: no join, which costs 18.16 more than these few rows).
SELECT '' AS kind, version, commits, loaded_at, events, snap, areas_load, toUInt64(0) AS build,
       toDate('1970-01-01') AS first_month, toDate('1970-01-01') AS last_month, toUInt64(0) AS areas, '' AS years
FROM (
    SELECT
        maxIf(seq, status IN ('loaded', 'partial')) AS version,
        countIf(status IN ('loaded', 'partial')) AS commits,
        maxIf(ifNull(finished_at, toDateTime(0)), status IN ('loaded', 'partial')) AS loaded_at,
        count() AS events,
        sumIf(intHash64(seq), kind IN ({{template "range_kinds"}}) AND status IN ('loaded', 'partial')) AS snap,
        maxIf(seq, kind = 'areas' AND status IN ('loaded', 'partial')) AS areas_load
    FROM load_log
) AS data
UNION ALL
SELECT kind, toUInt64(0) AS version, toUInt64(0) AS commits, toDateTime(0) AS loaded_at, toUInt64(0) AS events, snap, toUInt64(0) AS areas_load, build,
       toDate('1970-01-01') AS first_month, toDate('1970-01-01') AS last_month, toUInt64(0) AS areas, '' AS years
FROM {{template "kind_states" false}}
UNION ALL
SELECT 'range' AS kind, toUInt64(0) AS version, toUInt64(0) AS commits, toDateTime(0) AS loaded_at, toUInt64(0) AS events, snap, toUInt64(0) AS areas_load, build,
       first_month, last_month, areas, years
FROM range_current
WHERE build IN (SELECT build FROM current_builds WHERE kind = 'range' AND event = 'built')
