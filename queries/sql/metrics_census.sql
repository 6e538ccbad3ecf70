-- The census figures (METRICS.md, "Published workforce and appointments") of
-- each area at the chosen level, at the census month: the latest month with
-- current census rows at or before the period's last month (the census may
-- lag the returns). Joined to the level before it is summed, so that
-- headcount counts each person (identifier of an NWRS Staff row) once in
-- the whole area, never a sum of PCN headcounts. An area with no census row
-- that month has no row here: its census figures are unknown. The census
-- month is read from the committed rows without the superseded pairs: a row
-- is only superseded by one of the same month (the natural key is month and
-- PCN), so the months are the same.
SELECT
    code,
    any(month) AS census_month,
    sum(fte) AS census_fte,
    sumIf(fte, role = 'mental_health') AS census_fte_mental_health,
    uniqExactIf(unique_identifier, data_source = 'NWRS Staff' AND unique_identifier != '') AS census_headcount
FROM (
    SELECT area_code, month, role, data_source, unique_identifier, fte
    FROM workforce_published_rows
    WHERE {{template "current" "pcn_workforce"}}
      AND month = (SELECT max(month) FROM workforce_published_rows
                   WHERE {{template "committed" "pcn_workforce"}} AND month <= toDate(@to))
      {{if .Where}}AND {{template "in_place" .}}{{end}}
) AS census_rows
{{template "to_level" .}}
GROUP BY code
