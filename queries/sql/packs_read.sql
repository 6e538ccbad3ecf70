-- The packs of build @build (migration 014) at @level, in place of its
-- rows: the period's figures per PCN (level and code empty), or the
-- months of the areas at @level in the place, chosen as
-- months_current_read.sql chooses them. No row: the build has no packs
-- (made before the migration), and its rows are read.
SELECT body
FROM current_packs
WHERE build = @build
  AND level = @level
{{- template "code_in_place" .}}
