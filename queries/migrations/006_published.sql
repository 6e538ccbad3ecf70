-- The two published NHS files of contract v1.1 (DATA_CONTRACT.md, "Published
-- NHS files"): the PCN workforce census and GP appointments in the national
-- category "Social Prescribing Service". Their loads go through load_log as
-- the returns' do (kinds pcn_workforce and gpad), with the same commit and
-- the same superseded_rows: a row is current when its load is committed and
-- no committed load supersedes it. The natural key of both is (month,
-- area_code): a later load holding a month replaces that month for the PCNs
-- it holds. `line` is the row's number within its load (a zip may hold
-- several CSVs, and appointments are summed over practices), unique within
-- the load as superseded_rows needs.

ALTER TABLE load_log MODIFY COLUMN kind Enum8('areas' = 1, 'activity' = 2, 'training' = 3, 'outcomes' = 4,
    'funding' = 5, 'pcn_workforce' = 6, 'gpad' = 7);

-- A view keeps the column types it was created with: loads again, as 001
-- made it, so that its kind has the new values.
DROP TABLE IF EXISTS loads;

CREATE VIEW loads AS
SELECT load_id, seq, file_name, file_path, sha256, kind, rows_read, rows_loaded, rows_rejected,
       status, message, started_at, finished_at
FROM load_log
WHERE (load_id, event_no) IN (SELECT load_id, max(event_no) FROM load_log GROUP BY load_id);

-- One row per kept line of the census: social prescribing link workers, the
-- general role or the mental-health one, as staff (with the publication's
-- identifier, reassigned every month) or as contracted services (no
-- identifier, no headcount). A PCN that is in the census month but has no
-- link worker has one row of role 'none' and fte 0: its zero is known, and a
-- later publication of the month replaces it like any other.
CREATE TABLE IF NOT EXISTS workforce_published_rows (
    load_seq UInt64,
    line UInt32,
    month Date,
    area_code String,
    role Enum8('general' = 1, 'mental_health' = 2, 'none' = 3),
    data_source String,
    unique_identifier String,
    fte Float64
) ENGINE = MergeTree() PARTITION BY toYear(month) ORDER BY (area_code, month, load_seq, line);

CREATE VIEW IF NOT EXISTS workforce_published AS
SELECT month, area_code, role, data_source, unique_identifier, fte
FROM workforce_published_rows
WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'pcn_workforce' AND status IN ('loaded', 'partial'))
  AND (load_seq, line) NOT IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = 'pcn_workforce' AND status IN ('loaded', 'partial')));

-- Appointments of the category "Social Prescribing Service" per PCN, month
-- and status, summed over the PCN's practices: every PCN of the loaded areas
-- that the file holds for the month has its three statuses (0 where none).
CREATE TABLE IF NOT EXISTS appointments_published_rows (
    load_seq UInt64,
    line UInt32,
    month Date,
    area_code String,
    status Enum8('attended' = 1, 'dna' = 2, 'unknown' = 3),
    appointments UInt32
) ENGINE = MergeTree() PARTITION BY toYear(month) ORDER BY (area_code, month, status, load_seq);

CREATE VIEW IF NOT EXISTS appointments_published AS
SELECT month, area_code, status, appointments
FROM appointments_published_rows
WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'gpad' AND status IN ('loaded', 'partial'))
  AND (load_seq, line) NOT IN (
    SELECT load_seq, line FROM superseded_rows
    WHERE by_seq IN (SELECT seq FROM load_log WHERE kind = 'gpad' AND status IN ('loaded', 'partial')));
