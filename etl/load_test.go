package etl_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"spdash/etl"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// loadRun is the outcome of loading some paths.
type loadRun struct {
	results  []etl.Result
	problems string // what was printed
	report   string // path of the report CSV
	err      error
	log      string // what the loader logged
}

func load(t *testing.T, db *queries.DB, allowRejects bool, paths ...string) loadRun {
	t.Helper()
	return loadWith(t, &etl.Loader{DB: db, AllowRejects: allowRejects}, paths...)
}

// loadWith loads with a loader's settings, filling in its problem log and logger.
func loadWith(t *testing.T, l *etl.Loader, paths ...string) loadRun {
	t.Helper()
	var printed, logged bytes.Buffer
	report := filepath.Join(t.TempDir(), "report.csv")
	pl, err := etl.NewProblemLog(&printed, report, true)
	if err != nil {
		t.Fatal(err)
	}
	files, pathProblems := etl.ExpandPaths(paths, nil)
	if len(pathProblems) > 0 {
		t.Fatalf("paths: %v", pathProblems)
	}
	l.Problems, l.Log = pl, slog.New(slog.NewTextHandler(&logged, nil))
	results, err := l.LoadAll(context.Background(), files, io.Discard)
	if cerr := pl.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	return loadRun{results: results, problems: printed.String(), report: report, err: err, log: logged.String()}
}

func (r loadRun) statuses() []string {
	var s []string
	for _, res := range r.results {
		s = append(s, res.Status)
	}
	return s
}

