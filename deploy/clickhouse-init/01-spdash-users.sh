#!/bin/bash
# Runs once, when the ClickHouse volume is new (the image's
# /docker-entrypoint-initdb.d): the database and spdash's two users.
#   spdash_writer     the ETL and migrations: everything on spdash.*
#   spdash_dashboard  the dashboard: reads spdash.*, and may only add rows to
#                     spdash.audit (grants may name tables not yet created).
set -euo pipefail
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE DATABASE IF NOT EXISTS spdash;
CREATE USER IF NOT EXISTS spdash_writer IDENTIFIED WITH sha256_password BY '${SPDASH_WRITER_PASSWORD}';
GRANT ALL ON spdash.* TO spdash_writer;
CREATE USER IF NOT EXISTS spdash_dashboard IDENTIFIED WITH sha256_password BY '${SPDASH_DASHBOARD_PASSWORD}';
GRANT SELECT ON spdash.* TO spdash_dashboard;
GRANT INSERT ON spdash.audit TO spdash_dashboard;
SQL
