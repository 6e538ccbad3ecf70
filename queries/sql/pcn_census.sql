-- Each PCN's census (METRICS.md, "Published workforce and appointments") at
-- the census month: the latest month with current census rows at or before
-- the period's last month, one for the whole answer (the census may lag the
-- returns). Go sums the PCNs to each area: FTE added, headcount the number
-- of distinct NWRS Staff identifiers among its PCNs (pcn_month.go). A PCN
-- with no census row that month has no row: an area with none has no
-- census figures.
SELECT area_code, month, census_fte, census_fte_mental_health, staff
FROM {{template "workforce_source" .}}
  AND month = (SELECT max(month) FROM {{template "workforce_source" .}} AND month <= toDate(@to))
