-- Each PCN's social prescribing appointments (METRICS.md, "Published
-- workforce and appointments") over the period by status, and the months
-- of the period it has published appointments in (YYYYMM, space-separated:
-- an area's yearly rate divides by the months any of its PCNs has). A PCN
-- with none in the period has no row: an area with none has no figures.
SELECT area_code, sum(attended) AS period_attended, sum(dna) AS period_dna, sum(unknown) AS period_unknown,
       arrayStringConcat(arrayMap(m -> toString(m), arraySort(groupUniqArray(toYYYYMM(month)))), ' ') AS months
FROM {{template "gpad_source" .}}
  AND month >= toDate(@from) AND month <= toDate(@to)
GROUP BY area_code
