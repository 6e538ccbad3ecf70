-- The analysts' views of activity, training, outcomes and funding read
-- their tables of current rows (migration 012), which Migrate built after
-- that migration (queries/migrate.go, beforeMigration), so that the views
-- never read a table not yet built. A row is marker = 0; the marker rows
-- name the state (migration 012).

DROP TABLE IF EXISTS activity;

CREATE VIEW activity AS
SELECT month, area_code, provider_code, referrals_received, referrals_accepted, people_supported,
       active_caseload, link_worker_headcount, link_worker_fte, median_wait_days
FROM activity_newest
WHERE marker = 0;

DROP TABLE IF EXISTS training;

CREATE VIEW training AS
SELECT month, area_code, provider_code, module, staff_in_post, staff_trained
FROM training_newest
WHERE marker = 0;

DROP TABLE IF EXISTS outcomes;

CREATE VIEW outcomes AS
SELECT month, area_code, provider_code, outcome, people, cohort
FROM outcomes_newest
WHERE marker = 0;

DROP TABLE IF EXISTS funding;

CREATE VIEW funding AS
SELECT financial_year, area_code, stream, amount_gbp
FROM funding_newest
WHERE marker = 0;
