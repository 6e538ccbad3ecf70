-- The providers with an activity row, per month and PCN, of the PCNs
-- @pcns (with @codes, the area each falls in) from three months before the
-- period to its end: what the completeness of returns counts (pcn_month.go).
-- Space-separated text: codes hold no spaces, and arrays scan far slower.
SELECT transform(area_code, @pcns, @codes, '') AS code, area_code, month, arrayStringConcat(providers, ' ') AS provider_codes
FROM {{template "activity_source" .}}
  AND month >= addMonths(toDate(@from), -3) AND month <= toDate(@to)
  AND notEmpty(providers)
  AND transform(area_code, @pcns, @codes, '') != ''
