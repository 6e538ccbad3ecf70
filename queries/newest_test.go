package queries_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"spdash/etl"
	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// viewCols are the columns of each analysts' view (DATA_CONTRACT.md), as
// text: a NULL wait is told from every number.
var viewCols = map[string]string{
	"activity": "toString(month), area_code, provider_code, toString(referrals_received), toString(referrals_accepted), " +
		"toString(people_supported), toString(active_caseload), toString(link_worker_headcount), toString(link_worker_fte), " +
		"ifNull(toString(median_wait_days), 'NULL')",
	"training": "toString(month), area_code, provider_code, toString(module), toString(staff_in_post), toString(staff_trained)",
	"outcomes": "toString(month), area_code, provider_code, toString(outcome), toString(people), toString(cohort)",
	"funding":  "financial_year, area_code, toString(stream), toString(amount_gbp)",
}

// viewAgainstStorage compares a kind's analysts' view with the current rows
// read from its storage table as migration 003's views read them (rows of
// committed loads that no committed load supersedes): their counts and a
// hash of every row. It returns the view's row count.
func viewAgainstStorage(t *testing.T, db *queries.DB, kind string) uint64 {
	t.Helper()
	ctx := context.Background()
	sum := func(from string) (n, h uint64) {
		q := fmt.Sprintf("SELECT count(), sum(cityHash64(%s)) FROM %s", viewCols[kind], from)
		if err := db.QueryRow(ctx, q).Scan(&n, &h); err != nil {
			t.Fatal(err)
		}
		return n, h
	}
	committed := fmt.Sprintf("(SELECT seq FROM load_log WHERE kind = '%s' AND status IN ('loaded', 'partial'))", kind)
	storage := fmt.Sprintf("(SELECT * FROM %s_rows WHERE load_seq IN %s AND (load_seq, line) NOT IN (SELECT load_seq, line FROM superseded_rows WHERE by_seq IN %s))",
		kind, committed, committed)
	vn, vh := sum(kind)
	sn, sh := sum(storage)
	if vn != sn || vh != sh {
		t.Fatalf("the %s view holds %d rows (hash %d), the storage table's current rows are %d (hash %d)", kind, vn, vh, sn, sh)
	}
	return vn
}

// heldAndState reads the state a kind's newest rows name (their marker) and
// the kind's state now (the snapshot of its committed loads).
func heldAndState(t *testing.T, db *queries.DB, kind string) (held, state uint64) {
	t.Helper()
	ctx := context.Background()
	if err := db.QueryRow(ctx, "SELECT argMax(load_seq, line) AS s FROM "+kind+"_newest WHERE marker = 1").Scan(&held); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, "SELECT sum(intHash64(seq)) AS s FROM load_log WHERE kind = ? AND status IN ('loaded', 'partial')", kind).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return held, state
}

