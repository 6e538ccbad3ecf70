package dashboard_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"spdash/dashboard"
	"spdash/etl/sample"
	"spdash/queries"
)

// A cold page reads the areas once: the places to choose and every answer's
// areas, levels, funding and providers come from one read (areas_as_of.sql),
// handed from the selection to the answers with the request's data version.
// The server's query log is shared with other tests, so the statements are
// told apart by this database's data version, which each binds.
func TestAColdPageReadsTheAreasOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := freshSample(t, sample.Options{Seed: 8, Scale: sample.Demo, Months: 15, End: "2025-06"})
	asOf, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/capacity", "/outcomes?level=pcn", "/api/v1/metrics?level=icb", "/targeting?level=icb"} {
		if n := coldStatements(t, db, asOf, path)["areas_as_of.sql"]; n != 1 {
			t.Errorf("%s read the areas %d times; want once", path, n)
		}
	}
}

// coldStatements answers path from a new dashboard (nothing kept: a cold
// page) and counts the statements it ran, by file, from the server's query
// log. The log is shared with other tests, so the statements are told apart
// by this database's data version, its build of the current activity rows
// or its default period's name, one of which each statement of the figures
// binds.
func coldStatements(t *testing.T, db *queries.DB, asOf queries.DataAsOf, path string) map[string]uint64 {
	t.Helper()
	ctx := context.Background()
	count := func() map[string]uint64 {
		t.Helper()
		if err := db.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
			t.Fatal(err)
		}
		// The default period's build is named by a hash of its own (this
		// database's builds of it: any one's name), and read by its
		// number (any of this database's builds of the default period).
		var period uint64
		if err := db.QueryRow(ctx, "SELECT max(snap) FROM current_builds WHERE kind = 'period'").Scan(&period); err != nil {
			t.Fatal(err)
		}
		var builds []uint64
		if err := db.QueryRow(ctx, "SELECT groupUniqArray(build) FROM current_builds WHERE kind IN ('period', 'months')").Scan(&builds); err != nil {
			t.Fatal(err)
		}
		byBuild := ""
		for _, b := range builds {
			byBuild += fmt.Sprintf(" OR query LIKE '%%build = %d%%'", b)
		}
		// The areas are read by their load, or as the newest (binding
		// nothing, beside the version: no other test runs meanwhile).
		q := fmt.Sprintf("SELECT concat(extract(query, '^-- spdash:sql/([a-z_]+[.]sql)'), if(query LIKE '-- spdash:sql/packs_read.sql%%' AND query LIKE '%%level = \\'\\'%%', ' (figures)', '')) AS file, count() FROM system.query_log WHERE type = 2 AND query LIKE '-- spdash:sql/%%' AND (query LIKE '%%%d%%' OR query LIKE '%%%d%%' OR (%d != 0 AND query LIKE '%%%d%%') OR query LIKE '%%load_seq = %d%%' OR (query LIKE '-- spdash:sql/areas_as_of.sql%%' AND query LIKE '%%load_seq = (SELECT%%' AND query NOT LIKE '%%seq <=%%')%s) GROUP BY file",
			asOf.Version, asOf.Current.Activity, period, period, asOf.AreasLoad(), byBuild)
		rows, err := db.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := map[string]uint64{}
		for rows.Next() {
			var file string
			var c uint64
			if err := rows.Scan(&file, &c); err != nil {
				t.Fatal(err)
			}
			n[file] = c
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A statement's entry reaches the log's queue as the server finishes
	// it, which may be just after the client has its rows: count again
	// until two counts 200 ms apart agree (once, under a full CI run, a
	// statement of the page was not yet logged).
	settled := func() map[string]uint64 {
		t.Helper()
		n := count()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			time.Sleep(200 * time.Millisecond)
			again := count()
			if maps.Equal(again, n) {
				break
			}
			n = again
		}
		return n
	}
	before := settled()
	h := dashboard.New(dashboard.Options{DB: db, Log: quiet})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d", path, rec.Code)
	}
	ran := settled()
	for file := range ran {
		ran[file] -= before[file]
	}
	return ran
}

// An area profile shows five answers over one period (the area's, its
// ICB's, its region's, England's and its peers'): they are read side by
// side and share each read of the period's sums per PCN and of the year's
// funding, where each answer read its own before (five and eight). The
// reads are shared while under way, so one that starts after another has
// finished reads again: two are allowed. The default period's sums are
// read from their build, made when the load committed.
func TestAColdProfileSharesThePeriodsReads(t *testing.T) {
	ctx := context.Background()
	db, _ := freshSample(t, sample.Options{Seed: 9, Scale: sample.Demo, Months: 15, End: "2025-06"})
	asOf, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	areas, err := db.AreasAt(ctx, asOf)
	if err != nil {
		t.Fatal(err)
	}
	geo := areas.Geography()
	pcn := geo.PCNs[0].Code
	ran := coldStatements(t, db, asOf, "/areas/"+pcn)
	t.Logf("/areas/%s ran %v", pcn, ran)
	// The period's figures (sums, census, appointments, funding) are the
	// default period's: read from their build's pack (packs_read.sql at
	// level '', migration 014), made after the loads, not computed nor read
	// as rows; the data's range comes with the version.
	for _, file := range []string{"pcn_period.sql", "data_range.sql"} {
		if n := ran[file]; n != 0 {
			t.Errorf("/areas/%s ran %s %d times; want none (read from its build)", pcn, file, n)
		}
	}
	for _, file := range []string{"period_current_read.sql", "months_current_read.sql"} {
		if n := ran[file]; n != 0 {
			t.Errorf("/areas/%s ran %s %d times; want none (its build's packs are read)", pcn, file, n)
		}
	}
	if n := ran["packs_read.sql (figures)"]; n < 1 || n > 2 {
		t.Errorf("/areas/%s read the period's figures' pack %d times; want once or twice", pcn, n)
	}
}
