-- The default period's months of the areas at @level in the place, from
-- their build (migration 009), in pcn_monthly.sql's columns and order:
-- build @months_build, the smallest built build of the months' name as the
-- data version's read found it (data_as_of.sql; with none, the reader runs
-- pcn_monthly.sql). With .One, the place's own (it is at @level); else with
-- .Where, only the areas at the level in the place, as of @version.
SELECT code, month, referrals, accepted, supported, fte, caseload
    {{- range .Modules}}, in_post_{{.}}, trained_{{.}}{{end}}
    {{- range .Outcomes}}, people_{{.}}, cohort_{{.}}{{end}}
FROM months_current
WHERE build = @months_build
  AND level = @level
{{- template "code_in_place" .}}
