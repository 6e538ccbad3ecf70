-- The current state, cheap to read (issue 15): the current rows of each
-- summed fact kind (activity, training, outcomes) per month and PCN, one row
-- each, built once for each state of the kind's committed loads. Every figure
-- of theirs is computed from these rows (queries/pcn_month.go): one read per
-- answer, in place of a statement per kind, level and purpose over the
-- storage tables and their superseded pairs.
--
-- A kind's state is named by its snapshot: the sum, wrapping at 2^64, of
-- intHash64(seq) over the kind's loads committed by the data version (no
-- row: none committed). Loads only ever go from running to committed, so
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
    kind String,
    snap UInt64,
    build UInt64,
    event Enum8('started' = 1, 'built' = 2),
    at DateTime
) ENGINE = MergeTree() ORDER BY (kind, snap, build, event);

-- activity: per month and PCN, the provider rows (returns), flows and stocks
-- summed over providers, the providers' known median waits and the
-- providers themselves (the completeness of returns), both sorted.
CREATE TABLE IF NOT EXISTS activity_current (
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
    providers Array(String)
) ENGINE = MergeTree() ORDER BY (build, month, area_code);

-- training and outcomes: summed over providers, a column per module or
-- outcome, numbered by their Enum8 values (0 where none was returned: the
-- figures read no row as 0).
CREATE TABLE IF NOT EXISTS training_current (
    build UInt64,
    month Date,
    area_code String,
    in_post_1 UInt64,
    in_post_2 UInt64,
    in_post_3 UInt64,
    in_post_4 UInt64,
    in_post_5 UInt64,
    in_post_6 UInt64,
    trained_1 UInt64,
    trained_2 UInt64,
    trained_3 UInt64,
    trained_4 UInt64,
    trained_5 UInt64,
    trained_6 UInt64
) ENGINE = MergeTree() ORDER BY (build, month, area_code);

CREATE TABLE IF NOT EXISTS outcomes_current (
    build UInt64,
    month Date,
    area_code String,
    people_1 UInt64,
    people_2 UInt64,
    people_3 UInt64,
    people_4 UInt64,
    people_5 UInt64,
    people_6 UInt64,
    people_7 UInt64,
    cohort_1 UInt64,
    cohort_2 UInt64,
    cohort_3 UInt64,
    cohort_4 UInt64,
    cohort_5 UInt64,
    cohort_6 UInt64,
    cohort_7 UInt64
) ENGINE = MergeTree() ORDER BY (build, month, area_code);

-- The published files' current rows per month and PCN. The census: FTE,
-- its mental-health part, and the NWRS Staff identifiers (sorted,
-- space-separated: an area's headcount counts each person once, so it is
-- the size of the union of its PCNs' identifiers, not a sum). Appointments:
-- by status.
CREATE TABLE IF NOT EXISTS pcn_workforce_current (
    build UInt64,
    month Date,
    area_code String,
    census_fte Float64,
    census_fte_mental_health Float64,
    staff String
) ENGINE = MergeTree() ORDER BY (build, month, area_code);

CREATE TABLE IF NOT EXISTS gpad_current (
    build UInt64,
    month Date,
    area_code String,
    attended UInt64,
    dna UInt64,
    unknown UInt64
) ENGINE = MergeTree() ORDER BY (build, month, area_code);
