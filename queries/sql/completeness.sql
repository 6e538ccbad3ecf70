-- Completeness of returns (METRICS.md): for each PCN and month m of the
-- period, the providers expected (an activity row for the PCN in any of the
-- 3 months before m) and, of those, the ones received (a row in m); a
-- provider new in m is not counted. Summed to the chosen level.
SELECT code, m, sum(expected) AS expected, sum(received) AS received
FROM (
    SELECT area_code, m, count() AS expected, sum(present) AS received
    FROM (
        SELECT DISTINCT area_code, provider_code, addMonths(month, k) AS m
        FROM activity_rows
        ARRAY JOIN [1, 2, 3] AS k
        WHERE {{template "current" "activity"}}
          AND month >= addMonths(toDate(@from), -3) AND month <= addMonths(toDate(@to), -1)
          {{if .Where}}AND {{template "in_place" .}}{{end}}
    ) AS expected_rows
    ALL LEFT JOIN (
        SELECT DISTINCT area_code, provider_code, month AS m, toUInt8(1) AS present
        FROM activity_rows
        WHERE {{template "current" "activity"}}
          AND month >= toDate(@from) AND month <= toDate(@to)
          {{if .Where}}AND {{template "in_place" .}}{{end}}
    ) AS received_rows USING (area_code, provider_code, m)
    WHERE m >= toDate(@from) AND m <= toDate(@to)
    GROUP BY area_code, m
) AS per_pcn
{{template "to_level" .}}
GROUP BY code, m
ORDER BY code, m
