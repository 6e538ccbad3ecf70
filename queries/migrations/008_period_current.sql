-- The default period's sums per PCN, built when a load commits (issue 15):
-- what pcn_period.sql gives for the period and financial year a page shows
-- when none is asked for (queries.DefaultPeriod: the latest 12 months with
-- data, the latest financial year with funding), one row per PCN, in that
-- statement's columns and order. A page with the default period reads these
-- rows in place of that statement (queries/period.go).
--
-- A build is named in current_builds as kind 'period' with, as its snap, a
-- hash of the states of activity, training and outcomes it was summed from
-- (their snaps) and of the period's months: a reader at another state or
-- period never finds it. It is written as the current rows' builds are: a
-- 'started' event, the rows under a random build number, then 'built'.
-- Cleanup deletes the ones no longer read (etl cleanup).

CREATE TABLE IF NOT EXISTS period_current (
    build UInt64,
    area_code String,
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
    fy_people_7 UInt64
) ENGINE = MergeTree() ORDER BY (build, area_code);
