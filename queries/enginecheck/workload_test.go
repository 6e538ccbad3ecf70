package enginecheck

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"spdash/etl"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// runWorkload makes the product run every statement it has, with the
// parameters it uses: loads (new, repeated, corrected, with rejects and
// duplicates found by the server) and every read the dashboard makes, for
// England, region, ICB and PCN places and levels, a year, one month, a period
// with no data, and a financial year with no funding.
func runWorkload(t *testing.T, db *queries.DB) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 26, Scale: sample.Demo, Months: 15, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	loadAll := func(l *etl.Loader, paths ...string) []etl.Result {
		t.Helper()
		pl, err := etl.NewProblemLog(io.Discard, filepath.Join(t.TempDir(), "report.csv"), false)
		if err != nil {
			t.Fatal(err)
		}
		l.DB, l.Problems, l.Log = db, pl, quiet
		files, problems := etl.ExpandPaths(paths, nil)
		if len(problems) > 0 {
			t.Fatalf("expand %v: %v", paths, problems)
		}
		res, err := l.LoadAll(ctx, files, io.Discard)
		if err != nil {
			t.Fatalf("load %v: %v", paths, err)
		}
		return res
	}
	for _, r := range loadAll(&etl.Loader{}, dir) {
		if r.Status != etl.ResultLoaded {
			t.Fatalf("%s: %s", r.Path, r.Status)
		}
	}
	// The same files again: found by their checksum, nothing loaded.
	for _, r := range loadAll(&etl.Loader{}, dir) {
		if r.Status != etl.ResultAlreadyLoaded {
			t.Fatalf("reload %s: %s", r.Path, r.Status)
		}
	}
	// A correction with a duplicated key and an invalid row, loaded with
	// --allow-rejects while the client's key set is too small, so that the
	// server finds the duplicates and copies the rows without them.
	lines := readLines(t, filepath.Join(dir, "activity.csv"))
	last := lines[len(lines)-1]
	fields := strings.Split(last, ",")
	fields[3] = "999" // referrals_received
	fix := strings.Join(fields, ",")
	bad := append([]string{}, fields...)
	bad[4] = "-1"
	// First a one-row fix, and cleanup reclaiming the row it superseded (kept
	// 0 s here), before the loads below supersede more for the reads to skip.
	fixPath := filepath.Join(t.TempDir(), "activity_fix.csv")
	if err := os.WriteFile(fixPath, []byte(lines[0]+"\n"+fix+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := loadAll(&etl.Loader{}, fixPath); r[0].Status != etl.ResultLoaded {
		t.Fatalf("fix: %s", r[0].Status)
	}
	time.Sleep(1100 * time.Millisecond) // commits are stamped to the second
	if err := etl.Cleanup(ctx, db, time.Hour, 0, io.Discard); err != nil {
		t.Fatal(err)
	}
	waitMutations(t, db)
	correction := []string{lines[0], lines[1], lines[2], fix, lines[1], strings.Join(bad, ",")}
	path := filepath.Join(t.TempDir(), "activity_correction.csv")
	if err := os.WriteFile(path, []byte(strings.Join(correction, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := loadAll(&etl.Loader{AllowRejects: true, MaxClientKeys: 2}, path); r[0].Status != etl.ResultPartial {
		t.Fatalf("correction: %s, want partial", r[0].Status)
	}
	// The other kinds loaded again with --force: every row superseded by a
	// newer load, over two years of months (migration 003's tables all hold
	// rows, and every read filters them out).
	for _, r := range loadAll(&etl.Loader{Force: true}, filepath.Join(dir, "training.csv"), filepath.Join(dir, "outcomes.csv"), filepath.Join(dir, "funding.csv")) {
		if r.Status != etl.ResultLoaded {
			t.Fatalf("forced reload %s: %s", r.Path, r.Status)
		}
	}
	// A refused file (its valid rows stored, never visible) and a load whose
	// process died an hour ago, then cleanup: the second is marked failed and
	// the stored rows of both deleted (the workload waits for the mutation).
	refused := filepath.Join(t.TempDir(), "activity_refused.csv")
	if err := os.WriteFile(refused, []byte(strings.Join([]string{lines[0], lines[1], strings.Join(bad, ",")}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := loadAll(&etl.Loader{}, refused); r[0].Status != etl.ResultInvalid {
		t.Fatalf("refused file: %s, want invalid", r[0].Status)
	}
	dead := queries.Load{ID: "dead-load", Seq: 1, FileName: "outcomes_dead.csv", Kind: "outcomes", Status: queries.StatusRunning,
		StartedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second)}
	if err := db.RecordLoad(ctx, dead, 0); err != nil {
		t.Fatal(err)
	}
	if err := etl.Cleanup(ctx, db, time.Minute, time.Hour, io.Discard); err != nil {
		t.Fatal(err)
	}
	waitMutations(t, db)
	// And the same again without a cleanup, so that the statements that find
	// them answer rows when the check replays them.
	if r := loadAll(&etl.Loader{}, refused); r[0].Status != etl.ResultInvalid {
		t.Fatalf("refused file again: %s, want invalid", r[0].Status)
	}
	dead.ID, dead.Seq = "dead-load-2", 2
	if err := db.RecordLoad(ctx, dead, 0); err != nil {
		t.Fatal(err)
	}
	if loads, err := db.AbandonedLoads(ctx, time.Minute); err != nil || len(loads) != 1 {
		t.Fatalf("abandoned loads: %v %v, want dead-load-2", loads, err)
	}
	if seqs, err := db.FailedRows(ctx, "activity"); err != nil || len(seqs) != 1 {
		t.Fatalf("failed loads with activity rows: %v %v, want the refused file's", seqs, err)
	}

	// The first outcomes load's supersede check run again now that a later
	// load of the same keys exists, as when two loads run at once and the
	// earlier one checks second (it records pairs already there: harmless).
	loads, err := db.RecentLoads(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var first *queries.Load
	for i := range loads {
		if loads[i].Kind == "outcomes" && loads[i].Status == queries.StatusLoaded && (first == nil || loads[i].Seq < first.Seq) {
			first = &loads[i]
		}
	}
	kind, _ := etl.LookupKind("outcomes")
	if first == nil {
		t.Fatal("no committed outcomes load")
	}
	if err := db.Supersede(ctx, "outcomes", kind.Key, first.Seq); err != nil {
		t.Fatal(err)
	}

	// A new provider's return in a month already loaded, for each summed
	// kind: new keys, nothing superseded, so each kind's build starts from
	// the previous state's (current_<kind>_copy.sql, current_<kind>_add.sql).
	// After every cleanup, so that the previous builds are still there when
	// the check replays the statements.
	var added []string
	for _, kind := range []string{"activity", "training", "outcomes"} {
		kl := readLines(t, filepath.Join(dir, kind+".csv"))
		f := strings.Split(kl[len(kl)-1], ",")
		f[2] = "NEWPROV"
		p := filepath.Join(t.TempDir(), kind+"_new_provider.csv")
		if err := os.WriteFile(p, []byte(kl[0]+"\n"+strings.Join(f, ",")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		added = append(added, p)
	}
	for _, r := range loadAll(&etl.Loader{}, added...) {
		if r.Status != etl.ResultLoaded {
			t.Fatalf("new provider %s: %s", r.Path, r.Status)
		}
	}
	// The same rows corrected (a count one higher, which no cross-column
	// rule forbids): each supersedes the row before, so each kind's build
	// starts from the previous state's and sums its months and PCNs again
	// from their current rows (current_<kind>.sql "touched").
	var corrected []string
	for i, kind := range []string{"activity", "training", "outcomes"} {
		p := added[i]
		lines := readLines(t, p)
		col := slices.Index(strings.Split(lines[0], ","), map[string]string{"activity": "referrals_received", "training": "staff_in_post", "outcomes": "cohort"}[kind])
		f := strings.Split(lines[1], ",")
		n, err := strconv.Atoi(f[col])
		if col < 0 || err != nil {
			t.Fatalf("%s: column %d of %q: %v", p, col, lines[1], err)
		}
		f[col] = strconv.Itoa(n + 1)
		c := strings.TrimSuffix(p, ".csv") + "_corrected.csv"
		if err := os.WriteFile(c, []byte(lines[0]+"\n"+strings.Join(f, ",")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		corrected = append(corrected, c)
	}
	for _, r := range loadAll(&etl.Loader{}, corrected...) {
		if r.Status != etl.ResultLoaded {
			t.Fatalf("correction %s: %s", r.Path, r.Status)
		}
	}
	// The reads the dashboard and API make.
	geo, err := db.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	asOf, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rng, err := db.Range(ctx, asOf) // from the builds where there are some
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := db.Range(ctx, queries.DataAsOf{}); err != nil { // from the storage tables
		t.Fatal(err)
	} else if !reflect.DeepEqual(stored, rng) {
		t.Errorf("the data's range from the storage tables %+v, from the builds %+v", stored, rng)
	}
	if _, err := db.DataVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecentLoads(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if v, err := db.DataVersion(ctx); err != nil {
		t.Fatal(err)
	} else if kinds, err := db.KindsAsOf(ctx, v); err != nil || len(kinds) == 0 {
		t.Fatalf("loads by kind: %v %v", kinds, err)
	} else if rows, err := db.PCNFeatures(ctx, v); err != nil || len(rows) == 0 {
		t.Fatalf("features: %d %v", len(rows), err)
	}
	if events, err := db.RecentAudit(ctx, 5); err != nil || len(events) == 0 {
		t.Fatalf("audit: %v %v, want the loads' events", events, err)
	}
	if ok, err := db.SchemaCurrent(ctx); err != nil || !ok {
		t.Fatalf("schema current: %v %v", ok, err)
	}
	month := func(s string) time.Time { m, _ := time.Parse("2006-01", s); return m }
	region, icb, pcn := geo.Regions[0], geo.ICBs[0], geo.PCNs[0]
	for _, c := range []queries.Selection{
		{From: month("2024-07"), To: month("2025-06"), Place: queries.England, Level: queries.LevelICB},
		{From: month("2025-01"), To: month("2025-06"), Place: icb, Level: queries.LevelPCN},
	} {
		v, _ := db.DataVersion(ctx)
		if got, err := db.Completeness(ctx, queries.Request{Selection: c, Version: v}, nil); err != nil || len(got.Areas) == 0 {
			t.Fatalf("completeness of %s: %v %v", c.Place.Code, got, err)
		}
		if got, err := db.AreaTrends(ctx, queries.Request{Selection: c, Version: v}); err != nil || len(got) == 0 {
			t.Fatalf("trends of %s: %v %v", c.Place.Code, got, err)
		}
	}
	periods := []struct{ from, to, fy string }{
		{"2024-07", "2025-06", "2024-25"}, // a year, funding loaded
		{"2025-06", "2025-06", "2025-26"}, // one month
		{"2010-01", "2010-03", "2009-10"}, // no data at all
		{rng.FirstMonth.Format("2006-01"), rng.LastMonth.Format("2006-01"), ""},
	}
	shapes := []struct {
		place queries.Place
		level string
	}{
		{queries.England, queries.LevelRegion}, {queries.England, queries.LevelICB}, {queries.England, queries.LevelPCN},
		{region, queries.LevelICB}, {region, queries.LevelPCN},
		{icb, queries.LevelPCN},
		{pcn, queries.LevelPCN},
	}
	for _, req := range []queries.Request{
		{Selection: queries.Selection{From: month("2024-07"), To: month("2025-06"), Place: region, Level: queries.LevelPCN}, Disclose: true},
		{Selection: queries.Selection{From: month("2010-01"), To: month("2010-02"), Place: queries.England, Level: queries.LevelICB}},
		// long enough to be read a chunk of PCNs at a time (has(@codes, …))
		{Selection: queries.Selection{From: month("1990-01"), To: month("2025-06"), Place: queries.England, Level: queries.LevelPCN}},
	} {
		rows := 0
		if err := db.Monthly(ctx, req, func(*queries.AreaMonth) error { rows++; return nil }); err != nil || rows == 0 {
			t.Fatalf("monthly %+v: %d rows, %v", req.Selection, rows, err)
		}
	}
	for _, p := range periods {
		for _, sh := range shapes {
			sel := queries.Selection{From: month(p.from), To: month(p.to), Place: sh.place, Level: sh.level, FY: p.fy}
			req := queries.Request{Selection: sel, Settings: queries.DefaultSettings, Disclose: true}
			if _, err := db.Metrics(ctx, req); err != nil {
				t.Fatalf("metrics %+v: %v", sel, err)
			}
			if _, err := db.Trends(ctx, req); err != nil {
				t.Fatalf("trends %+v: %v", sel, err)
			}
		}
	}
	// The default period, read from its builds (made after the loads; built
	// here if a later load's were not).
	if _, err := db.BuildPeriod(ctx); err != nil {
		t.Fatal(err)
	}
	if a, err := db.DataAsOf(ctx); err != nil {
		t.Fatal(err)
	} else if rng, err := db.Range(ctx, a); err != nil {
		t.Fatal(err)
	} else {
		sel := queries.Selection{Place: queries.England, Level: queries.LevelRegion, Default: true}
		sel.From, sel.To, sel.FY = queries.DefaultPeriod(rng, time.Now())
		if rep, err := db.Metrics(ctx, queries.Request{Selection: sel, Settings: queries.DefaultSettings}); err != nil || !rep.England.Referrals.IsKnown() {
			t.Fatalf("metrics of the default period: %v", err)
		}
		// Its months, England's regions' and a region's ICBs'.
		for _, place := range []queries.Place{queries.England, region} {
			sel.Place, sel.Level = place, queries.LevelICB
			if place == queries.England {
				sel.Level = queries.LevelRegion
			}
			if got, err := db.AreaTrends(ctx, queries.Request{Selection: sel, Settings: queries.DefaultSettings}); err != nil || len(got) == 0 {
				t.Fatalf("recent trends of the default period in %s: %v %v", place.Code, got, err)
			}
		}
	}

	// A month more of each summed kind, committed but not built (LoadFile
	// alone does not build), read by a read-only reader, which may not
	// build: the statements compute the current rows from the storage
	// tables instead (current.sql's <kind>_now through <kind>_source).
	pl, err := etl.NewProblemLog(io.Discard, filepath.Join(t.TempDir(), "report.csv"), false)
	if err != nil {
		t.Fatal(err)
	}
	unbuilt := &etl.Loader{DB: db, Problems: pl, Log: quiet}
	for _, name := range []string{"activity", "training", "outcomes"} {
		ls := readLines(t, filepath.Join(dir, name+".csv"))
		var rows []string
		for _, l := range ls[1:8] {
			f := strings.Split(l, ",")
			f[0] = "2025-08"
			rows = append(rows, strings.Join(f, ","))
		}
		path := filepath.Join(t.TempDir(), name+"_unbuilt.csv")
		if err := os.WriteFile(path, []byte(ls[0]+"\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		kind, _ := etl.LookupKind(name)
		if r, err := unbuilt.LoadFile(ctx, etl.File{Path: path, Kind: kind}); err != nil || r.Status != etl.ResultLoaded {
			t.Fatalf("%s of a month more: %s %v", name, r.Status, err)
		}
	}
	// And the published files again (forced: the same files), unbuilt too.
	published, problems := etl.ExpandPaths([]string{dir}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	forced := &etl.Loader{DB: db, Problems: pl, Log: quiet, Force: true}
	n := 0
	for _, f := range published {
		if f.Kind.Published == nil {
			continue
		}
		if r, err := forced.LoadFile(ctx, f); err != nil || r.Status != etl.ResultLoaded {
			t.Fatalf("%s again: %s %v", f.Path, r.Status, err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d published files in the sample, want the census and the appointments", n)
	}
	reader, err := queries.Open(ctx, "clickhouse://spdash_reader@"+testdb.Server(t).Addr()+"/"+db.Database(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	v, _ := reader.DataVersion(ctx)
	if b, err := reader.CurrentBuild(ctx, v); err != nil || b != (queries.Builds{}) {
		t.Fatalf("the read-only reader's builds of the month more: %+v, %v; want none", b, err)
	}
	sel := queries.Selection{From: month("2025-03"), To: month("2025-08"), Place: queries.England, Level: queries.LevelICB, FY: "2025-26"}
	req := queries.Request{Selection: sel, Settings: queries.DefaultSettings, Disclose: true}
	if _, err := reader.Metrics(ctx, req); err != nil {
		t.Fatalf("metrics as a read-only reader: %v", err)
	}
	if _, err := reader.Trends(ctx, req); err != nil {
		t.Fatalf("trends as a read-only reader: %v", err)
	}
	if got, err := reader.AreaTrends(ctx, req); err != nil || len(got) == 0 {
		t.Fatalf("recent trends as a read-only reader: %v %v", got, err)
	}
	if got, err := reader.Completeness(ctx, req, nil); err != nil || len(got.Areas) == 0 {
		t.Fatalf("completeness as a read-only reader: %v %v", got, err)
	}
	readerAsOf, err := reader.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := reader.Range(ctx, readerAsOf); err != nil || got.LastMonth.IsZero() {
		t.Fatalf("the data's range as a read-only reader: %+v %v", got, err)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitMutations waits until the database's mutations (cleanup's deletions)
// are applied, so that both engines see the same rows.
func waitMutations(t *testing.T, db *queries.DB) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var pending uint64
		if err := db.QueryRow(context.Background(), "SELECT count() FROM system.mutations WHERE database = currentDatabase() AND is_done = 0").Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("cleanup's deletions did not finish within 60 s")
		}
	}
}
