-- The data's range, built when a load commits (issue 15): what
-- data_range.sql gives (the first and last month with data, the number of
-- areas and the financial years with funding), one row per build. Every
-- page reads the range to choose its default period; the data version's
-- statement (data_as_of.sql) returns the built one beside the version, so
-- a page starts its figures one statement sooner.
--
-- A build is named in current_builds as kind 'range' with, as its snap,
-- the snapshot of the loads the range is a function of: those committed
-- of activity, the census, appointments, areas and funding (the sum of
-- intHash64(seq) over them, as a kind's state is named, migration 007), so
-- that the version's statement names it in SQL; the row holds its name too,
-- so that that statement reads the built rows with no join and Go picks the
-- one named. It is written as the other builds are: 'started', the row,
-- then 'built'. Cleanup deletes the ones no longer read (etl cleanup).

CREATE TABLE IF NOT EXISTS range_current (
    build UInt64,
    snap UInt64,
    first_month Date,
    last_month Date,
    areas UInt64,
    years String
) ENGINE = MergeTree() ORDER BY build;
