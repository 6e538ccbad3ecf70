-- Social prescribing appointments (METRICS.md, "Published workforce and
-- appointments") of each area at the chosen level over the period, by
-- status, and the months of the period with published appointments for
-- the area (the yearly rate divides by those). Summed per PCN first, so the
-- join to the level sees one row per PCN and status. An area with no
-- published appointments in the period has no row: its figures are unknown.
SELECT
    code,
    sumIf(n, st = 'attended') AS attended,
    sumIf(n, st = 'dna') AS dna,
    sumIf(n, st = 'unknown') AS unknown,
    length(arrayDistinct(groupArrayArray(months))) AS months_covered
FROM (
    SELECT area_code, toString(status) AS st, sum(appointments) AS n, groupUniqArray(month) AS months
    FROM appointments_published_rows
    WHERE {{template "current" "gpad"}}
      AND month >= toDate(@from) AND month <= toDate(@to)
      {{if .Where}}AND {{template "in_place" .}}{{end}}
    GROUP BY area_code, st
) AS current_rows
{{template "to_level" .}}
GROUP BY code
