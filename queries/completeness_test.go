package queries_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spdash/etl/etltest"
	"spdash/queries"
	"spdash/queries/testdb"
)

// Completeness worked by hand: PCN U1 (North ICB) has providers A, B and C
// from January; C stops after March; D starts in May. U3 (South ICB) has one
// provider, E, that misses June only.
//
//	U1  expected (a row in any of the 3 months before)  received
//	Jan 0 (nothing before)                               –
//	Feb A B C (Jan)                                      3 of 3
//	Apr A B C                                            2 of 3
//	May A B C (C in Feb, Mar)                            2 of 3 (D is new: not counted)
//	Jun A B C (C in Mar) D (May)                         3 of 4
//	Jul A B D (C last in Mar)                            3 of 3
func TestCompletenessByHand(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	areas, err := os.ReadFile("../etl/testdata/unit/valid/areas.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "areas.csv"), areas, 0o644)
	var b strings.Builder
	b.WriteString("month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n")
	row := func(month, area, provider string) {
		fmt.Fprintf(&b, "2025-%s,%s,%s,10,8,6,20,1,1.0,\n", month, area, provider)
	}
	for _, m := range []string{"01", "02", "03", "04", "05", "06", "07"} {
		row(m, "U1", "A")
		row(m, "U1", "B")
		if m <= "03" {
			row(m, "U1", "C")
		}
		if m >= "05" {
			row(m, "U1", "D")
		}
		if m != "06" {
			row(m, "U3", "E")
		}
	}
	os.WriteFile(filepath.Join(dir, "activity.csv"), []byte(b.String()), 0o644)
	etltest.Load(t, db, dir)
	asOf, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	month := func(s string) queries.Selection {
		return queries.Selection{From: mustMonthQ("2025-01"), To: mustMonthQ("2025-07"), Place: queries.England, Level: s}
	}
	c, err := db.Completeness(ctx, queries.Request{Selection: month(queries.LevelPCN), Version: asOf.Version}, map[string]string{"U1": "North PCN"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range c.Areas {
		for _, r := range a.Months {
			got[a.Code+" "+r.MonthText] = fmt.Sprintf("%d/%d %s %v", r.Received, r.Expected, r.Completeness, r.Incomplete())
		}
	}
	for k, want := range map[string]string{
		"U1 2025-01": "0/0 unknown false", "U1 2025-02": "3/3 1 false", "U1 2025-04": "2/3 0.6666666666666666 true",
		"U1 2025-05": "2/3 0.6666666666666666 true", "U1 2025-06": "3/4 0.75 true", "U1 2025-07": "3/3 1 false",
		"U3 2025-05": "1/1 1 false", "U3 2025-06": "0/1 0 true", "U3 2025-07": "1/1 1 false",
	} {
		if got[k] != want {
			t.Errorf("%s: %s, want %s", k, got[k], want)
		}
	}
	if c.Areas[0].Name != "North PCN" {
		t.Errorf("name %q", c.Areas[0].Name)
	}
	// England's month is the sum: June 3 of 4 (U1) and 0 of 1 (U3).
	if r := c.Total[5]; r.MonthText != "2025-06" || r.Expected != 5 || r.Received != 3 {
		t.Errorf("England, June: %+v, want 3 of 5", r)
	}
	// By ICB inside a region: the same sums at the ICB.
	sel := month(queries.LevelICB)
	sel.Place = queries.Place{Code: "Y56", Name: "North", Level: queries.LevelRegion}
	byICB, err := db.Completeness(ctx, queries.Request{Selection: sel, Version: asOf.Version}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(byICB.Areas) != 1 || byICB.Areas[0].Code != "QWE" || byICB.Areas[0].Months[5].Expected != 4 {
		t.Errorf("North by ICB: %+v, want QWE alone with 4 expected in June", byICB.Areas)
	}
	kinds, err := db.KindsAsOf(ctx, asOf.Version)
	if err != nil || len(kinds) != 2 || kinds[0].Kind != "activity" || kinds[0].Finished.IsZero() {
		t.Errorf("kinds as of: %+v %v", kinds, err)
	}
}

// A period in another location than UTC (as the data's range is scanned)
// gives the same months.
func TestCompletenessPeriodInAnyLocation(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	areas, _ := os.ReadFile("../etl/testdata/unit/valid/areas.csv")
	os.WriteFile(filepath.Join(dir, "areas.csv"), areas, 0o644)
	os.WriteFile(filepath.Join(dir, "activity.csv"), []byte("month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n"+
		"2025-11,U1,A,1,1,1,1,1,1,\n2025-12,U1,A,1,1,1,1,1,1,\n2026-01,U1,A,1,1,1,1,1,1,\n"), 0o644)
	etltest.Load(t, db, dir)
	asOf, _ := db.DataAsOf(ctx)
	elsewhere := time.FixedZone("Etc/UTC", 0)
	sel := queries.Selection{From: time.Date(2025, 12, 1, 0, 0, 0, 0, elsewhere), To: time.Date(2026, 1, 1, 0, 0, 0, 0, elsewhere), Place: queries.England, Level: queries.LevelPCN}
	c, err := db.Completeness(ctx, queries.Request{Selection: sel, Version: asOf.Version}, nil)
	if err != nil || c.Total[0].Expected != 1 || c.Total[1].Received != 1 {
		t.Errorf("a period in another location: %+v %v, want 1 of 1 each month", c.Total, err)
	}
}
