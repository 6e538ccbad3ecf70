-- The newest committed data, in one statement: a row with no kind says its
-- version (the highest committed load_seq), how many loads have committed (a
-- load that started earlier but committed later changes the data without
-- raising the version), when the last committed load finished
-- (toDateTime(0) when none has) and how many load events there are of any
-- status (a load starting or failing changes it); a row per summed kind
-- with loads committed says its state and build (kind_states in current.sql:
-- every committed load is at or below the newest version).
SELECT '' AS kind, version, commits, loaded_at, events, toUInt64(0) AS snap, toUInt64(0) AS build
FROM (
    SELECT
        maxIf(seq, status IN ('loaded', 'partial')) AS version,
        countIf(status IN ('loaded', 'partial')) AS commits,
        maxIf(ifNull(finished_at, toDateTime(0)), status IN ('loaded', 'partial')) AS loaded_at,
        count() AS events
    FROM load_log
) AS data
UNION ALL
SELECT kind, toUInt64(0) AS version, toUInt64(0) AS commits, toDateTime(0) AS loaded_at, toUInt64(0) AS events, snap, build
FROM {{template "kind_states" false}}
