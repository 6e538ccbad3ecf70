-- The providers with an activity row, per month and PCN, of the PCNs in the
-- place (as of @version), from three months before the period to its end,
-- each with the code of its area at the level (to_level): what the
-- completeness of returns counts (pcn_month.go). Space-separated text: codes
-- hold no spaces, and arrays scan far slower.
SELECT code, area_code, month, provider_codes
FROM (
    SELECT area_code, month, arrayStringConcat(providers, ' ') AS provider_codes
    FROM {{template "activity_source" .}}
      AND month >= addMonths(toDate(@from), -3) AND month <= toDate(@to)
      AND notEmpty(providers)
      {{- if .Where}}
      AND {{template "in_place" .}}{{end}}
) AS provided
{{template "to_level" .}}
