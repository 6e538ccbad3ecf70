-- The rows of the default period's builds as packs (issue 15): for a build
-- of the period's figures per PCN (migration 011), its rows as
-- period_current_read.sql gives them, as one string (level and code
-- empty); for a build of its months (migration 009), each area's rows as
-- months_current_read.sql gives them, a string per level and area code.
-- A page reads a build's packs in place of its rows: ClickHouse 18.16's
-- cost of a read is per column, and a pack is one (queries/pack.go has
-- the layout). They are written once the build is built, in one insert
-- (one part: all of a build's or none); a build without packs (made before
-- this migration, or not yet packed) is read from its rows. Cleanup deletes
-- them with their build. A granule is one pack: a read of a build's packs
-- reads no other build's (a period's pack is about 600 KB; with 16 to a
-- granule a read of one took twice the server CPU, 5.0 ms against 2.5).

CREATE TABLE IF NOT EXISTS current_packs (
    build UInt64,
    level String,
    code String,
    body String
) ENGINE = MergeTree() ORDER BY (build, level, code) SETTINGS index_granularity = 1;
