-- The providers with an activity row, per month and PCN, from three months
-- before the period to its end: what the completeness of returns counts
-- (pcn_month.go, which puts the PCNs in their areas as of @version).
-- Space-separated text: codes hold no spaces, and arrays scan far slower.
SELECT area_code, month, arrayStringConcat(providers, ' ') AS provider_codes
FROM {{template "activity_source" .}}
  AND month >= addMonths(toDate(@from), -3) AND month <= toDate(@to)
  AND notEmpty(providers)
