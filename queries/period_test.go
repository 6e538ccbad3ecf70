package queries_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// metricsJSON is an answer's figures as JSON, for comparing two answers.
func metricsJSON(t *testing.T, db *queries.DB, sel queries.Selection) (string, *queries.Report) {
	t.Helper()
	rep, err := db.Metrics(context.Background(), queries.Request{Selection: sel, Settings: queries.DefaultSettings, Disclose: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(struct {
		England queries.Metrics
		Areas   []queries.AreaMetrics
	}{rep.England, rep.Areas})
	if err != nil {
		t.Fatal(err)
	}
	return string(b), rep
}

// The default period's sums per PCN, and its months per region and ICB,
// are built when a load commits, and a selection of the default period
// reads them: the same figures as the statements give, read from the build
// named by the state and the period, and never from a build of another
// state.
func TestTheDefaultPeriodIsReadFromItsBuild(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 5, Scale: sample.Demo, Months: 24, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	etltest.MustLoad(t, db, dir) // builds the default period after the loads
	if built, err := db.BuildPeriod(ctx); err != nil || built {
		t.Fatalf("BuildPeriod after the loads: built %v, %v; want it built already", built, err)
	}
	sel, err := queries.DefaultSelection(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if got := sel.From.Format("2006-01") + " " + sel.To.Format("2006-01"); got != "2024-07 2025-06" || sel.FY == "" {
		t.Fatalf("default period %s, financial year %q; want 2024-07 2025-06 and the latest funding year", got, sel.FY)
	}
	computed := sel
	computed.Default = false
	fromBuild, _ := metricsJSON(t, db, sel)
	want, plain := metricsJSON(t, db, computed)
	if fromBuild != want {
		t.Fatal("the default period's figures from its build differ from the statement's")
	}
	// The build holds every part of the figures: the sums, the census, the
	// appointments and the funding.
	if e := plain.England; !e.Referrals.IsKnown() || !e.CensusHeadcount.IsKnown() || !e.SPAppointmentsPer1k.IsKnown() || !e.Funding.IsKnown() {
		t.Fatalf("England's referrals %v, census headcount %v, appointments per 1,000 %v, funding %v: want all known (the sample has each part)",
			e.Referrals, e.CensusHeadcount, e.SPAppointmentsPer1k, e.Funding)
	}
	// The period before (the overview's changes) has its sums built too.
	prev := queries.PreviousPeriod(sel)
	if got := prev.From.Format("2006-01") + " " + prev.To.Format("2006-01"); got != "2023-07 2024-06" || !prev.Default {
		t.Fatalf("the period before the default: %s (default %v); want 2023-07 2024-06, default", got, prev.Default)
	}
	prevComputed := prev
	prevComputed.Default = false
	if a, b := func() string { x, _ := metricsJSON(t, db, prev); return x }(), func() string { x, _ := metricsJSON(t, db, prevComputed); return x }(); a != b {
		t.Fatal("the previous period's figures from its build differ from the statement's")
	}
	for _, level := range []string{queries.LevelICB, queries.LevelPCN} {
		s, c := sel, computed
		s.Level, c.Level = level, level
		if a, b := metricsJSON(t, db, s); a != func() string { x, _ := metricsJSON(t, db, c); return x }() {
			t.Fatalf("at %s level, the figures from the build differ from the statement's (%d areas)", level, len(b.Areas))
		}
	}

	// The months of the default period at region, ICB and PCN level,
	// England's, a region's, an ICB's and a PCN's own, come from their
	// build: the same as the statement's.
	region := plain.Areas[0].Code
	sel.Level, computed.Level = queries.LevelPCN, queries.LevelPCN
	_, pcns := metricsJSON(t, db, computed)
	sel.Level, computed.Level = queries.LevelRegion, queries.LevelRegion
	icb, pcn := queries.Place{Code: pcns.Areas[0].ParentCode, Level: queries.LevelICB}, queries.Place{Code: pcns.Areas[0].Code, Level: queries.LevelPCN}
	trends := func(sel queries.Selection) string {
		t.Helper()
		req := queries.Request{Selection: sel, Settings: queries.DefaultSettings, Disclose: true}
		own, err := db.Trends(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		areas, err := db.AreaTrends(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal([]any{own, areas})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// Every shape of months a page reads from their build: England's
	// regions and ICBs, a region's ICBs, an ICB's PCNs and a PCN's own.
	shapes := []struct {
		place queries.Place
		level string
	}{{queries.England, queries.LevelRegion}, {queries.England, queries.LevelICB}, {queries.Place{Code: region, Level: queries.LevelRegion}, queries.LevelICB},
		{icb, queries.LevelPCN}, {pcn, queries.LevelPCN}}
	for _, shape := range shapes {
		s, c := sel, computed
		s.Place, s.Level, c.Place, c.Level = shape.place, shape.level, shape.place, shape.level
		if got, want := trends(s), trends(c); got != want || len(got) < 100 {
			t.Fatalf("%s at %s level: the months from their build differ from the statement's:\n%.300s\n%.300s", shape.place.Code, shape.level, got, want)
		}
	}
	if err := queries.ForgeMonths(ctx, db, sel, 2); err != nil {
		t.Fatal(err)
	}
	monthly := func(sel queries.Selection) float64 {
		t.Helper()
		ms, err := db.Trends(ctx, queries.Request{Selection: sel, Settings: queries.DefaultSettings})
		if err != nil {
			t.Fatal(err)
		}
		return sumReferrals(ms)
	}
	if got, was := monthly(sel), monthly(computed); was == 0 || got != 2*was {
		t.Fatalf("England's months' referrals with a forged build: %v; want twice %v (the build is read)", got, was)
	}
	for _, place := range []queries.Place{icb, pcn} { // its PCNs' months, its own
		s, c := sel, computed
		s.Place, s.Level, c.Place, c.Level = place, queries.LevelPCN, place, queries.LevelPCN
		if got, was := monthly(s), monthly(c); was == 0 || got != 2*was {
			t.Fatalf("%s's months' referrals with a forged build: %v; want twice %v (the build is read)", place.Code, got, was)
		}
	}

	// Read from the build: a build of the same name numbered below it, with
	// every PCN's referrals doubled, is the one read; another selection
	// still computes.
	if err := queries.ForgePeriod(ctx, db, sel, 2); err != nil {
		t.Fatal(err)
	}
	_, forged := metricsJSON(t, db, sel)
	if got, was := value(forged.England.Referrals), value(plain.England.Referrals); was == 0 || got != 2*was {
		t.Fatalf("England's referrals with a forged build: %v; want twice %v (the build is read)", got, was)
	}
	if got, _ := metricsJSON(t, db, computed); got != want {
		t.Fatal("a selection that is not marked default read the build")
	}
	// The forged builds above have no packs, so their rows were read. Packed
	// (migration 014), with every build's rows then deleted, they are read
	// from their packs: still doubled, the months at each level too.
	if n := countUntil(t, db, "SELECT uniqExact(build) FROM current_packs", 3); n != 3 {
		t.Fatalf("%d packs of the builds the loads made; want the period's, the one before's and the months'", n)
	}
	if err := queries.PackForged(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, packed := metricsJSON(t, db, sel); value(packed.England.Referrals) != 2*value(plain.England.Referrals) {
		t.Fatalf("England's referrals from the forged build's pack: %v; want twice %v", value(packed.England.Referrals), value(plain.England.Referrals))
	}
	for _, shape := range shapes {
		s, c := sel, computed
		s.Place, c.Place = shape.place, shape.place
		got, err := queries.MonthsReferrals(ctx, db, s, shape.level)
		if err != nil {
			t.Fatal(err)
		}
		was, err := queries.MonthsReferrals(ctx, db, c, shape.level)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(was) || len(was) == 0 {
			t.Fatalf("%s at %s level: months of %d areas from the forged build's packs; want %d", shape.place.Code, shape.level, len(got), len(was))
		}
		for code, n := range was {
			if n == 0 || got[code] != 2*n {
				t.Fatalf("%s at %s level: %s's months' referrals from the forged build's packs %v; want twice %v", shape.place.Code, shape.level, code, got[code], n)
			}
		}
	}

	// A correction of the period's last month: a new state, whose sums are
	// built after its load; the forged build (the old state's) is never
	// read again.
	fix := filepath.Join(t.TempDir(), "activity_fix.csv")
	rows := readCSV(t, filepath.Join(dir, "activity.csv"))
	text := "month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n"
	r := rows[len(rows)-1]
	if r["month"] != "2025-06" {
		t.Fatalf("the activity file's last row is of %s, want 2025-06", r["month"])
	}
	text += r["month"] + "," + r["area_code"] + "," + r["provider_code"] + ",999," + r["referrals_accepted"] + "," + r["people_supported"] + "," +
		r["active_caseload"] + "," + r["link_worker_headcount"] + "," + r["link_worker_fte"] + "," + r["median_wait_days"] + "\n"
	if err := os.WriteFile(fix, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.MustLoad(t, db, fix)
	if built, err := db.BuildPeriod(ctx); err != nil || built {
		t.Fatalf("BuildPeriod after the correction: built %v, %v; want it built by the load", built, err)
	}
	corrected, rep := metricsJSON(t, db, sel)
	if again, _ := metricsJSON(t, db, computed); corrected != again {
		t.Fatal("after a correction, the default period's figures from its build differ from the statement's")
	}
	if got, was := value(rep.England.Referrals), value(plain.England.Referrals); got != was-num(r["referrals_received"])+999 {
		t.Fatalf("England's referrals after the correction: %v; want %v - %s + 999", got, was, r["referrals_received"])
	}

	// Cleanup: the old state's builds go, the one read stays; so do the
	// packs of a build with no events (a cleanup that stopped before them).
	if err := db.Exec(ctx, "INSERT INTO current_packs (build, level, code, body) SELECT 12345, '', '', 'cABA'"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // build events are dated to the second
	// The old activity state's build, and the old state's three period
	// builds (the default's, the one forged, the previous period's), two
	// builds of its months and its range's build.
	if n, err := db.ReclaimBuilds(ctx, 0); err != nil || n != 7 {
		t.Fatalf("ReclaimBuilds: %d, %v; want 7", n, err)
	}
	if left := buildsLeft(t, db, "kind IN ('period', 'months')", 3); left != 3 {
		t.Fatalf("period and months builds after cleanup: %d; want 3 (two periods' sums, the months)", left)
	}
	if left := countUntil(t, db, "SELECT uniqExact(build) FROM current_packs", 3); left != 3 {
		t.Fatalf("builds with packs after cleanup: %d; want the 3 read", left)
	}
	if got, _ := metricsJSON(t, db, sel); got != corrected {
		t.Fatal("cleanup changed the default period's figures")
	}
	if got, want := monthly(sel), monthly(computed); got != want {
		t.Fatalf("after cleanup, England's months' referrals %v; want %v", got, want)
	}
}

// The data's range is built when a load commits and read with the data
// version, in its statement: the same range as its own statement gives,
// from the build named by the loads of the kinds it is a function of.
func TestTheDataRangeIsReadWithTheVersion(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 7, Scale: sample.Demo, Months: 18, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	newest := func() queries.DataAsOf {
		t.Helper()
		a, err := db.DataAsOf(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// same says the range read with the version is built and is the
	// statement's.
	same := func(when string) queries.DataRange {
		t.Helper()
		a := newest()
		built, ok := queries.RangeBuilt(a)
		if !ok {
			t.Fatalf("%s: no range read with the version", when)
		}
		computed, err := queries.RangeComputed(ctx, db, a)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(built, computed) {
			t.Fatalf("%s: the range from its build %+v differs from the statement's %+v", when, built, computed)
		}
		if got, err := db.Range(ctx, a); err != nil || !reflect.DeepEqual(got, built) {
			t.Fatalf("%s: Range gave %+v, %v; want the build's %+v", when, got, err, built)
		}
		return built
	}

	// Nothing loaded: nothing to build, and the statement says so.
	if _, ok := queries.RangeBuilt(newest()); ok {
		t.Fatal("a range built before any load")
	}
	if r, err := db.Range(ctx, newest()); err != nil || !r.LastMonth.IsZero() || r.Areas != 0 {
		t.Fatalf("the range of no data: %+v, %v", r, err)
	}
	etltest.MustLoad(t, db, filepath.Join(dir, "areas.csv"), filepath.Join(dir, "activity.csv"), filepath.Join(dir, "funding.csv"))
	first := same("after the areas, activity and funding")
	if first.LastMonth.Format("2006-01") != "2025-06" || first.Areas == 0 || len(first.FinancialYears) == 0 {
		t.Fatalf("the range after the loads: %+v", first)
	}

	// The build is what is read: a forged one of the same name is.
	if err := queries.ForgeRange(ctx, db, 3); err != nil {
		t.Fatal(err)
	}
	if got, ok := queries.RangeBuilt(newest()); !ok || got.Areas != 3*first.Areas {
		t.Fatalf("the range with a forged build: %+v; want %d areas (the build is read)", got, 3*first.Areas)
	}

	// A load of a kind the range does not read leaves its state, and the
	// forged build is still the one read; a load of one it reads (training
	// does not, outcomes neither; the census does) makes a new state,
	// built by the load, and the forged build is never read again.
	etltest.MustLoad(t, db, filepath.Join(dir, "training.csv"))
	if got, ok := queries.RangeBuilt(newest()); !ok || got.Areas != 3*first.Areas {
		t.Fatalf("after a training load the range is %+v; want the forged build's still", got)
	}
	etltest.MustLoad(t, db, filepath.Join(dir, sample.WorkforceZip))
	if again := same("after the census"); again.Areas != first.Areas {
		t.Fatalf("after the census the range has %d areas; want %d (the forged build is not read)", again.Areas, first.Areas)
	}

	// Cleanup forgets the old state's builds, the forged one included, and
	// keeps the one read.
	time.Sleep(1100 * time.Millisecond) // build events are dated to the second
	if _, err := db.ReclaimBuilds(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if left := buildsLeft(t, db, "kind = 'range'", 1); left != 1 {
		t.Fatalf("range builds after cleanup: %d; want 1 (the one read)", left)
	}
	same("after cleanup")
}

// buildsLeft is how many builds of current_builds' rows matching where are
// left after cleanup, read again until it is want or 10 s have passed
// (deletions are mutations, applied in the background).
func buildsLeft(t *testing.T, db *queries.DB, where string, want uint64) uint64 {
	t.Helper()
	return countUntil(t, db, "SELECT uniqExact(build) FROM current_builds WHERE "+where, want)
}

// countUntil is query's count once it is want, or after 10 s (a
// mutation's deletes land in the background).
func countUntil(t *testing.T, db *queries.DB, query string, want uint64) uint64 {
	t.Helper()
	var left uint64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if err := db.QueryRow(context.Background(), query).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == want || time.Now().After(deadline) {
			return left
		}
	}
}
