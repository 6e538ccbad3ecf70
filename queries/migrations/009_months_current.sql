-- The default period's months per region and per ICB (and, since the
-- eleventh session's builds, per PCN: queries.monthsLevels), built when a
-- load commits (issue 15): what pcn_monthly.sql gives at those levels for
-- the default period (queries.DefaultPeriod), one row per area and month
-- with data, in that statement's columns and order. A page of the default
-- period reads its areas' months, or a PCN its own, from these rows in
-- place of that statement (queries/period.go).
--
-- A build is named in current_builds as kind 'months' with, as its snap, a
-- hash of the data's stamp (its version and number of commits: which loads
-- are committed, areas included) and of the period's months. It is written
-- as the other builds are: 'started', the rows, then 'built'. Cleanup
-- deletes the ones no longer read (etl cleanup).

CREATE TABLE IF NOT EXISTS months_current (
    build UInt64,
    level String,
    code String,
    month Date,
    referrals UInt64,
    accepted UInt64,
    supported UInt64,
    fte Float64,
    caseload UInt64,
    in_post_1 UInt64,
    trained_1 UInt64,
    in_post_2 UInt64,
    trained_2 UInt64,
    in_post_3 UInt64,
    trained_3 UInt64,
    in_post_4 UInt64,
    trained_4 UInt64,
    in_post_5 UInt64,
    trained_5 UInt64,
    in_post_6 UInt64,
    trained_6 UInt64,
    people_1 UInt64,
    cohort_1 UInt64,
    people_2 UInt64,
    cohort_2 UInt64,
    people_3 UInt64,
    cohort_3 UInt64,
    people_4 UInt64,
    cohort_4 UInt64,
    people_5 UInt64,
    cohort_5 UInt64,
    people_6 UInt64,
    cohort_6 UInt64,
    people_7 UInt64,
    cohort_7 UInt64
) ENGINE = MergeTree() ORDER BY (build, level, code, month);
