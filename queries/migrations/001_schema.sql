-- Storage and the analyst-facing views of DATA_CONTRACT.md.
--
-- Every row a load writes goes into <kind>_rows tagged with the load's load_seq
-- (and the CSV line it came from). A load becomes visible only when load_log
-- holds its final 'loaded' or 'partial' event, a single-row insert: that is what
-- makes each file atomic. The views named after the kinds keep, per natural key,
-- the row of the newest committed load (areas: the whole newest committed load).
-- Plain MergeTree, not ReplacingMergeTree: a background merge must never drop a
-- committed row in favour of one from an uncommitted load.

CREATE TABLE IF NOT EXISTS load_log (
    load_id String,
    seq UInt64,
    event_no UInt8,
    file_name String,
    file_path String,
    sha256 String,
    kind Enum8('areas' = 1, 'activity' = 2, 'training' = 3, 'outcomes' = 4, 'funding' = 5),
    rows_read UInt64,
    rows_loaded UInt64,
    rows_rejected UInt64,
    status Enum8('running' = 1, 'loaded' = 2, 'partial' = 3, 'failed' = 4),
    message String,
    started_at DateTime,
    finished_at Nullable(DateTime)
) ENGINE = MergeTree() ORDER BY (seq, load_id, event_no);

CREATE VIEW IF NOT EXISTS loads AS
SELECT load_id, seq, file_name, file_path, sha256, kind, rows_read, rows_loaded, rows_rejected,
       status, message, started_at, finished_at
FROM load_log
WHERE (load_id, event_no) IN (SELECT load_id, max(event_no) FROM load_log GROUP BY load_id);

CREATE TABLE IF NOT EXISTS reject_rows (
    load_id String,
    line UInt32,
    `column` String,
    value String,
    reason String
) ENGINE = MergeTree() ORDER BY (load_id, line);

CREATE VIEW IF NOT EXISTS rejects AS
SELECT load_id, line, `column`, value, reason
FROM reject_rows
WHERE load_id IN (SELECT load_id FROM load_log WHERE status = 'partial');

CREATE TABLE IF NOT EXISTS areas_rows (
    load_seq UInt64,
    line UInt32,
    area_code String,
    area_name String,
    icb_code String,
    icb_name String,
    region_code String,
    region_name String,
    population UInt32,
    working_age_population UInt32,
    imd_score Nullable(Float64),
    long_term_sick_rate Nullable(Float64)
) ENGINE = MergeTree() ORDER BY (load_seq, region_code, icb_code, area_code);

CREATE VIEW IF NOT EXISTS areas AS
SELECT area_code, area_name, icb_code, icb_name, region_code, region_name,
       population, working_age_population, imd_score, long_term_sick_rate
FROM areas_rows
WHERE load_seq = (SELECT max(seq) FROM load_log WHERE kind = 'areas' AND status IN ('loaded', 'partial'));

CREATE TABLE IF NOT EXISTS activity_rows (
    load_seq UInt64,
    line UInt32,
    month Date,
    area_code String,
    provider_code String,
    referrals_received UInt32,
    referrals_accepted UInt32,
    people_supported UInt32,
    active_caseload UInt32,
    link_worker_headcount UInt32,
    link_worker_fte Float64,
    median_wait_days Nullable(Float64)
) ENGINE = MergeTree() PARTITION BY toYear(month) ORDER BY (area_code, month, provider_code, load_seq);

CREATE VIEW IF NOT EXISTS activity AS
SELECT month, area_code, provider_code, referrals_received, referrals_accepted, people_supported,
       active_caseload, link_worker_headcount, link_worker_fte, median_wait_days
FROM activity_rows
WHERE (area_code, month, provider_code, load_seq) IN (
    SELECT area_code, month, provider_code, max(load_seq)
    FROM activity_rows
    WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'activity' AND status IN ('loaded', 'partial'))
    GROUP BY area_code, month, provider_code);

CREATE TABLE IF NOT EXISTS training_rows (
    load_seq UInt64,
    line UInt32,
    month Date,
    area_code String,
    provider_code String,
    module Enum8('employment_support' = 1, 'benefits_and_debt' = 2, 'health_and_work_conversations' = 3,
                 'ips_awareness' = 4, 'mental_health_awareness' = 5, 'personalised_care_core' = 6),
    staff_in_post UInt32,
    staff_trained UInt32
) ENGINE = MergeTree() PARTITION BY toYear(month) ORDER BY (area_code, month, provider_code, module, load_seq);

CREATE VIEW IF NOT EXISTS training AS
SELECT month, area_code, provider_code, module, staff_in_post, staff_trained
FROM training_rows
WHERE (area_code, month, provider_code, module, load_seq) IN (
    SELECT area_code, month, provider_code, module, max(load_seq)
    FROM training_rows
    WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'training' AND status IN ('loaded', 'partial'))
    GROUP BY area_code, month, provider_code, module);

CREATE TABLE IF NOT EXISTS outcomes_rows (
    load_seq UInt64,
    line UInt32,
    month Date,
    area_code String,
    provider_code String,
    outcome Enum8('entered_employment' = 1, 'retained_employment' = 2, 'started_job_search' = 3,
                  'entered_education_training' = 4, 'entered_volunteering' = 5,
                  'improved_work_readiness' = 6, 'improved_wellbeing' = 7),
    people UInt32,
    cohort UInt32
) ENGINE = MergeTree() PARTITION BY toYear(month) ORDER BY (area_code, month, provider_code, outcome, load_seq);

CREATE VIEW IF NOT EXISTS outcomes AS
SELECT month, area_code, provider_code, outcome, people, cohort
FROM outcomes_rows
WHERE (area_code, month, provider_code, outcome, load_seq) IN (
    SELECT area_code, month, provider_code, outcome, max(load_seq)
    FROM outcomes_rows
    WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'outcomes' AND status IN ('loaded', 'partial'))
    GROUP BY area_code, month, provider_code, outcome);

CREATE TABLE IF NOT EXISTS funding_rows (
    load_seq UInt64,
    line UInt32,
    financial_year String,
    area_code String,
    stream Enum8('arrs' = 1, 'icb' = 2, 'local_authority' = 3, 'charity' = 4, 'other' = 5),
    amount_gbp Decimal(18, 2)
) ENGINE = MergeTree() ORDER BY (area_code, financial_year, stream, load_seq);

CREATE VIEW IF NOT EXISTS funding AS
SELECT financial_year, area_code, stream, amount_gbp
FROM funding_rows
WHERE (area_code, financial_year, stream, load_seq) IN (
    SELECT area_code, financial_year, stream, max(load_seq)
    FROM funding_rows
    WHERE load_seq IN (SELECT seq FROM load_log WHERE kind = 'funding' AND status IN ('loaded', 'partial'))
    GROUP BY area_code, financial_year, stream);
