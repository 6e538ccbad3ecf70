-- The current state, cheap to read (issue 15): the current rows of the
-- summed fact kinds (activity, training, outcomes) per month and PCN, one wide
-- row each, built once for each state of those kinds' committed loads. Every
-- figure of theirs is computed from these rows (queries/pcn_month.go): one
-- read per answer, in place of a statement per kind, level and purpose over
-- the storage tables and their superseded pairs.
--
-- A state is named by its snapshot: the sum, wrapping at 2^64, of
-- intHash64(seq) over the three kinds' loads committed by the data version
-- (no row: none committed). Loads only ever go from running to committed, so
-- a reader at version V computes the snapshot of what it may see, and a build
-- of the same snapshot holds exactly those rows, whoever built it and when. A
-- build is written as: a 'started' event, its rows under a random build
-- number, then a 'built' event (one row: the build becomes visible at once).
-- Readers take the smallest built build of their snapshot; two processes
-- building the same snapshot at once make two equal copies, and one is read.
-- A snapshot with no build yet is built by whoever needs it first and may
-- write: the loader right after its commits, spdash migrate, or a reader
-- (queries/current.go); a read-only reader computes the same rows from the
-- storage tables meanwhile. Cleanup deletes builds of states no longer
-- current, an hour after the current state's build (etl cleanup).

CREATE TABLE IF NOT EXISTS current_builds (
    snap UInt64,
    build UInt64,
    event Enum8('started' = 1, 'built' = 2),
    at DateTime
) ENGINE = MergeTree() ORDER BY (snap, build, event);

-- One row per month and PCN with any current activity, training or outcomes
-- row. Activity: its provider rows (returns), flows and stocks summed over
-- providers, the providers' known median waits and the providers themselves
-- (completeness of returns). Training and outcomes: summed over providers,
-- one array element per module or outcome in the order of their Enum8
-- values (zeros where none was returned: the figures read no row as 0).
CREATE TABLE IF NOT EXISTS pcn_month_current (
    build UInt64,
    month Date,
    area_code String,
    returns UInt64,
    referrals UInt64,
    accepted UInt64,
    supported UInt64,
    caseload UInt64,
    headcount UInt64,
    fte Float64,
    waits Array(Float64),
    providers Array(String),
    in_post Array(UInt64),
    trained Array(UInt64),
    people Array(UInt64),
    cohort Array(UInt64)
) ENGINE = MergeTree() ORDER BY (build, month, area_code);