// buildTables lists the tables of builds of the newest rows that exist.
func buildTables(t *testing.T, db *queries.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%\\_newest\\_b%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// The analysts' views (migration 012) hold exactly the current rows after
// each kind of load: a first load, a new month, a correction, a partial
// load and a strict load that fails; a new month is built from the
// previous build plus its own rows, a correction from every current row.
func TestTheAnalystsViewsHoldTheCurrentRows(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 21, Scale: sample.Demo, Months: 6, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	same := func(l string) string { return l }
	// How each kind's rows were last built, from their markers: a build
	// that adds a load's rows to the previous build's keeps that build's
	// markers and adds its own; one that reads every row has its own alone.
	markers := map[string]uint64{}
	check := func(step string, want map[string]string) {
		t.Helper()
		for _, kind := range queries.NewestKinds {
			if n := viewAgainstStorage(t, db, kind); n == 0 && step != "no load" {
				t.Fatalf("%s: the %s view is empty", step, kind)
			}
			if held, state := heldAndState(t, db, kind); held != state {
				t.Fatalf("%s: the %s rows are of state %d, the kind's is %d", step, kind, held, state)
			}
			var n uint64
			if err := db.QueryRow(ctx, "SELECT count() FROM "+kind+"_newest WHERE marker = 1").Scan(&n); err != nil {
				t.Fatal(err)
			}
			how := queries.NewestUnchanged
			switch {
			case n == markers[kind]+1:
				how = queries.NewestAdded
			case n == 1 && markers[kind] > 1:
				how = queries.NewestWhole
			case n != markers[kind]:
				t.Fatalf("%s: %s has %d markers, had %d", step, kind, n, markers[kind])
			}
			if want[kind] == "" {
				want[kind] = queries.NewestUnchanged
			}
			if how != want[kind] {
				t.Errorf("%s: the %s rows were %s, want %s", step, kind, how, want[kind])
			}
			markers[kind] = n
		}
		if left := buildTables(t, db); len(left) > 0 {
			t.Errorf("%s: builds' tables left behind: %v", step, left)
		}
	}
	all := func(how string) map[string]string {
		return map[string]string{"activity": how, "training": how, "outcomes": how, "funding": how}
	}
	facts := func(how string) map[string]string { // splitSample's files without areas and funding
		m := all(how)
		delete(m, "funding")
		return m
	}
	// A new database's tables are empty: the state of no load.
	check("no load", map[string]string{})

	// The first loads of each kind, then a new month.
	early := func(l string) bool { return !strings.HasPrefix(l, "2025-06,") }
	loadUnbuilt(t, db, splitSample(t, dir, true, early, same))
	check("the first loads", all(queries.NewestAdded))
	loadUnbuilt(t, db, splitSample(t, dir, false, func(l string) bool { return !early(l) }, same))
	check("a new month", facts(queries.NewestAdded))

	// A correction of one PCN's rows in the new month: every whole number
	// in them goes up by one (rows that become invalid are refused; the
	// rest commit as a partial load and supersede the rows they correct).
	fix := func(l string) string {
		f := strings.Split(l, ",")
		for i := 3; i < len(f); i++ {
			if n, err := strconv.Atoi(f[i]); err == nil {
				f[i] = strconv.Itoa(n + 1)
			}
		}
		return strings.Join(f, ",")
	}
	var area string // the first PCN with returns in the new month
	for _, r := range readCSV(t, filepath.Join(dir, "outcomes.csv")) {
		if r["month"] == "2025-06" {
			area = r["area_code"]
			break
		}
	}
	corrected := splitSample(t, dir, false, func(l string) bool { return !early(l) && strings.Contains(l, ","+area+",") }, fix)
	loadUnbuiltWith(t, db, true, corrected)
	check("a correction", facts(queries.NewestWhole))

	// A strict load with an invalid row loads nothing: the views do not
	// change, and nothing is built.
	before := map[string]uint64{}
	for _, kind := range queries.NewestKinds {
		before[kind], _ = heldAndState(t, db, kind)
	}
	bad := filepath.Join(t.TempDir(), "outcomes.csv")
	if err := os.WriteFile(bad, []byte("month,area_code,provider_code,outcome,people,cohort\n2025-07,"+area+",P00001,entered_employment,5,4\n2025-07,"+area+",P00001,improved_wellbeing,1,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := etltest.Load(t, db, bad)
	if res[0].Status != etl.ResultInvalid {
		t.Fatalf("the invalid file: %s", res[0].Status)
	}
	for _, kind := range queries.NewestKinds {
		if held, _ := heldAndState(t, db, kind); held != before[kind] {
			t.Errorf("a load that failed changed the %s view's state", kind)
		}
	}
	check("a failed load", map[string]string{})

	// The same file with --allow-rejects commits its valid row as partial:
	// the view gets it, built from the previous build.
	loadUnbuiltWith(t, db, true, bad)
	check("a partial load", map[string]string{"outcomes": queries.NewestAdded})
	var n uint64
	if err := db.QueryRow(ctx, "SELECT count() FROM outcomes WHERE month = '2025-07-01'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the partial load's valid row: %d rows in the view, %v", n, err)
	}
}

// A loader stopped between its commit and the build of the views leaves
// them at the state before the load, whole: the next etl load (even of a
// file already loaded), etl cleanup or a plain BuildNewest brings them to
// the newest state. Builds at the same time agree and leave no table
// behind, and cleanup drops a table a stopped build left.
func TestTheAnalystsViewsCatchUpAfterAStoppedLoader(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 22, Scale: sample.Demo, Months: 4, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	early := func(l string) bool { return !strings.HasPrefix(l, "2025-06,") }
	same := func(l string) string { return l }
	etltest.MustLoad(t, db, splitSample(t, dir, true, early, same))
	var before uint64
	if err := db.QueryRow(ctx, "SELECT count() FROM outcomes").Scan(&before); err != nil {
		t.Fatal(err)
	}
	// Keep the views' rows as they are, load a new month, then put them
	// back: what a loader killed right after its commit leaves.
	for _, kind := range queries.NewestKinds {
		for _, q := range []string{"CREATE TABLE " + kind + "_kept AS " + kind + "_newest",
			"ALTER TABLE " + kind + "_kept REPLACE PARTITION tuple() FROM " + kind + "_newest"} {
			if err := db.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	lastMonth := splitSample(t, dir, false, func(l string) bool { return !early(l) }, same)
	etltest.MustLoad(t, db, lastMonth)
	stop := func() {
		t.Helper()
		for _, kind := range queries.NewestKinds {
			if err := db.Exec(ctx, "ALTER TABLE "+kind+"_newest REPLACE PARTITION tuple() FROM "+kind+"_kept"); err != nil {
				t.Fatal(err)
			}
		}
	}
	stop()
	var stale uint64
	if err := db.QueryRow(ctx, "SELECT count() FROM outcomes").Scan(&stale); err != nil || stale != before {
		t.Fatalf("the views after the stop: %d rows, want the %d before the load (%v)", stale, before, err)
	}

	// The same command again: every file is already loaded, and the views
	// catch up.
	for _, r := range etltest.Load(t, db, lastMonth) {
		if r.Status != etl.ResultAlreadyLoaded {
			t.Fatalf("%s: %s", r.Path, r.Status)
		}
	}
	for _, kind := range queries.NewestKinds {
		viewAgainstStorage(t, db, kind)
	}
	var after uint64
	if err := db.QueryRow(ctx, "SELECT count() FROM outcomes").Scan(&after); err != nil || after <= before {
		t.Fatalf("the views after the same command again: %d rows, want more than %d (%v)", after, before, err)
	}

	// etl cleanup catches up too, and drops a stopped build's table (a
	// table of another name is left).
	stop()
	// Builds' tables are named for when they were made: one made two hours
	// ago is a stopped build's, one made now may be a build under way.
	old := fmt.Sprintf("outcomes_newest_b%d_0123456789abcdef", time.Now().Add(-2*time.Hour).Unix())
	recent := fmt.Sprintf("training_newest_b%d_0123456789abcdef", time.Now().Unix())
	for _, q := range []string{"CREATE TABLE " + old + " AS outcomes_newest", "CREATE TABLE " + recent + " AS training_newest",
		"CREATE TABLE outcomes_newest_b1_kept_too AS outcomes_newest"} {
		if err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var out strings.Builder
	if err := etl.Cleanup(ctx, db, time.Hour, time.Hour, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dropped 1 tables of builds") || !strings.Contains(out.String(), "outcomes: brought the analysts' view to the newest loads") {
		t.Errorf("cleanup said:\n%s", out.String())
	}
	if left := buildTables(t, db); strings.Join(left, " ") != "outcomes_newest_b1_kept_too "+recent {
		t.Errorf("after cleanup: %v, want the recent build's table and the one that is not a build's", left)
	}
	for _, name := range []string{recent, "outcomes_newest_b1_kept_too"} {
		if err := db.Exec(ctx, "DROP TABLE "+name); err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range queries.NewestKinds {
		viewAgainstStorage(t, db, kind)
	}

	// Four builds at once from the state before the load: all end with the
	// views at the newest state, and no build's table is left.
	stop()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.BuildNewest(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range queries.NewestKinds {
		viewAgainstStorage(t, db, kind)
		if held, state := heldAndState(t, db, kind); held != state {
			t.Errorf("%s after concurrent builds: state %d, want %d", kind, held, state)
		}
	}
	if left := buildTables(t, db); len(left) != 0 {
		t.Errorf("after concurrent builds: %v", left)
	}
	if b, err := db.BuildNewest(ctx); err != nil || b[0].How != queries.NewestUnchanged || b[2].How != queries.NewestUnchanged {
		t.Errorf("a build with nothing new: %+v, %v", b, err)
	}

	// A swap waits while another holds the lock, and goes on when it is
	// released; cleanup releases a lock held longer than keep.
	stop()
	if err := db.Exec(ctx, "CREATE TABLE outcomes_newest_lock (held UInt8) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := db.BuildNewest(ctx, "outcomes"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("the build swapped while the lock was held: %v", err)
	case <-time.After(time.Second):
	}
	if n, err := db.DropStaleNewestLocks(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("cleanup released a lock held for a second, keeping an hour: %d, %v", n, err)
	}
	if n, err := db.DropStaleNewestLocks(ctx, 0); err != nil || n != 1 {
		t.Fatalf("cleanup released %d locks, want 1: %v", n, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	viewAgainstStorage(t, db, "outcomes")
}

// A merge of a kind's newest rows that finishes after a swap into them
// would, on 18.16, put the parts it merged back beside the new ones (every
// old row again, under a marker that says the table is current): a swap
// stops the table's merges and waits for those running. Here a merge is
// started (OPTIMIZE … FINAL) at staggered moments around the swap of a
// build from the state before a load.
func TestTheAnalystsViewsSwapWhileAMergeRuns(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 23, Scale: sample.National, Months: 3, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if err := db.Exec(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	early := func(l string) bool { return !strings.HasPrefix(l, "2025-06,") }
	same := func(l string) string { return l }
	etltest.MustLoad(t, db, splitSample(t, dir, true, early, same))
	exec("CREATE TABLE outcomes_kept AS outcomes_newest")
	exec("ALTER TABLE outcomes_kept REPLACE PARTITION tuple() FROM outcomes_newest")
	etltest.MustLoad(t, db, splitSample(t, dir, false, func(l string) bool { return !early(l) }, same))
	for i := 0; i < 10; i++ {
		// The state before the last load, in two parts (something to
		// merge), put back with merges stopped.
		exec("SYSTEM STOP MERGES outcomes_newest")
		exec("ALTER TABLE outcomes_newest REPLACE PARTITION tuple() FROM outcomes_kept")
		exec("INSERT INTO outcomes_newest (load_seq, line, marker) SELECT 0, 0, 1")
		exec("SYSTEM START MERGES outcomes_newest")
		merged := make(chan error, 1)
		go func(after time.Duration) {
			time.Sleep(after)
			merged <- db.Exec(ctx, "OPTIMIZE TABLE outcomes_newest FINAL") // cancelled when the swap stops merges
		}(time.Duration(i*8) * time.Millisecond)
		if _, err := db.BuildNewest(ctx, "outcomes"); err != nil {
			t.Fatal(err)
		}
		<-merged
		time.Sleep(200 * time.Millisecond) // a merge the swap did not stop would have finished
		viewAgainstStorage(t, db, "outcomes")
		if held, state := heldAndState(t, db, "outcomes"); held != state {
			t.Fatalf("round %d: the rows are of state %d, the kind's is %d", i, held, state)
		}
	}
}

// A database with data loaded before migration 012 gets its views' rows
// built by Migrate, before migration 013 points the views at them: the
// views hold the same rows before and after the upgrade.
func TestMigrationBuildsTheViewsRowsOfDataAlreadyLoaded(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 24, Scale: sample.Demo, Months: 4, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	etltest.MustLoad(t, db, dir)
	// A correction, so that some stored rows are superseded.
	area := readCSV(t, filepath.Join(dir, "outcomes.csv"))[0]["area_code"]
	loadUnbuiltWith(t, db, true, splitSample(t, dir, false, func(l string) bool { return strings.Contains(l, ","+area+",") }, func(l string) string {
		f := strings.Split(l, ",")
		if n, err := strconv.Atoi(f[len(f)-1]); err == nil {
			f[len(f)-1] = strconv.Itoa(n + 1)
		}
		return strings.Join(f, ",")
	}))
	// Back to the schema before migration 012: migration 003's views, no
	// tables of current rows, 012 and 013 not recorded.
	ms, err := queries.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var before []string
	for _, m := range ms {
		if m.Version != 3 {
			continue
		}
		for _, stmt := range m.Statements {
			for _, kind := range queries.NewestKinds {
				if strings.Contains(stmt, "CREATE VIEW "+kind+" AS") {
					before = append(before, "DROP TABLE IF EXISTS "+kind, stmt)
				}
			}
		}
	}
	for _, kind := range queries.NewestKinds {
		before = append(before, "DROP TABLE "+kind+"_newest")
	}
	before = append(before, "ALTER TABLE schema_migrations DELETE WHERE version >= 12")
	for _, q := range before {
		if err := db.Exec(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var n uint64
		if err := db.QueryRow(ctx, "SELECT count() FROM schema_migrations WHERE version >= 12").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the migrations' records were not deleted within 30 s")
		}
	}
	counts := map[string]uint64{}
	for _, kind := range queries.NewestKinds {
		counts[kind] = viewAgainstStorage(t, db, kind) // migration 003's views
	}
	if n, err := db.Migrate(ctx); err != nil || n != len(ms)-11 {
		t.Fatalf("Migrate applied %d migrations, %v; want 012 to %03d", n, err, ms[len(ms)-1].Version)
	}
	for _, kind := range queries.NewestKinds {
		if n := viewAgainstStorage(t, db, kind); n != counts[kind] || n == 0 {
			t.Errorf("%s: %d rows after the upgrade, %d before", kind, n, counts[kind])
		}
		if held, state := heldAndState(t, db, kind); held != state {
			t.Errorf("%s: the rows are of state %d, the kind's is %d", kind, held, state)
		}
		var def string
		if err := db.QueryRow(ctx, "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = ?", kind).Scan(&def); err != nil || !strings.Contains(def, kind+"_newest") {
			t.Errorf("%s: the view after the upgrade reads %q (%v)", kind, def, err)
		}
	}
}
