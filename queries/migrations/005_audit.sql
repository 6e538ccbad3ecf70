-- Who did what, when (issue 16): every load, sign-in (and failed or refused
-- sign-in), sign-out, download and answer given with disclosure control
-- off. Written by the ETL and the dashboard; analysts query it as it is.
-- request_id is the dashboard's X-Request-Id (the same id is in its log
-- lines); a load's is its load_id. Kept, never updated.
CREATE TABLE IF NOT EXISTS audit (
    at DateTime,
    actor String,
    role String,
    action String,
    object String,
    outcome String,
    detail String,
    client String,
    request_id String
) ENGINE = MergeTree() PARTITION BY toYYYYMM(at) ORDER BY (at, action);
