// Package enginecheck holds the dual-engine test: every statement spdash runs
// on its ClickHouse 18.16 test server is replayed on ClickHouse 26.7 (chDB,
// in-process) against a copy of the same rows, and the two engines must agree
// on column names, the Go types clickhouse-go scans into, row counts and
// values. See docs/CLICKHOUSE.md.
//
// The package has tests only. chDB's Go binding loads libchdb.so when the test
// binary starts, so CHDB_LIB_PATH must name it: .ci/run sets it from
// scripts/install-deps --chdb-lib.
package enginecheck
