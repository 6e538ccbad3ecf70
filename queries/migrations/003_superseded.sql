-- The current rows without resolving every load's versions in every query.
--
-- A row of a committed load is current unless a newer committed load has a row
-- with the same natural key. superseded_rows records exactly those pairs: the
-- older row (its load_seq and CSV line, unique within a load) and the load
-- that replaces it (by_seq), once for every newer load with the key. The
-- loader writes them just before its commit (etl, queries.Supersede), so they
-- take effect with the commit and never before: a reader at data version V
-- keeps the rows of loads committed by V and drops the rows superseded by a
-- load committed by V. That is a filtered read of two integer columns, where
-- 002's views grouped every key (argMax) on every read; same rows. load_seq is
-- unique across kinds, so one table serves them all.

CREATE TABLE IF NOT EXISTS superseded_rows (
    load_seq UInt64,
    line UInt32,
    by_seq UInt64
) ENGINE = MergeTree() ORDER BY (by_seq, load_seq, line);

-- activity: the rows loaded before this migration, every older row against every
-- newer load of its key (failed loads never count; one ARRAY JOIN per query
-- on 18.16).
INSERT INTO superseded_rows (load_seq, line, by_seq)
SELECT tupleElement(older, 1), tupleElement(older, 2), newer
FROM (
    SELECT seqs, older
    FROM (
        SELECT groupArray((load_seq, line)) AS versions, arrayMap(v -> tupleElement(v, 1), versions) AS seqs
        FROM activity_rows
        WHERE load_seq NOT IN (SELECT seq FROM load_log WHERE kind = 'activity' AND status = 'failed')
        GROUP BY month, area_code, provider_code
        HAVING count() > 1
    ) AS repeated
    ARRAY JOIN versions AS older
) AS pairs
ARRAY JOIN arrayFilter(s -> s > tupleElement(older, 1), seqs) AS newer;

DROP TABLE IF EXISTS activity;

CREATE VIEW activity AS
SELECT month, area_code, provider_code, referrals_received, referrals_accepted, people_supported,
       active_caseload, link_worker_headcount, link_worker_fte, median_wait_days
FROM activity_rows
WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'activity' AND status IN ('loaded', 'partial'))
  AND (load_seq, line) NOT IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = 'activity' AND status IN ('loaded', 'partial')));

-- training: the rows loaded before this migration, every older row against every
-- newer load of its key (failed loads never count; one ARRAY JOIN per query
-- on 18.16).
INSERT INTO superseded_rows (load_seq, line, by_seq)
SELECT tupleElement(older, 1), tupleElement(older, 2), newer
FROM (
    SELECT seqs, older
    FROM (
        SELECT groupArray((load_seq, line)) AS versions, arrayMap(v -> tupleElement(v, 1), versions) AS seqs
        FROM training_rows
        WHERE load_seq NOT IN (SELECT seq FROM load_log WHERE kind = 'training' AND status = 'failed')
        GROUP BY month, area_code, provider_code, module
        HAVING count() > 1
    ) AS repeated
    ARRAY JOIN versions AS older
) AS pairs
ARRAY JOIN arrayFilter(s -> s > tupleElement(older, 1), seqs) AS newer;

DROP TABLE IF EXISTS training;

CREATE VIEW training AS
SELECT month, area_code, provider_code, module, staff_in_post, staff_trained
FROM training_rows
WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'training' AND status IN ('loaded', 'partial'))
  AND (load_seq, line) NOT IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = 'training' AND status IN ('loaded', 'partial')));

-- outcomes: the rows loaded before this migration, every older row against every
-- newer load of its key (failed loads never count; one ARRAY JOIN per query
-- on 18.16).
INSERT INTO superseded_rows (load_seq, line, by_seq)
SELECT tupleElement(older, 1), tupleElement(older, 2), newer
FROM (
    SELECT seqs, older
    FROM (
        SELECT groupArray((load_seq, line)) AS versions, arrayMap(v -> tupleElement(v, 1), versions) AS seqs
        FROM outcomes_rows
        WHERE load_seq NOT IN (SELECT seq FROM load_log WHERE kind = 'outcomes' AND status = 'failed')
        GROUP BY month, area_code, provider_code, outcome
        HAVING count() > 1
    ) AS repeated
    ARRAY JOIN versions AS older
) AS pairs
ARRAY JOIN arrayFilter(s -> s > tupleElement(older, 1), seqs) AS newer;

DROP TABLE IF EXISTS outcomes;

CREATE VIEW outcomes AS
SELECT month, area_code, provider_code, outcome, people, cohort
FROM outcomes_rows
WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'outcomes' AND status IN ('loaded', 'partial'))
  AND (load_seq, line) NOT IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = 'outcomes' AND status IN ('loaded', 'partial')));

-- funding: the rows loaded before this migration, every older row against every
-- newer load of its key (failed loads never count; one ARRAY JOIN per query
-- on 18.16).
INSERT INTO superseded_rows (load_seq, line, by_seq)
SELECT tupleElement(older, 1), tupleElement(older, 2), newer
FROM (
    SELECT seqs, older
    FROM (
        SELECT groupArray((load_seq, line)) AS versions, arrayMap(v -> tupleElement(v, 1), versions) AS seqs
        FROM funding_rows
        WHERE load_seq NOT IN (SELECT seq FROM load_log WHERE kind = 'funding' AND status = 'failed')
        GROUP BY financial_year, area_code, stream
        HAVING count() > 1
    ) AS repeated
    ARRAY JOIN versions AS older
) AS pairs
ARRAY JOIN arrayFilter(s -> s > tupleElement(older, 1), seqs) AS newer;

DROP TABLE IF EXISTS funding;

CREATE VIEW funding AS
SELECT financial_year, area_code, stream, amount_gbp
FROM funding_rows
WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'funding' AND status IN ('loaded', 'partial'))
  AND (load_seq, line) NOT IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = 'funding' AND status IN ('loaded', 'partial')));
