package queries_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"spdash/queries"
	"spdash/queries/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestMigrateIsIdempotentAndRecorded(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t) // applies every migration once
	n, err := db.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second Migrate applied %d, err %v; want 0, nil", n, err)
	}
	ms, err := queries.Migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("Migrations() = %d, %v", len(ms), err)
	}
	var recorded uint64
	if err := db.QueryRow(ctx, "SELECT count() FROM schema_migrations").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if int(recorded) != len(ms) {
		t.Fatalf("schema_migrations holds %d rows, want %d", recorded, len(ms))
	}
	current, err := db.SchemaCurrent(ctx)
	if err != nil || !current {
		t.Fatalf("SchemaCurrent = %v, %v", current, err)
	}
}

// The analyst-facing names of DATA_CONTRACT.md exist with exactly the
// contract's columns, in order.
func TestAnalystViewsHaveContractColumns(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	want := map[string][]string{
		"areas":    {"area_code", "area_name", "icb_code", "icb_name", "region_code", "region_name", "population", "working_age_population", "imd_score", "long_term_sick_rate"},
		"activity": {"month", "area_code", "provider_code", "referrals_received", "referrals_accepted", "people_supported", "active_caseload", "link_worker_headcount", "link_worker_fte", "median_wait_days"},
		"training": {"month", "area_code", "provider_code", "module", "staff_in_post", "staff_trained"},
		"outcomes": {"month", "area_code", "provider_code", "outcome", "people", "cohort"},
		"funding":  {"financial_year", "area_code", "stream", "amount_gbp"},
		"rejects":  {"load_id", "line", "column", "value", "reason"},
	}
	for table, cols := range want {
		// system.columns has no position column on 18.16; DESCRIBE keeps the order.
		rows, err := db.Query(ctx, "DESCRIBE TABLE "+table)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n, typ, defKind, defExpr, comment string
			if err := rows.Scan(&n, &typ, &defKind, &defExpr, &comment); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		rows.Close()
		if len(got) != len(cols) {
			t.Errorf("%s columns = %v, want %v", table, got, cols)
			continue
		}
		for i := range cols {
			if got[i] != cols[i] {
				t.Errorf("%s columns = %v, want %v", table, got, cols)
				break
			}
		}
	}
}

func TestOpenUnreachable(t *testing.T) {
	_, err := queries.Open(context.Background(), "clickhouse://default@127.0.0.1:1/x?dial_timeout=1s", nil)
	if err == nil || !errors.Is(err, queries.ErrUnreachable) {
		t.Fatalf("Open on a closed port: %v, want ErrUnreachable", err)
	}
}

// A read-only user (readonly=2, the local server's spdash_reader) can open an
// existing database and compute the figures, with per-query limits; it cannot
// write or migrate.
func TestReadOnlyUser(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t) // migrated by the default user
	srv := testdb.Server(t)
	reader, err := queries.Open(ctx, "clickhouse://spdash_reader@"+srv.Addr()+"/"+db.Database(), nil)
	if err != nil {
		t.Fatalf("open as spdash_reader: %v", err)
	}
	defer reader.Close()
	if current, err := reader.SchemaCurrent(ctx); err != nil || !current {
		t.Fatalf("SchemaCurrent as reader: %v %v", current, err)
	}
	if _, err := reader.Places(ctx); err != nil { // runs with max_execution_time
		t.Fatalf("read as spdash_reader: %v", err)
	}
	if _, err := reader.Metrics(ctx, queries.Request{Selection: queries.Selection{From: mustMonthQ("2024-01"), To: mustMonthQ("2024-12"), Place: queries.England, Level: "region"}, Settings: queries.DefaultSettings}); err != nil {
		t.Fatalf("metrics as spdash_reader: %v", err)
	}
	err = reader.Exec(ctx, "CREATE TABLE x (a UInt8) ENGINE = Memory")
	if !queries.IsReadOnly(err) {
		t.Fatalf("CREATE as reader: %v, want a read-only refusal", err)
	}
	if _, err := reader.Migrate(ctx); !queries.IsReadOnly(err) {
		t.Fatalf("Migrate as reader: %v, want a read-only refusal", err)
	}
	if _, err := queries.Open(ctx, "clickhouse://spdash_reader@"+srv.Addr()+"/t_missing_db", nil); err == nil {
		t.Fatal("a read-only user created a database")
	}
}

func mustMonthQ(s string) time.Time {
	m, err := time.Parse("2006-01", s)
	if err != nil {
		panic(err)
	}
	return m
}

// Waiting too long for a pooled connection is "busy", not "unreachable".
func TestBusyIsNotUnreachable(t *testing.T) {
	err := queries.Classify(fmt.Errorf("metrics: %w", clickhouse.ErrAcquireConnTimeout))
	if !errors.Is(err, queries.ErrBusy) || errors.Is(err, queries.ErrUnreachable) {
		t.Errorf("acquire timeout classified as %v", err)
	}
}

// A load that started before another but commits after it changes the data
// without raising the version: the stamp (commits) still moves, so caches
// and ETags keyed by it do not serve the earlier answers.
func TestLateCommitMovesTheStamp(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	now := time.Now().UTC().Truncate(time.Second)
	commit := func(seq uint64) {
		t.Helper()
		l := queries.Load{ID: fmt.Sprintf("load-%d", seq), Seq: seq, FileName: "x.csv", Kind: "activity", Status: "loaded", StartedAt: now, FinishedAt: &now}
		if err := db.RecordLoad(ctx, l, 2); err != nil {
			t.Fatal(err)
		}
	}
	commit(200) // B, started second, commits first
	before, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	commit(100) // A, started first, commits later
	after, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version || after.Stamp() == before.Stamp() || after.Commits != before.Commits+1 {
		t.Errorf("before %+v (%s), after %+v (%s)", before, before.Stamp(), after, after.Stamp())
	}
}
