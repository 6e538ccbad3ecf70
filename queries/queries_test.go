package queries_test

import (
	"context"
	"errors"
	"testing"

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