func mustProblemLog(t *testing.T) *etl.ProblemLog {
	pl, err := etl.NewProblemLog(io.Discard, filepath.Join(t.TempDir(), "report.csv"), false)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func mustLoad(t *testing.T, db *queries.DB, paths ...string) []etl.Result {
	t.Helper()
	run := load(t, db, false, paths...)
	if run.err != nil {
		t.Fatalf("load: %v\n%s", run.err, run.problems)
	}
	for _, r := range run.results {
		if r.Status != etl.ResultLoaded && r.Status != etl.ResultAlreadyLoaded {
			t.Fatalf("%s: status %s, want loaded\n%s", r.Path, r.Status, run.problems)
		}
	}
	return run.results
}

func scalar[T any](t *testing.T, db *queries.DB, query string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(context.Background(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

// csvTotals reads a CSV file independently of the etl package: the number of
// data rows, the sum of each numeric column and the count of empty values.
type csvTotals struct {
	rows  int
	sums  map[string]float64
	empty map[string]int
}

func readTotals(t *testing.T, path string) csvTotals {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	tot := csvTotals{sums: map[string]float64{}, empty: map[string]int{}}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		tot.rows++
		for i, v := range rec {
			if v == "" {
				tot.empty[header[i]]++
				continue
			}
			if x, err := strconv.ParseFloat(v, 64); err == nil && !strings.Contains(header[i], "code") && header[i] != "month" && header[i] != "financial_year" {
				tot.sums[header[i]] += x
			}
		}
	}
	return tot
}

func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-6*max(1, a, -a)
}

// The sample data loads, and every numeric column's sum, every row count and
// every count of unknown values in the views equal the files'.
func TestLoadSampleSumsEqualFiles(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 3, Scale: sample.Demo}); err != nil {
		t.Fatal(err)
	}
	results := mustLoad(t, db, dir)
	if len(results) != 7 || results[0].Kind != "areas" || results[6].Kind != "gpad" {
		t.Fatalf("results = %+v, want 7 files, areas first, the published files last", results)
	}
	for _, kind := range etl.ReturnKindNames() {
		tot := readTotals(t, filepath.Join(dir, kind+".csv"))
		if got := scalar[uint64](t, db, "SELECT count() FROM "+kind); int(got) != tot.rows {
			t.Errorf("%s: %d rows in the view, %d in the file", kind, got, tot.rows)
		}
		for col, want := range tot.sums {
			got := scalar[float64](t, db, "SELECT toFloat64(sum("+col+")) FROM "+kind)
			if !near(got, want) {
				t.Errorf("%s.%s: sum %v in the view, %v in the file", kind, col, got, want)
			}
		}
		for col, want := range tot.empty {
			if got := scalar[uint64](t, db, "SELECT countIf(isNull("+col+")) FROM "+kind); int(got) != want {
				t.Errorf("%s.%s: %d unknown in the view, %d empty in the file", kind, col, got, want)
			}
		}
	}
	// Months are Dates on the first of the month, codes upper-case.
	if n := scalar[uint64](t, db, "SELECT countIf(toDayOfMonth(month) != 1) FROM activity"); n != 0 {
		t.Errorf("%d months not on the 1st", n)
	}

	// Loading the same files again changes nothing and says so.
	before := scalar[uint64](t, db, "SELECT count() FROM load_log")
	for _, r := range mustLoad(t, db, dir) {
		if r.Status != etl.ResultAlreadyLoaded || r.Previous == nil {
			t.Errorf("reload %s: %s, want already loaded", r.Path, r.Status)
		}
	}
	if after := scalar[uint64](t, db, "SELECT count() FROM load_log"); after != before {
		t.Errorf("reload wrote to load_log: %d events, was %d", after, before)
	}
	if n := scalar[uint64](t, db, "SELECT count() FROM loads WHERE status = 'loaded'"); n != 7 {
		t.Errorf("loads: %d loaded, want 7 (five returns, two published files)", n)
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const areasCSV = `area_code,area_name,icb_code,icb_name,region_code,region_name,population,working_age_population,imd_score,long_term_sick_rate
U00001,One PCN,QWO,NHS West Yorkshire ICB,Y63,North East and Yorkshire,50000,30000,40,8
U00002,Two PCN,QWO,NHS West Yorkshire ICB,Y63,North East and Yorkshire,20000,12000,,
U00003,Three PCN,QWE,NHS South West London ICB,Y56,London,60000,40000,12,3
`

const activityHeader = "month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n"

// A corrected file replaces the rows with the same natural key, leaves the
// other keys alone, and can turn a value into unknown.
func TestCorrectionWins(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	mustLoad(t, db, writeFile(t, dir, "areas.csv", areasCSV))
	mustLoad(t, db, writeFile(t, dir, "activity_v1.csv", activityHeader+
		"2024-07,U00001,P1,100,90,80,300,4,3.5,12\n"+
		"2024-07,U00002,P1,10,9,8,30,1,1,5\n"+
		"2024-08,U00001,P1,110,95,85,310,4,3.5,11\n"))
	mustLoad(t, db, writeFile(t, dir, "activity_v2.csv", activityHeader+
		"2024-07,U00001,P1,200,190,180,400,5,4.5,\n"+ // corrected, wait now unknown
		"2024-09,U00003,P9,1,1,1,1,1,1,1\n")) // new key
	type row struct {
		Received uint32
		Wait     *float64
	}
	get := func(month, area string) (row, uint64) {
		var r row
		n := scalar[uint64](t, db, "SELECT count() FROM activity WHERE month = toDate(?) AND area_code = ?", month, area)
		if n == 1 {
			if err := db.QueryRow(context.Background(), "SELECT referrals_received, median_wait_days FROM activity WHERE month = toDate(?) AND area_code = ?", month, area).Scan(&r.Received, &r.Wait); err != nil {
				t.Fatal(err)
			}
		}
		return r, n
	}
	if r, n := get("2024-07-01", "U00001"); n != 1 || r.Received != 200 || r.Wait != nil {
		t.Errorf("corrected key: %d rows, %+v; want one row, 200 received, unknown wait", n, r)
	}
	if r, n := get("2024-08-01", "U00001"); n != 1 || r.Received != 110 || r.Wait == nil || *r.Wait != 11 {
		t.Errorf("untouched key: %d rows, %+v", n, r)
	}
	if _, n := get("2024-07-01", "U00002"); n != 1 {
		t.Errorf("untouched key U00002: %d rows", n)
	}
	if total := scalar[uint64](t, db, "SELECT count() FROM activity"); total != 4 {
		t.Errorf("activity has %d rows, want 4", total)
	}

	// Reloading v1 is "already loaded" and changes nothing; --force makes it the newest again.
	run := load(t, db, false, filepath.Join(dir, "activity_v1.csv"))
	if run.results[0].Status != etl.ResultAlreadyLoaded {
		t.Fatalf("reload of v1: %s", run.results[0].Status)
	}
	if r, _ := get("2024-07-01", "U00001"); r.Received != 200 {
		t.Fatalf("an already-loaded file changed the data: %+v", r)
	}
	forced := &etl.Loader{DB: db, Force: true, Problems: mustProblemLog(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	kind, _ := etl.LookupKind("activity")
	if res, err := forced.LoadFile(context.Background(), etl.File{Path: filepath.Join(dir, "activity_v1.csv"), Kind: kind}); err != nil || res.Status != etl.ResultLoaded {
		t.Fatalf("forced reload: %v %s", err, res.Status)
	}
	if r, _ := get("2024-07-01", "U00001"); r.Received != 100 || r.Wait == nil || *r.Wait != 12 {
		t.Fatalf("after a forced reload of v1: %+v, want 100 received, wait 12", r)
	}

	// An areas load replaces the whole table.
	mustLoad(t, db, writeFile(t, dir, "areas_v2.csv", strings.Join(strings.Split(areasCSV, "\n")[:2], "\n")+"\n"))
	if codes := scalar[[]string](t, db, "SELECT groupArray(area_code) FROM areas"); len(codes) != 1 || codes[0] != "U00001" {
		t.Errorf("areas after replacement: %v, want [U00001]", codes)
	}
}

// In strict mode a duplicate found by the server's check (the client's set
// overflowed) refuses the file like one found by the client.
func TestDuplicateFoundByServerCheck(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	mustLoad(t, db, writeFile(t, dir, "areas.csv", areasCSV))
	path := writeFile(t, dir, "activity.csv", activityHeader+
		"2024-07,U00001,P1,100,90,80,300,4,3.5,12\n"+
		"2024-08,U00001,P1,100,90,80,300,4,3.5,12\n"+
		"2024-09,U00001,P1,100,90,80,300,4,3.5,12\n"+
		"2024-07,u00001,p1,1,1,1,1,1,1,1\n")
	run := loadWith(t, &etl.Loader{DB: db, MaxClientKeys: 2}, path)
	if run.err != nil || run.results[0].Status != etl.ResultInvalid {
		t.Fatalf("status %v, err %v", run.statuses(), run.err)
	}
	for _, want := range []string{path + ":2: month+area_code+provider_code: duplicate natural key, also on line 5 (2024-07, U00001, P1)",
		path + ":5: month+area_code+provider_code: duplicate natural key, also on line 2"} {
		if !strings.Contains(run.problems, want) {
			t.Errorf("printed\n%s\nwant %q", run.problems, want)
		}
	}
	if n := scalar[uint64](t, db, "SELECT count() FROM activity"); n != 0 {
		t.Errorf("%d rows visible", n)
	}
	// Without duplicates, an overflowing set leaves the check to the server, which finds none.
	ok := writeFile(t, dir, "activity_ok.csv", activityHeader+
		"2024-07,U00001,P1,100,90,80,300,4,3.5,12\n2024-08,U00001,P1,100,90,80,300,4,3.5,12\n2024-09,U00001,P1,1,1,1,1,1,1,1\n")
	if run := loadWith(t, &etl.Loader{DB: db, MaxClientKeys: 2}, ok); run.err != nil || run.results[0].Status != etl.ResultLoaded {
		t.Fatalf("no duplicates, server check: %v %v\n%s", run.statuses(), run.err, run.problems)
	}
}

// A file whose key hashes spill past the memory bound: a duplicate whose
// lines are far apart is still found and reported with both lines, and a
// file without one loads, with no server check needed.
func TestDuplicateFoundAfterSpill(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	t.Setenv("TMPDIR", t.TempDir())
	mustLoad(t, db, writeFile(t, dir, "areas.csv", areasCSV))
	var b strings.Builder
	b.WriteString(activityHeader)
	for i := range 600 {
		fmt.Fprintf(&b, "2024-07,U00001,P%d,100,90,80,300,4,3.5,12\n", i)
	}
	clean := b.String()
	if run := loadWith(t, &etl.Loader{DB: db, MemClientKeys: 16}, writeFile(t, dir, "activity_ok.csv", clean)); run.err != nil || run.results[0].Status != etl.ResultLoaded {
		t.Fatalf("no duplicates, spilled: %v %v\n%s", run.statuses(), run.err, run.problems)
	}
	path := writeFile(t, dir, "activity.csv", clean+"2024-07,U00001,p3,1,1,1,1,1,1,1\n")
	run := loadWith(t, &etl.Loader{DB: db, MemClientKeys: 16}, path)
	if run.err != nil || run.results[0].Status != etl.ResultInvalid {
		t.Fatalf("status %v, err %v", run.statuses(), run.err)
	}
	if want := path + ":5: month+area_code+provider_code: duplicate natural key, also on line 602"; !strings.Contains(run.problems, want) {
		t.Errorf("printed\n%s\nwant %q", run.problems, want)
	}

	// A temporary folder that cannot be written: the server checks instead,
	// and finds the same duplicate.
	t.Setenv("TMPDIR", filepath.Join(dir, "missing"))
	run = loadWith(t, &etl.Loader{DB: db, MemClientKeys: 16}, path)
	if run.err != nil || run.results[0].Status != etl.ResultInvalid {
		t.Fatalf("no spill: status %v, err %v", run.statuses(), run.err)
	}
	if want := path + ":602: month+area_code+provider_code: duplicate natural key, also on line 5"; !strings.Contains(run.problems, want) {
		t.Errorf("no spill: printed\n%s\nwant %q", run.problems, want)
	}
	if want := `msg="the server checks the file's keys for duplicates"`; !strings.Contains(run.log, want) || !strings.Contains(run.log, "a file for the key hashes") {
		t.Errorf("no spill: the log does not say why the server checks:\n%s", run.log)
	}
}

// The awkward but valid files of testdata/awkward load exactly.
func TestAwkwardFilesLoadExactly(t *testing.T) {
	db := testdb.New(t)
	run := load(t, db, false, "testdata/awkward")
	if run.err != nil {
		t.Fatal(run.err)
	}
	want := []string{"loaded", "loaded", "loaded", "loaded", "loaded"}
	if got := run.statuses(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("statuses %v, want %v\n%s", got, want, run.problems)
	}
	if !strings.Contains(run.problems, "Notes: warning: unknown column, ignored") {
		t.Errorf("no warning for the unknown column; printed:\n%s", run.problems)
	}
	names := scalar[[]string](t, db, "SELECT groupArray(area_name) FROM (SELECT area_name FROM areas ORDER BY area_code)")
	wantNames := []string{`Bradford, City "4" PCN`, "Haworth, Brontë Moor PCN", "Crème Brûlée\nRiverside PCN"}
	if strings.Join(names, "|") != strings.Join(wantNames, "|") {
		t.Errorf("area names %q, want %q", names, wantNames)
	}
	if codes := scalar[[]string](t, db, "SELECT groupArray(area_code) FROM (SELECT area_code FROM areas ORDER BY area_code)"); strings.Join(codes, ",") != "U00001,U00002,U00003" {
		t.Errorf("area codes %v", codes)
	}
	if n := scalar[uint64](t, db, "SELECT countIf(isNull(imd_score) AND isNull(long_term_sick_rate)) FROM areas WHERE area_code = 'U00002'"); n != 1 {
		t.Error("empty optional values are not unknown")
	}
	if p := scalar[uint32](t, db, "SELECT population FROM areas WHERE area_code = 'U00003'"); p != 61000 {
		t.Errorf("population with spaces = %d", p)
	}
	if s := scalar[string](t, db, "SELECT arrayStringConcat(groupArray(provider_code), ',') FROM (SELECT provider_code FROM activity ORDER BY provider_code)"); s != "P-01,P-02,P_03" {
		t.Errorf("provider codes %s", s)
	}
	if r := scalar[uint64](t, db, "SELECT toUInt64(sum(referrals_received)) FROM activity"); r != 130 {
		t.Errorf("referrals %d, want 130", r)
	}
	if s := scalar[string](t, db, "SELECT arrayStringConcat(groupArray(toString(outcome)), ',') FROM (SELECT outcome FROM outcomes ORDER BY outcome)"); s != "entered_employment,entered_volunteering,improved_wellbeing" {
		t.Errorf("outcomes %s", s)
	}
	if s := scalar[string](t, db, "SELECT toString(sum(amount_gbp)) FROM funding"); s != "154100.49" {
		t.Errorf("funding total %s, want 154100.49", s)
	}
	if n := scalar[uint64](t, db, "SELECT count() FROM training"); n != 2 {
		t.Errorf("training rows %d", n)
	}
}

// viewCounts is the number of rows in every analyst view, to show that a
// refused load changed nothing.
func viewCounts(t *testing.T, db *queries.DB) string {
	var parts []string
	for _, k := range append(etl.ReturnKindNames(), "workforce_published", "appointments_published") {
		parts = append(parts, k+"="+strconv.FormatUint(scalar[uint64](t, db, "SELECT count() FROM "+k), 10))
	}
	return strings.Join(parts, " ")
}

// Every kind of malformed file is refused with its line, and nothing changes.
func TestMalformedFilesLoadNothing(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	mustLoad(t, db, writeFile(t, dir, "areas.csv", areasCSV))
	mustLoad(t, db, writeFile(t, dir, "activity_good.csv", activityHeader+"2024-07,U00001,P1,100,90,80,300,4,3.5,12\n"))

	cases := []struct {
		name, text, want string
	}{
		{"activity_missing_column.csv", "month,area_code\n2024-07,U00001\n", ":1: provider_code: required column is missing"},
		{"activity_bad_month.csv", activityHeader + "2024-07,U00001,P2,1,1,1,1,1,1,1\n2024-13,U00001,P3,1,1,1,1,1,1,1\n", ":3: month: must be a month"},
		{"activity_accepted.csv", activityHeader + "2024-07,U00001,P2,5,6,1,1,1,1,1\n", ":2: referrals_accepted: must be ≤ referrals_received"},
		{"activity_fte.csv", activityHeader + "2024-07,U00001,P2,5,5,1,1,1,1.5,1\n", ":2: link_worker_fte: must be ≤ link_worker_headcount"},
		{"activity_unknown_area.csv", activityHeader + "2024-07,U99999,P2,5,5,1,1,1,1,1\n", ":2: area_code: is not in the loaded areas; load an areas file that lists it first (U99999)"},
		{"activity_duplicate.csv", activityHeader + "2024-07,U00001,P2,5,5,1,1,1,1,1\n2024-07,u00001,p2,6,5,1,1,1,1,1\n", ":3: month+area_code+provider_code: duplicate natural key, also on line 2"},
		{"activity_fields.csv", activityHeader + "2024-07,U00001,P2,5,5,1,1,1,1\n", ":2: row: has 9 fields but the header has 10"},
		{"activity_quote.csv", activityHeader + "2024-07,U00001,P\"2,5,5,1,1,1,1,1\n", ":2: row: CSV syntax"},
		{"activity_utf8.csv", activityHeader + "2024-07,U00001,P2,5,5,1,1,1,1,\xff\n", ":2: median_wait_days: is not valid UTF-8"},
		{"activity_negative.csv", activityHeader + "2024-07,U00001,P2,-5,5,1,1,1,1,1\n", ":2: referrals_received: must be ≥ 0"},
		{"activity_thousands.csv", activityHeader + "2024-07,U00001,P2,\"1,000\",5,1,1,1,1,1\n", ":2: referrals_received: must be a whole number without thousands separators"},
		{"activity_empty.csv", "", ":1: the file is empty"},
		{"activity_not_gzip.csv.gz", activityHeader, ": the name ends in .gz but the file is not gzip data"},
		{"training_module.csv", "month,area_code,provider_code,module,staff_in_post,staff_trained\n2024-07,U00001,P1,knitting,3,1\n", ":2: module: must be one of employment_support"},
		{"training_trained.csv", "month,area_code,provider_code,module,staff_in_post,staff_trained\n2024-07,U00001,P1,ips_awareness,3,4\n", ":2: staff_trained: must be ≤ staff_in_post"},
		{"outcomes_cohort.csv", "month,area_code,provider_code,outcome,people,cohort\n2024-07,U00001,P1,entered_employment,5,4\n", ":2: cohort: must be ≥ people"},
		{"funding_pence.csv", "financial_year,area_code,stream,amount_gbp\n2024-25,U00001,arrs,10.005\n", ":2: amount_gbp: must have at most 2 decimal places"},
		{"funding_year.csv", "financial_year,area_code,stream,amount_gbp\n2024-26,U00001,arrs,10\n", ":2: financial_year: the second year must follow the first"},
		{"areas_region.csv", strings.Replace(areasCSV, "U00002,Two PCN,QWO,NHS West Yorkshire ICB,Y63", "U00002,Two PCN,QWO,NHS West Yorkshire ICB,Y56", 1), ":3: region_code: ICB QWO is in region Y63 on line 2"},
		{"areas_working_age.csv", strings.Replace(areasCSV, "50000,30000", "50000,60000", 1), ":2: working_age_population: must be ≤ population"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), c.name, c.text)
			for _, allow := range []bool{false, true} {
				before := viewCounts(t, db)
				run := load(t, db, allow, path)
				if run.err != nil {
					t.Fatalf("load: %v", run.err)
				}
				if !strings.Contains(run.problems, path+c.want) {
					t.Errorf("allow-rejects=%v: printed\n%s\nwant it to contain %q", allow, run.problems, path+c.want)
				}
				status := run.results[0].Status
				if !allow && status != etl.ResultInvalid {
					t.Errorf("strict: status %s, want invalid", status)
				}
				if allow && status == etl.ResultLoaded {
					t.Errorf("allow-rejects: status loaded despite problems")
				}
				if status == etl.ResultInvalid {
					if after := viewCounts(t, db); after != before {
						t.Errorf("views changed: %s, were %s", after, before)
					}
				}
			}
		})
	}
	if n := scalar[uint64](t, db, "SELECT count() FROM loads WHERE status = 'failed'"); n < uint64(len(cases)) {
		t.Errorf("loads records %d failed loads, want at least %d", n, len(cases))
	}
}

// --allow-rejects loads the valid rows, records the rejected ones, and leaves
// out both lines of a duplicated key: whether the client's key set sees the
// repeat, or has overflowed and leaves it to the server (MaxClientKeys 2).
func TestAllowRejectsLoadsValidRows(t *testing.T) {
	for _, maxKeys := range []int{0, 2} {
		t.Run(fmt.Sprintf("max client keys %d", maxKeys), func(t *testing.T) { testAllowRejects(t, maxKeys) })
	}
}

func testAllowRejects(t *testing.T, maxKeys int) {
	db := testdb.New(t)
	dir := t.TempDir()
	mustLoad(t, db, writeFile(t, dir, "areas.csv", areasCSV))
	path := writeFile(t, dir, "activity.csv", activityHeader+
		"2024-07,U00001,P1,100,90,80,300,4,3.5,12\n"+ // 2 valid
		"2024-07,U00001,P2,5,6,1,1,1,1,1\n"+ // 3 accepted > received
		"2024-07,U00002,P1,10,9,8,30,1,1,5\n"+ // 4 duplicate of 6
		"2024-08,U00002,P1,10,9,8,30,1,1,5\n"+ // 5 valid
		"2024-07,U00002,P1,11,9,8,30,1,1,5\n"+ // 6 duplicate of 4
		"2024-08,U09999,P1,10,9,8,30,1,1,5\n") // 7 unknown area
	run := loadWith(t, &etl.Loader{DB: db, AllowRejects: true, MaxClientKeys: maxKeys}, path)
	if run.err != nil {
		t.Fatal(run.err)
	}
	r := run.results[0]
	if r.Status != etl.ResultPartial || r.RowsRead != 6 || r.RowsLoaded != 2 || r.RowsRejected != 4 {
		t.Fatalf("result %+v, want partial, 6 read, 2 loaded, 4 rejected\n%s", r, run.problems)
	}
	got := scalar[[]uint32](t, db, "SELECT groupArray(referrals_received) FROM (SELECT referrals_received FROM activity ORDER BY month, area_code)")
	if len(got) != 2 || got[0] != 100 || got[1] != 10 {
		t.Errorf("visible rows received %v, want [100 10]", got)
	}
	lines := scalar[[]uint32](t, db, "SELECT groupArray(line) FROM (SELECT line FROM rejects ORDER BY line)")
	if len(lines) != 4 || lines[0] != 3 || lines[1] != 4 || lines[2] != 6 || lines[3] != 7 {
		t.Errorf("rejects lines %v, want [3 4 6 7]", lines)
	}
	if s := scalar[string](t, db, "SELECT status FROM loads WHERE load_id = ?", r.LoadID); s != "partial" {
		t.Errorf("loads status %s", s)
	}
	if n := scalar[uint64](t, db, "SELECT rows_rejected FROM loads WHERE load_id = ?", r.LoadID); n != 4 {
		t.Errorf("loads rows_rejected %d", n)
	}
	// The report holds every problem.
	b, err := os.ReadFile(run.report)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || strings.Join(recs[0], ",") != "file,line,column,value,reason" {
		t.Errorf("report:\n%s", b)
	}
}

// A file is one INSERT sent in blocks: the server gathers the blocks into
// parts of etl.PartBatches blocks, so a file of many batches makes a part
// per partition (year) of each gathered block, not one per batch, and every
// row arrives.
func TestAFileIsOneInsertOfManyBlocks(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 7, Scale: sample.Demo}); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, db, filepath.Join(dir, "areas.csv"))
	path := filepath.Join(dir, "outcomes.csv")
	want := readTotals(t, path)
	kind, _ := etl.LookupKind("outcomes")
	const batch = 100
	l := &etl.Loader{DB: db, Problems: mustProblemLog(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BatchRows: batch}
	res, err := l.LoadFile(context.Background(), etl.File{Path: path, Kind: kind})
	if err != nil || res.Status != etl.ResultLoaded {
		t.Fatalf("load: %s, %v", res.Status, err)
	}
	batches, gathered := (want.rows+batch-1)/batch, (want.rows+batch*etl.PartBatches-1)/(batch*etl.PartBatches)
	if gathered < 2 || batches < 4*gathered {
		t.Fatalf("the file has %d rows: %d batches gathered into %d blocks cannot tell them apart", want.rows, batches, gathered)
	}
	if n := scalar[uint64](t, db, "SELECT count() FROM outcomes"); int(n) != want.rows {
		t.Fatalf("%d rows in the view, %d in the file", n, want.rows)
	}
	// A gathered block makes a part per year it has rows of. Level 0
	// parts are those inserts made (merges make higher levels); the ones
	// merged away stay listed, inactive, for minutes.
	years := scalar[uint64](t, db, "SELECT uniqExact(toYear(month)) FROM outcomes_rows")
	parts := scalar[uint64](t, db, "SELECT count() FROM system.parts WHERE database = ? AND table = 'outcomes_rows' AND level = 0", db.Database())
	if most := uint64(gathered) * years; parts > most {
		t.Errorf("the load made %d parts of %d rows in %d batches (%d gathered blocks, %d years): one INSERT per batch?", parts, want.rows, batches, gathered, years)
	}
}

// A load whose default-period builds are made but cannot be packed
// (migration 014) says so, not that they were not built: pages read the
// builds' rows. The packs' table is renamed away to make the insert fail.
func TestAPackFailureIsReportedAsSuch(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 5, Scale: sample.Demo}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.Exec(ctx, "RENAME TABLE current_packs TO packs_away"); err != nil {
		t.Fatal(err)
	}
	run := load(t, db, false, dir)
	if run.err != nil {
		t.Fatalf("load: %v\n%s", run.err, run.problems)
	}
	if !strings.Contains(run.log, "built after the load, but not packed") {
		t.Fatalf("the loader's log does not say the builds were made but not packed:\n%s", run.log)
	}
	if strings.Contains(run.log, "figures, months and range were not built after the load") {
		t.Fatalf("the loader's log says the builds were not made:\n%s", run.log)
	}
	for _, kind := range []string{"period", "months"} {
		if n := scalar[uint64](t, db, "SELECT count() FROM current_builds WHERE kind = ? AND event = 'built'", kind); n == 0 {
			t.Errorf("no %s build named built after the load", kind)
		}
	}
}
