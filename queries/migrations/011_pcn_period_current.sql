-- The default period's figures per PCN, built when a load commits (issue
-- 15): what pcn_period.sql gives for the period and financial year a page
-- shows when none is asked for (queries.DefaultPeriod: the latest 12 months
-- with data, the latest financial year with funding), one row per PCN, in
-- that statement's columns and order: the sums of activity, training and
-- outcomes, the census at the census month, the appointments over the
-- period and the funding for the year. A page with the default period
-- reads these rows in place of that statement (queries/period.go).
--
-- A build is named in current_builds as kind 'period' with, as its snap, a
-- hash of the states of every kind it is read from (activity, training,
-- outcomes, the census and appointments by their snaps; funding by the
-- range's, migration 010) and of the period's months: a reader at another
-- state or period never finds it. It is written as the current rows'
-- builds are: a 'started' event, the rows under a random build number,
-- then 'built'. Cleanup deletes the ones no longer read (etl cleanup). A
-- granule is 256 rows (a build is a row per PCN, 1,250 nationally, with
-- every PCN's census identifiers), so that a read of one build reads little
-- more than its own rows: 1,500 rows instead of 8,192 once stale builds
-- accumulate, 15% less server CPU.
--
-- It replaces migration 008's period_current, which held the sums alone
-- and is dropped (ClickHouse 18.16 cannot add a column only where it is
-- missing, so an ALTER that ran halfway could not run again). Its builds'
-- events name a layout no reader computes now (periodSnap): cleanup
-- forgets them. A dashboard of the previous release must not outlive the
-- migration (docs/DEPLOYMENT.md, "Upgrades": migrate, then start the new
-- dashboard).

DROP TABLE IF EXISTS period_current;

CREATE TABLE IF NOT EXISTS pcn_period_current (
    build UInt64,
    area_code String,
    has_sums UInt8,
    period_referrals UInt64,
    period_accepted UInt64,
    period_supported UInt64,
    latest_fte Float64,
    latest_headcount UInt64,
    latest_caseload UInt64,
    latest_returns UInt64,
    period_waits String,
    latest_in_post_1 UInt64,
    latest_trained_1 UInt64,
    latest_in_post_2 UInt64,
    latest_trained_2 UInt64,
    latest_in_post_3 UInt64,
    latest_trained_3 UInt64,
    latest_in_post_4 UInt64,
    latest_trained_4 UInt64,
    latest_in_post_5 UInt64,
    latest_trained_5 UInt64,
    latest_in_post_6 UInt64,
    latest_trained_6 UInt64,
    period_people_1 UInt64,
    period_cohort_1 UInt64,
    fy_people_1 UInt64,
    period_people_2 UInt64,
    period_cohort_2 UInt64,
    fy_people_2 UInt64,
    period_people_3 UInt64,
    period_cohort_3 UInt64,
    fy_people_3 UInt64,
    period_people_4 UInt64,
    period_cohort_4 UInt64,
    fy_people_4 UInt64,
    period_people_5 UInt64,
    period_cohort_5 UInt64,
    fy_people_5 UInt64,
    period_people_6 UInt64,
    period_cohort_6 UInt64,
    fy_people_6 UInt64,
    period_people_7 UInt64,
    period_cohort_7 UInt64,
    fy_people_7 UInt64,
    census_month Date,
    census_fte Float64,
    census_fte_mental_health Float64,
    staff String,
    period_attended UInt64,
    period_dna UInt64,
    period_unknown UInt64,
    appointment_months String,
    funding_1 Float64,
    funding_rows_1 UInt64,
    funding_2 Float64,
    funding_rows_2 UInt64,
    funding_3 Float64,
    funding_rows_3 UInt64,
    funding_4 Float64,
    funding_rows_4 UInt64,
    funding_5 Float64,
    funding_rows_5 UInt64
) ENGINE = MergeTree() ORDER BY (build, area_code) SETTINGS index_granularity = 256;
