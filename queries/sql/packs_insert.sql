-- The packs of a default-period build (migration 014), in one insert.
INSERT INTO current_packs (build, level, code, body)
