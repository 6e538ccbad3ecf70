-- The newest committed data, in one statement: a row with no kind says its
-- version (the highest committed load_seq), how many loads have committed (a
-- load that started earlier but committed later changes the data without
-- raising the version), when the last committed load finished
-- (toDateTime(0) when none has) and how many load events there are of any
-- status (a load starting or failing changes it); a row per summed kind
-- with loads committed says its state and build (kind_states in current.sql:
-- every committed load is at or below the newest version); and the row
-- 'range' says the state the data's range is a function of and, where it
-- is built (migration 010), its build and the range (else build 0 and
-- empty values: a LEFT JOIN's defaults). 18.16 allows one JOIN per SELECT,
-- so the range's joins nest.
SELECT '' AS kind, version, commits, loaded_at, events, toUInt64(0) AS snap, toUInt64(0) AS build,
       toDate('1970-01-01') AS first_month, toDate('1970-01-01') AS last_month, toUInt64(0) AS areas, '' AS years
FROM (
    SELECT
        maxIf(seq, status IN ('loaded', 'partial')) AS version,
        countIf(status IN ('loaded', 'partial')) AS commits,
        maxIf(ifNull(finished_at, toDateTime(0)), status IN ('loaded', 'partial')) AS loaded_at,
        count() AS events
    FROM load_log
) AS data
UNION ALL
SELECT kind, toUInt64(0) AS version, toUInt64(0) AS commits, toDateTime(0) AS loaded_at, toUInt64(0) AS events, snap, build,
       toDate('1970-01-01') AS first_month, toDate('1970-01-01') AS last_month, toUInt64(0) AS areas, '' AS years
FROM {{template "kind_states" false}}
UNION ALL
SELECT 'range' AS kind, toUInt64(0) AS version, toUInt64(0) AS commits, toDateTime(0) AS loaded_at, toUInt64(0) AS events, snap, build,
       first_month, last_month, areas, years
FROM (
    SELECT snap, build
    FROM (
        SELECT {{template "snapshot"}} AS snap
        FROM load_log
        WHERE kind IN ({{template "range_kinds"}}) AND status IN ('loaded', 'partial')
    ) AS range_state
    ALL LEFT JOIN (
        SELECT snap, min(build) AS build
        FROM current_builds
        WHERE kind = 'range' AND event = 'built'
        GROUP BY snap
    ) AS range_builds USING (snap)
) AS named_range
ALL LEFT JOIN (
    SELECT build, first_month, last_month, areas, years
    FROM range_current
) AS range_rows USING (build)
