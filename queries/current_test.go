package queries_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spdash/etl"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// loadUnbuilt loads files one by one without building the current rows
// (LoadAll builds them after its commits; LoadFile does not), as a load
// that committed a moment before its build leaves them.
func loadUnbuilt(t *testing.T, db *queries.DB, path string) {
	t.Helper()
	loadUnbuiltWith(t, db, false, path)
}

// loadUnbuiltWith is loadUnbuilt, with --allow-rejects when allowRejects: a
// file with a rejected row then commits as partial.
func loadUnbuiltWith(t *testing.T, db *queries.DB, allowRejects bool, path string) {
	t.Helper()
	pl, err := etl.NewProblemLog(io.Discard, filepath.Join(t.TempDir(), "report.csv"), false)
	if err != nil {
		t.Fatal(err)
	}
	files, problems := etl.ExpandPaths([]string{path}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	l := &etl.Loader{DB: db, Problems: pl, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), AllowRejects: allowRejects}
	for _, f := range files {
		if r, err := l.LoadFile(context.Background(), f); err != nil || (r.Status != etl.ResultLoaded && !(allowRejects && r.Status == etl.ResultPartial)) {
			t.Fatalf("%s: %s %v", f.Path, r.Status, err)
		}
	}
}

// unbuiltSample loads a demo sample (seed, months to 2025-06) into a new
// database without building its current rows, and opens the read-only
// reader (the dashboard's user) on it: the database, the reader, the
// sample's folder and the data version.
func unbuiltSample(t *testing.T, seed int64, months int) (*queries.DB, *queries.DB, string, uint64) {
	t.Helper()
	db := testdb.New(t)
	reader, err := queries.Open(context.Background(), "clickhouse://spdash_reader@"+testdb.Server(t).Addr()+"/"+db.Database(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: seed, Scale: sample.Demo, Months: months, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	loadUnbuilt(t, db, dir)
	v, err := db.DataVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return db, reader, dir, v
}

// answers are the figures of every statement that reads the current rows,
// at England, ICB and PCN level, as JSON.
func answers(t *testing.T, db *queries.DB, version uint64) string {
	t.Helper()
	ctx := context.Background()
	month := func(s string) time.Time { m, _ := time.Parse("2006-01", s); return m }
	var out []any
	for _, level := range []string{queries.LevelICB, queries.LevelPCN} {
		req := queries.Request{Selection: queries.Selection{From: month("2024-10"), To: month("2025-06"), Place: queries.England, Level: level, FY: "2025-26"},
			Settings: queries.DefaultSettings, Disclose: true, Version: version}
		rep, err := db.Metrics(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		trends, err := db.AreaTrends(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		comp, err := db.Completeness(ctx, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		var months []queries.AreaMonth
		if err := db.Monthly(ctx, req, func(m *queries.AreaMonth) error { months = append(months, *m); return nil }); err != nil {
			t.Fatal(err)
		}
		out = append(out, rep, trends, comp, months)
	}
	// The place's own months (an ICB, controlled), and an extract long
	// enough to be read a chunk of PCNs at a time.
	geo, err := db.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	icb := queries.Selection{From: month("2024-10"), To: month("2025-06"), Place: geo.ICBs[0], Level: queries.LevelICB, FY: "2025-26"}
	placeTrend, err := db.Trends(ctx, queries.Request{Selection: icb, Settings: queries.DefaultSettings, Disclose: true, Version: version})
	if err != nil {
		t.Fatal(err)
	}
	long := queries.Selection{From: month("2015-01"), To: month("2025-06"), Place: queries.England, Level: queries.LevelPCN, FY: "2025-26"}
	var extract []queries.AreaMonth
	if err := db.Monthly(ctx, queries.Request{Selection: long, Settings: queries.DefaultSettings, Version: version}, func(m *queries.AreaMonth) error {
		extract = append(extract, *m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if areas := len(extract) / long.Months(); areas <= 4000/long.Months() {
		t.Fatalf("the long extract has %d areas: too few to be read in chunks", areas)
	}
	asOf := queries.DataAsOf{Version: version}
	if asOf.Current, err = db.CurrentBuild(ctx, version); err != nil {
		t.Fatal(err)
	}
	rng, err := db.Range(ctx, asOf)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, placeTrend, extract, rng)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The figures read the same from a build of the current rows (migration
// 007) as from the storage tables: a read-only reader reads the storage
// tables until a build of its state exists, then the build; a writer builds
// them when missing; a second build of one state adds nothing twice; a
// correction is a new state of its kind alone; cleanup leaves the builds
// read.
func TestCurrentBuildsAnswerAsTheStorageTables(t *testing.T) {
	ctx := context.Background()
	db, reader, dir, v1 := unbuiltSample(t, 7, 12)

	if b, err := reader.CurrentBuild(ctx, v1); err != nil || b != (queries.Builds{}) {
		t.Fatalf("a read-only reader's builds before any: %+v, %v", b, err)
	}
	fromStorage := answers(t, reader, v1)
	built, err := db.CurrentBuild(ctx, v1)
	if err != nil || built.Activity == 0 || built.Training == 0 || built.Outcomes == 0 {
		t.Fatalf("a writer's builds: %+v, %v", built, err)
	}
	if got := answers(t, db, v1); got != fromStorage {
		t.Fatalf("the figures from the build differ from the storage tables'")
	}
	if b, err := reader.CurrentBuild(ctx, v1); err != nil || b != built {
		t.Fatalf("the reader's builds once built: %+v, %v; want %+v", b, err, built)
	}
	if got := answers(t, reader, v1); got != fromStorage {
		t.Fatal("the reader's figures changed once it read the builds")
	}

	// A second build of the same state (another process at the same moment):
	// two equal copies, one read.
	for _, kind := range queries.CurrentKinds {
		if _, err := queries.BuildAgain(ctx, db, kind, v1); err != nil {
			t.Fatal(err)
		}
	}
	if got := answers(t, db, v1); got != fromStorage {
		t.Fatal("a second build of the same state changed the figures")
	}

	// A correction of one month's outcomes: a new state of outcomes only,
	// read from the storage tables until built, then from its build.
	fix := filepath.Join(t.TempDir(), "outcomes_fix.csv")
	rows := readCSV(t, filepath.Join(dir, "outcomes.csv"))
	text := "month,area_code,provider_code,outcome,people,cohort\n"
	for _, r := range rows {
		if r["month"] == "2025-06" && r["outcome"] == "entered_employment" {
			text += r["month"] + "," + r["area_code"] + "," + r["provider_code"] + ",entered_employment,0," + r["cohort"] + "\n"
		}
	}
	if err := os.WriteFile(fix, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	loadUnbuilt(t, db, fix)
	v2, _ := db.DataVersion(ctx)
	before, _ := reader.CurrentBuild(ctx, v1) // the smaller of each kind's two builds
	if b, err := reader.CurrentBuild(ctx, v2); err != nil || b.Outcomes != 0 || b.Activity != before.Activity || b.Training != before.Training {
		t.Fatalf("after an outcomes load, the reader's builds: %+v, %v (before: %+v)", b, err, before)
	}
	corrected := answers(t, reader, v2)
	if corrected == fromStorage {
		t.Fatal("the correction did not change the figures")
	}
	if got := answers(t, db, v2); got != corrected {
		t.Fatal("after a correction, the figures from the builds differ from the storage tables'")
	}
	if got := answers(t, db, v1); got != fromStorage {
		t.Fatal("the first version's figures changed after the correction")
	}

	// Cleanup: every build but the one read at the newest version goes.
	latest, _ := db.CurrentBuild(ctx, v2)
	n, err := db.ReclaimBuilds(ctx, 0)
	// The first outcomes state's two builds, and every other kind's second.
	if want := 1 + len(queries.CurrentKinds); err != nil || n != want {
		t.Fatalf("ReclaimBuilds: %d, %v; want %d", n, err, want)
	}
	if b, _ := db.CurrentBuild(ctx, v2); b != latest {
		t.Fatalf("cleanup changed the builds read: %+v, want %+v", b, latest)
	}
	if got := answers(t, reader, v2); got != corrected {
		t.Fatal("cleanup changed the figures")
	}
}

// A reader that finds its state not built while a build of it is under way
// (a loader's, just after its commit) waits for that build: a read-only
// reader (the dashboard's) rather than compute the same rows from the
// storage tables, a writer rather than build a second copy. A build started
// long ago (its loader gone) is not waited for.
func TestAReaderWaitsForABuildUnderWay(t *testing.T) {
	ctx := context.Background()
	db, reader, dir, v1 := unbuiltSample(t, 11, 3)
	if b, err := reader.CurrentBuild(ctx, v1); err != nil || b != (queries.Builds{}) {
		t.Fatalf("with no build under way, the reader's builds: %+v, %v; want none", b, err)
	}
	type answer struct {
		b   queries.Builds
		err error
	}
	// waiting starts CurrentBuild and checks that it does not answer while
	// the builds are under way.
	waiting := func(who *queries.DB, version uint64) chan answer {
		t.Helper()
		got := make(chan answer, 1)
		go func() {
			b, err := who.CurrentBuild(ctx, version)
			got <- answer{b, err}
		}()
		select {
		case a := <-got:
			t.Fatalf("answered %+v, %v while the builds were under way: it did not wait", a.b, a.err)
		case <-time.After(700 * time.Millisecond):
		}
		return got
	}
	// finish builds each kind's state at version, as the loader does: the
	// builds read are then b's with those.
	finish := func(version uint64, b queries.Builds, kinds ...string) queries.Builds {
		t.Helper()
		for _, kind := range kinds {
			build, err := queries.BuildAgain(ctx, db, kind, version)
			if err != nil || build == 0 {
				t.Fatalf("build %s: %d, %v", kind, build, err)
			}
			queries.SetBuild(&b, kind, build)
		}
		return b
	}
	answered := func(got chan answer, want queries.Builds) {
		t.Helper()
		select {
		case a := <-got:
			if a.err != nil || a.b != want {
				t.Fatalf("the waiting reader's builds: %+v, %v; want %+v", a.b, a.err, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("still waiting after the builds were built")
		}
	}

	// A loader has started building every kind's state: the read-only
	// reader waits, then reads the loader's builds.
	if err := queries.RecordStarted(ctx, db, v1, time.Now()); err != nil {
		t.Fatal(err)
	}
	got := waiting(reader, v1)
	built := finish(v1, queries.Builds{}, queries.CurrentKinds...)
	answered(got, built)

	// So does a writer (a dashboard that may write): no second build.
	fix := func(people string) uint64 {
		t.Helper()
		path := filepath.Join(t.TempDir(), "outcomes_fix.csv")
		rows := readCSV(t, filepath.Join(dir, "outcomes.csv"))
		if err := os.WriteFile(path, []byte("month,area_code,provider_code,outcome,people,cohort\n"+
			rows[0]["month"]+","+rows[0]["area_code"]+","+rows[0]["provider_code"]+","+rows[0]["outcome"]+","+people+","+rows[0]["cohort"]+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		loadUnbuilt(t, db, path)
		v, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v2 := fix("0")
	if err := queries.RecordStarted(ctx, db, v2, time.Now()); err != nil {
		t.Fatal(err)
	}
	got = waiting(db, v2)
	answered(got, finish(v2, built, "outcomes"))

	// A build started long ago is not waited for: the reader reads the
	// storage tables, a writer builds.
	v3 := fix("1")
	if err := queries.RecordStarted(ctx, db, v3, time.Now().Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b, err := reader.CurrentBuild(ctx, v3)
	if err != nil || b.Outcomes != 0 || b.Activity != built.Activity {
		t.Fatalf("with an abandoned build, the reader's builds: %+v, %v; want the activity build %d and no outcomes build", b, err, built.Activity)
	}
	if b, err = db.CurrentBuild(ctx, v3); err != nil || b.Outcomes == 0 {
		t.Fatalf("with an abandoned build, the writer's builds: %+v, %v; want its own outcomes build", b, err)
	}
	if waited := time.Since(start); waited >= queries.AwaitBuildFor {
		t.Fatalf("the reader and the writer waited %v for a build abandoned long ago", waited)
	}
}

// splitSample writes a copy of a sample's files to a new folder, keeping of
// the summed kinds' files (activity, training, outcomes) only the lines keep
// says yes to, each line edited by edit; other files are copied as they are
// when all is true.
func splitSample(t *testing.T, dir string, all bool, keep func(line string) bool, edit func(line string) string) string {
	t.Helper()
	out := t.TempDir()
	for _, name := range []string{"areas.csv", "funding.csv", "activity.csv", "training.csv", "outcomes.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "areas.csv" || name == "funding.csv" {
			if all {
				if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		text := lines[0] + "\n"
		for _, l := range lines[1:] {
			if keep(l) {
				text += edit(l) + "\n"
			}
		}
		if err := os.WriteFile(filepath.Join(out, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// A build that starts from the previous state's build (a load that
// supersedes no row: a new month's returns, or a new provider's in months
// already loaded) answers exactly as the storage tables do, and holds the
// rows a build from every current row holds. A correction, which supersedes
// rows, is built from every current row.
func TestABuildFromThePreviousStateAnswersAsTheStorageTables(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	reader, err := queries.Open(ctx, "clickhouse://spdash_reader@"+testdb.Server(t).Addr()+"/"+db.Database(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 11, Scale: sample.Demo, Months: 12, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	same := func(l string) string { return l }
	last := func(l string) bool { return strings.HasPrefix(l, "2025-06,") }
	// A new provider's returns in a month already loaded: new keys in
	// months and PCNs that have rows. Its code sorts after every other, so
	// that the storage tables add a month and PCN's FTE in the order the
	// builds did, whether or not the server has merged the parts (rows are
	// sorted by provider): floats added in another order can differ in the
	// last bit (docs/ETL.md).
	newProvider := func(l string) string {
		f := strings.SplitN(l, ",", 4)
		return f[0] + "," + f[1] + ",ZZNEWPROV," + f[3]
	}
	firstProvider := map[string]string{}
	for _, r := range readCSV(t, filepath.Join(dir, "activity.csv")) {
		if k := r["month"] + r["area_code"]; r["month"] == "2025-05" && firstProvider[k] == "" {
			firstProvider[k] = r["provider_code"]
		}
	}
	ofFirstProvider := func(l string) bool {
		f := strings.SplitN(l, ",", 4)
		return f[0] == "2025-05" && firstProvider[f[0]+f[1]] == f[2]
	}

	// statements counts the statements naming version (or a build number)
	// whose file matches file (a regular expression).
	statements := func(version uint64, file string) uint64 {
		t.Helper()
		if err := db.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
			t.Fatal(err)
		}
		var n uint64
		q := fmt.Sprintf("SELECT count() FROM system.query_log WHERE type = 2 AND match(query, '^-- spdash:sql/%s[.]sql') AND query LIKE '%%%d%%'", file, version)
		if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	adds := func(version uint64) uint64 { return statements(version, "current_[a-z]+_add") }
	var lastBuilt queries.Builds
	var stepWith func(name, folder string, allowRejects bool) uint64
	// step loads a folder, reads the figures from the storage tables (the
	// read-only reader, before any build of the new state), builds, and
	// compares; it says how many builds started from the previous state's.
	step := func(name, folder string) uint64 {
		t.Helper()
		return stepWith(name, folder, false)
	}
	stepWith = func(name, folder string, allowRejects bool) uint64 {
		t.Helper()
		loadUnbuiltWith(t, db, allowRejects, folder)
		v, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := reader.CurrentBuild(ctx, v); err != nil || b.Outcomes != 0 { // every step loads outcomes
			t.Fatalf("%s: built before the writer built: %+v, %v", name, b, err)
		}
		fromStorage := answers(t, reader, v)
		built, err := db.CurrentBuild(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		lastBuilt = built
		if got := answers(t, db, v); got != fromStorage {
			t.Fatalf("%s: the figures from the builds differ from the storage tables'", name)
		}
		// The rows a build from every current row holds.
		for kind, id := range map[string]uint64{"activity": built.Activity, "training": built.Training, "outcomes": built.Outcomes} {
			whole, err := queries.BuildWhole(ctx, db, kind, v)
			if err != nil {
				t.Fatal(err)
			}
			// FTE is a sum of decimals in floating point, whose last bits
			// depend on the order the server adds them in (the figures
			// settle it: steadySum); the rest is exact.
			cols := "*"
			if kind == "activity" {
				cols = "build, month, area_code, returns, referrals, accepted, supported, caseload, headcount, round(fte, 9) AS fte, waits, providers"
			}
			rowsOf := func(build uint64) string {
				var s string
				if err := db.QueryRow(ctx, fmt.Sprintf("SELECT toString(groupArray(r)) FROM (SELECT tuple(*) AS r FROM (SELECT %s FROM %s_current WHERE build = %d) ORDER BY month, area_code)", cols, kind, build)).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return strings.ReplaceAll(s, fmt.Sprint(build), "BUILD")
			}
			if a, b := rowsOf(id), rowsOf(whole); a != b || len(a) < 1000 {
				t.Errorf("%s: the %s build (%d chars) differs from a whole build (%d chars)", name, kind, len(a), len(b))
			}
		}
		return adds(v)
	}

	if n := step("first months", splitSample(t, dir, true, func(l string) bool { return !last(l) }, same)); n != 0 {
		t.Errorf("the first state was built from another: %d", n)
	}
	if n := step("a new month", splitSample(t, dir, false, last, same)); n != 3 {
		t.Errorf("a new month's three kinds: %d builds from the previous state, want 3", n)
	}
	if n := step("a new provider", splitSample(t, dir, false, ofFirstProvider, newProvider)); n != 3 {
		t.Errorf("a new provider's three kinds: %d builds from the previous state, want 3", n)
	}
	// A new month committed as partial: a duplicated key's rows left out by
	// a copy of the load's rows under a new seq (etl/load.go), which is the
	// load its kind's build starts from. Made from the last month, moved on.
	nextMonth := func(l string) string { return "2025-07" + strings.TrimPrefix(l, "2025-06") }
	partial := splitSample(t, dir, false, last, nextMonth)
	b, err := os.ReadFile(filepath.Join(partial, "activity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if err := os.WriteFile(filepath.Join(partial, "activity.csv"), []byte(string(b)+lines[1]+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := stepWith("a partial new month", partial, true); n != 3 {
		t.Errorf("a partial new month's three kinds: %d builds from the previous state, want 3", n)
	}
	// A correction of a month already loaded, in each summed kind,
	// supersedes rows: its build starts from the previous state's, the
	// months and PCNs it has rows in summed again from their current rows
	// (current_<kind>.sql "touched"), the others copied.
	fix := t.TempDir()
	text := "month,area_code,provider_code,outcome,people,cohort\n"
	for _, r := range readCSV(t, filepath.Join(dir, "outcomes.csv")) {
		if r["month"] == "2025-06" && r["outcome"] == "entered_employment" {
			text += r["month"] + "," + r["area_code"] + "," + r["provider_code"] + ",entered_employment,0," + r["cohort"] + "\n"
		}
	}
	if err := os.WriteFile(filepath.Join(fix, "outcomes.csv"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// Activity: a few PCNs' 2025-06 returns with another FTE (a float
	// summed again with the other providers' in the same month and PCN).
	activity, err := os.ReadFile(filepath.Join(dir, "activity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text = ""
	for i, l := range strings.Split(strings.TrimSpace(string(activity)), "\n") {
		if i == 0 {
			text += l + "\n"
		} else if f := strings.Split(l, ","); f[0] == "2025-06" && f[7] != "0" && len(text) < 2000 {
			f[8] = "0.3" // link_worker_fte, within a headcount of 1 or more
			text += strings.Join(f, ",") + "\n"
		}
	}
	if err := os.WriteFile(filepath.Join(fix, "activity.csv"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	text = "month,area_code,provider_code,module,staff_in_post,staff_trained\n"
	for _, r := range readCSV(t, filepath.Join(dir, "training.csv")) {
		if r["month"] == "2025-06" && r["module"] == "ips_awareness" {
			text += r["month"] + "," + r["area_code"] + "," + r["provider_code"] + ",ips_awareness," + r["staff_in_post"] + ",0\n"
		}
	}
	if err := os.WriteFile(filepath.Join(fix, "training.csv"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := step("a correction", fix); n != 0 {
		t.Errorf("a correction: %d builds adding the load's rows, want 0", n)
	}
	for kind, build := range map[string]uint64{"activity": lastBuilt.Activity, "training": lastBuilt.Training, "outcomes": lastBuilt.Outcomes} {
		if n := statements(build, "current_"+kind+"_copy"); n != 1 {
			t.Errorf("a correction: the %s build copied the previous state's %d times, want once", kind, n)
		}
	}

	// A build whose state changed while it was made (a load committed
	// meanwhile) is not made visible, nor one whose base was reclaimed.
	v, _ := db.DataVersion(ctx)
	before, _ := db.CurrentBuild(ctx, v)
	snap, err := queries.KindSnap(ctx, db, "outcomes", v)
	if err != nil || snap == 0 {
		t.Fatalf("the outcomes state: %d, %v", snap, err)
	}
	if _, err := queries.BuildNamed(ctx, db, "outcomes", snap+1, v); !errors.Is(err, queries.ErrNoBuild) {
		t.Errorf("a build named for another state: %v, want a build not made visible", err)
	}
	if err := queries.CheckBuild(ctx, db, "outcomes", snap, v, 12345); !errors.Is(err, queries.ErrNoBuild) {
		t.Errorf("a build from a base that is not built: %v, want a build not made visible", err)
	}
	if err := queries.CheckBuild(ctx, db, "outcomes", snap, v, before.Outcomes); err != nil {
		t.Errorf("an unchanged state from a built base: %v", err)
	}
	if after, err := db.CurrentBuild(ctx, v); err != nil || after != before {
		t.Errorf("the builds read changed: %+v, want %+v (%v)", after, before, err)
	}
}
