package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"spdash/dashboard"
	"spdash/etl/sample"
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
	reads := func() uint64 {
		t.Helper()
		if err := db.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
			t.Fatal(err)
		}
		var n uint64
		q := fmt.Sprintf("SELECT count() FROM system.query_log WHERE type = 2 AND query LIKE '-- spdash:sql/areas_as_of.sql%%' AND query LIKE '%%%d%%'", asOf.Version)
		if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, path := range []string{"/capacity", "/outcomes?level=pcn", "/api/v1/metrics?level=icb", "/targeting?level=icb"} {
		before := reads()
		h := dashboard.New(dashboard.Options{DB: db, Log: quiet}) // nothing kept: a cold page
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", path, rec.Code)
		}
		if n := reads() - before; n != 1 {
			t.Errorf("%s read the areas %d times; want once", path, n)
		}
	}
}
