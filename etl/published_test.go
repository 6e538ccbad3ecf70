package etl_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"spdash/etl"
	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// The real samples of the two published NHS files (Open Government Licence;
// etl/testdata/nhs-published/README.md) and their hand-checked totals.
var (
	nhsDir          = etltest.NHSDir()
	workforceSample = filepath.Join(nhsDir, "pcn_workforce_individual_sample.csv")
	gpadSample      = filepath.Join(nhsDir, "gpad_practice_level_crosstab_sample.csv")
	samplesAreas    = filepath.Join(nhsDir, "areas_for_samples.csv")
)

type expected = etltest.Expected

func readExpected(t *testing.T) expected { return etltest.ReadExpected(t) }

// loadKind loads paths as kind (nil: by name) and returns the run.
func loadKind(t *testing.T, db *queries.DB, kind string, allowRejects bool, paths ...string) loadRun {
	t.Helper()
	var k *etl.Kind
	if kind != "" {
		var err error
		if k, err = etl.LookupKind(kind); err != nil {
			t.Fatal(err)
		}
	}
	var printed, summaries bytes.Buffer
	report := filepath.Join(t.TempDir(), "report.csv")
	pl, err := etl.NewProblemLog(&printed, report, true)
	if err != nil {
		t.Fatal(err)
	}
	files, pathProblems := etl.ExpandPaths(paths, k)
	if len(pathProblems) > 0 {
		t.Fatalf("paths: %v", pathProblems)
	}
	l := &etl.Loader{DB: db, AllowRejects: allowRejects, Problems: pl, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	results, err := l.LoadAll(context.Background(), files, &summaries)
	if cerr := pl.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	return loadRun{results: results, problems: printed.String() + summaries.String(), report: report, err: err}
}

func mustLoadKind(t *testing.T, db *queries.DB, kind string, paths ...string) loadRun {
	t.Helper()
	run := loadKind(t, db, kind, false, paths...)
	if run.err != nil {
		t.Fatalf("load: %v\n%s", run.err, run.problems)
	}
	for _, r := range run.results {
		if r.Status != etl.ResultLoaded && r.Status != etl.ResultAlreadyLoaded {
			t.Fatalf("%s: %s\n%s", r.Path, r.Status, run.problems)
		}
	}
	return run
}

// censusByPCN reads the workforce_published view: FTE, mental-health FTE,
// contracted FTE and distinct staff per PCN.
func censusByPCN(t *testing.T, db *queries.DB) (fte, mh, contracted, hc map[string]float64) {
	t.Helper()
	fte, mh, contracted, hc = map[string]float64{}, map[string]float64{}, map[string]float64{}, map[string]float64{}
	rows, err := db.Query(context.Background(), `
		SELECT area_code, sum(fte), sumIf(fte, role = 'mental_health'), sumIf(fte, data_source = 'NWRS contracted services'),
		       uniqExactIf(unique_identifier, data_source = 'NWRS Staff' AND unique_identifier != '')
		FROM workforce_published GROUP BY area_code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var f, m, c float64
		var n uint64
		if err := rows.Scan(&code, &f, &m, &c, &n); err != nil {
			t.Fatal(err)
		}
		fte[code], mh[code], contracted[code], hc[code] = f, m, c, float64(n)
	}
	return fte, mh, contracted, hc
}

func nearly(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func checkCensus(t *testing.T, db *queries.DB, e expected) {
	t.Helper()
	fte, mh, contracted, hc := censusByPCN(t, db)
	if len(fte) != len(e.FTE) {
		t.Errorf("workforce_published has %d PCNs, EXPECTED.md %d", len(fte), len(e.FTE))
	}
	for code := range e.FTE {
		if !nearly(fte[code], e.FTE[code]) || !nearly(mh[code], e.FTEMH[code]) || !nearly(contracted[code], e.FTEContracted[code]) || hc[code] != e.HC[code] {
			t.Errorf("%s: FTE %g (MH %g, contracted %g), headcount %g; EXPECTED.md: %g (%g, %g), %g",
				code, fte[code], mh[code], contracted[code], hc[code], e.FTE[code], e.FTEMH[code], e.FTEContracted[code], e.HC[code])
		}
	}
	// Headcount above PCN level counts people, never sums PCNs.
	rows, err := db.Query(context.Background(), `
		SELECT a.icb_code, sum(w.fte), uniqExactIf(w.unique_identifier, w.data_source = 'NWRS Staff' AND w.unique_identifier != '')
		FROM workforce_published AS w ALL INNER JOIN areas AS a USING (area_code) GROUP BY a.icb_code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var icb string
		var f float64
		var n uint64
		if err := rows.Scan(&icb, &f, &n); err != nil {
			t.Fatal(err)
		}
		if !nearly(f, e.ICBFTE[icb]) || float64(n) != e.ICBPeople[icb] {
			t.Errorf("ICB %s: FTE %g, %d people; EXPECTED.md %g, %g", icb, f, n, e.ICBFTE[icb], e.ICBPeople[icb])
		}
	}
}

func appointmentsByPCN(t *testing.T, db *queries.DB) map[string][3]float64 {
	t.Helper()
	got := map[string][3]float64{}
	rows, err := db.Query(context.Background(), `
		SELECT area_code, sumIf(appointments, status = 'attended'), sumIf(appointments, status = 'dna'), sumIf(appointments, status = 'unknown')
		FROM appointments_published GROUP BY area_code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var a, d, u uint64
		if err := rows.Scan(&code, &a, &d, &u); err != nil {
			t.Fatal(err)
		}
		got[code] = [3]float64{float64(a), float64(d), float64(u)}
	}
	return got
}

func checkAppointments(t *testing.T, db *queries.DB, e expected) {
	t.Helper()
	got := appointmentsByPCN(t, db)
	if len(got) != len(e.Attended) {
		t.Errorf("appointments_published has %d PCNs, EXPECTED.md %d", len(got), len(e.Attended))
	}
	for code := range e.Attended {
		want := [3]float64{e.Attended[code], e.DNA[code], e.Unknown[code]}
		if got[code] != want {
			t.Errorf("%s: attended, DNA, unknown %v; EXPECTED.md %v", code, got[code], want)
		}
	}
}

// The samples loaded as a new user would, after the sample areas: the
// figures of EXPECTED.md, and the summary says what was skipped.
func TestPublishedSamples(t *testing.T) {
	db := testdb.New(t)
	e := readExpected(t)
	mustLoad(t, db, samplesAreas)
	wf := mustLoadKind(t, db, "pcn_workforce", workforceSample)
	gp := mustLoadKind(t, db, "gpad", gpadSample)
	checkCensus(t, db, e)
	checkAppointments(t, db, e)
	for _, want := range []string{"census months 2025-11", "rows of other roles skipped"} {
		if !strings.Contains(wf.problems, want) {
			t.Errorf("workforce summary lacks %q:\n%s", want, wf.problems)
		}
	}
	for _, want := range []string{"appointment months 2025-10", "2109 social prescribing appointments", "rows of other categories skipped"} {
		if !strings.Contains(gp.problems, want) {
			t.Errorf("appointments summary lacks %q:\n%s", want, gp.problems)
		}
	}
	// Loading them again changes nothing.
	again := mustLoadKind(t, db, "gpad", gpadSample)
	if again.results[0].Status != etl.ResultAlreadyLoaded {
		t.Errorf("second load: %s", again.results[0].Status)
	}
	checkAppointments(t, db, e)
}

// PCNs outside the loaded areas are counted and reported, not refused.
func TestPublishedOutsideAreas(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	// The areas file without its last four PCNs (the East of England ones are
	// 4 of the 8; keep the London ones only).
	var kept []string
	for i, line := range readLines(t, samplesAreas) {
		if i == 0 || strings.Contains(line, ",QWE,") {
			kept = append(kept, line)
		}
	}
	areas := writeFile(t, dir, "areas_london.csv", strings.Join(kept, "\n")+"\n")
	mustLoad(t, db, areas)
	run := mustLoadKind(t, db, "pcn_workforce", workforceSample)
	if !strings.Contains(run.problems, "of 4 PCNs not in the loaded areas, skipped") {
		t.Errorf("summary does not count the PCNs outside the areas:\n%s", run.problems)
	}
	fte, _, _, _ := censusByPCN(t, db)
	if len(fte) != 4 {
		t.Errorf("stored PCNs: %v, want the 4 London ones", fte)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n")
}

// A published month in Windows-1252 (the en dash of "Clinical Director –
// Medical" is the byte 0x96) loads with the same figures, and the summary
// says how it was read.
func TestPublishedWindows1252(t *testing.T) {
	db := testdb.New(t)
	e := readExpected(t)
	b, err := os.ReadFile(workforceSample)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := charmap.Windows1252.NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(enc, []byte{0x96}) || bytes.Equal(enc, b) {
		t.Fatal("the re-encoded sample has no Windows-1252 en dash")
	}
	path := filepath.Join(t.TempDir(), "1.Primary Care Networks - November 2025 Individual Level.csv")
	if err := os.WriteFile(path, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, db, samplesAreas)
	run := mustLoadKind(t, db, "", path) // recognised by its published name
	if !strings.Contains(run.problems, "is not UTF-8: read as Windows-1252") {
		t.Errorf("summary does not say the file was read as Windows-1252:\n%s", run.problems)
	}
	checkCensus(t, db, e)
}

// writeZip writes a zip of the named files' contents.
func writeZip(t *testing.T, path string, files map[string]string, order []string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, name := range order {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// splitCSV splits a CSV's data lines in two by a predicate, each half with
// the header.
func splitCSV(t *testing.T, path string, first func(line string) bool) (string, string) {
	lines := readLines(t, path)
	a, b := []string{lines[0]}, []string{lines[0]}
	for _, l := range lines[1:] {
		if first(l) {
			a = append(a, l)
		} else {
			b = append(b, l)
		}
	}
	return strings.Join(a, "\r\n") + "\r\n", strings.Join(b, "\r\n") + "\r\n"
}

// A publication's zip with two CSVs (and a file that is not one of them)
// loads as one file: every matching CSV, the figures of EXPECTED.md.
func TestPublishedZipOfTwo(t *testing.T) {
	db := testdb.New(t)
	e := readExpected(t)
	dir := t.TempDir()
	london, east := splitCSV(t, workforceSample, func(l string) bool { return strings.Contains(l, ",QWE,") })
	wz := filepath.Join(dir, "PCNWFIndividualCSV.112025.zip")
	writeZip(t, wz, map[string]string{
		"1.Primary Care Networks - November 2025 Individual Level (London).csv": london,
		"2.Primary Care Networks - November 2025 Individual Level (East).csv":   east,
		"0.Primary Care Network Individual-Level CSV overall definitions.txt":   "not read",
	}, []string{"0.Primary Care Network Individual-Level CSV overall definitions.txt",
		"1.Primary Care Networks - November 2025 Individual Level (London).csv",
		"2.Primary Care Networks - November 2025 Individual Level (East).csv"})

	mapping, err := os.ReadFile(filepath.Join(nhsDir, "gpad_mapping_sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	g1, g2 := splitCSV(t, gpadSample, func(l string) bool { return strings.Contains(l, ",U75549,") })
	gz := filepath.Join(dir, "Practice_Level_Crosstab_Nov_25.zip")
	writeZip(t, gz, map[string]string{
		"Practice_Level_Crosstab_London_East_South_Oct_25.csv": g1,
		"Practice_Level_Crosstab_Midlands_North_Oct_25.csv":    g2,
		"Mapping.csv": string(mapping),
	}, []string{"Mapping.csv", "Practice_Level_Crosstab_London_East_South_Oct_25.csv", "Practice_Level_Crosstab_Midlands_North_Oct_25.csv"})

	mustLoad(t, db, samplesAreas)
	mustLoadKind(t, db, "", dir) // both recognised by name, in a folder
	checkCensus(t, db, e)
	checkAppointments(t, db, e)
}

// A month loaded twice keeps the newest, for the PCNs the newer file holds.
func TestPublishedNewestWins(t *testing.T) {
	db := testdb.New(t)
	e := readExpected(t)
	dir := t.TempDir()
	mustLoad(t, db, samplesAreas)
	mustLoadKind(t, db, "gpad", gpadSample)
	// A corrected October for U52814 alone: its SPS attended rows doubled.
	lines := readLines(t, gpadSample)
	out := []string{lines[0]}
	for _, l := range lines[1:] {
		if !strings.Contains(l, ",U52814,") {
			continue
		}
		rec, err := csv.NewReader(strings.NewReader(l)).Read()
		if err != nil {
			t.Fatal(err)
		}
		if rec[10] == "Social Prescribing Service" && rec[13] == "Attended" {
			n, _ := strconv.Atoi(rec[12])
			rec[12] = strconv.Itoa(2 * n)
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(rec)
		w.Flush()
		out = append(out, strings.TrimRight(b.String(), "\n"))
	}
	corrected := writeFile(t, dir, "Practice_Level_Crosstab_Oct_25_revised.csv", strings.Join(out, "\n")+"\n")
	mustLoadKind(t, db, "", corrected)
	got := appointmentsByPCN(t, db)
	for code := range e.Attended {
		want := [3]float64{e.Attended[code], e.DNA[code], e.Unknown[code]}
		if code == "U52814" {
			want[0] *= 2
		}
		if got[code] != want {
			t.Errorf("%s after the corrected month: %v, want %v", code, got[code], want)
		}
	}
}

// Malformed published files are refused with file, line and column, and
// nothing of them is visible.
func TestPublishedMalformed(t *testing.T) {
	db := testdb.New(t)
	mustLoad(t, db, samplesAreas)
	dir := t.TempDir()
	wfLines := readLines(t, workforceSample)
	gpLines := readLines(t, gpadSample)
	// replace changes field col of data line n (1-based data line: CSV line n+1).
	replace := func(lines []string, n, col int, v string) []string {
		out := append([]string(nil), lines...)
		f := strings.Split(out[n], ",")
		f[col] = v
		out[n] = strings.Join(f, ",")
		return out
	}
	dropColumn := func(lines []string, col int) []string {
		out := make([]string, len(lines))
		for i, l := range lines {
			f := strings.Split(l, ",")
			out[i] = strings.Join(append(f[:col:col], f[col+1:]...), ",")
		}
		return out
	}
	// The first link-worker line of the workforce sample.
	lw := 0
	for i, l := range wfLines {
		if strings.Contains(l, ",Social Prescribing Link Workers,") {
			lw = i
			break
		}
	}
	cases := []struct {
		name, kind string
		lines      []string
		want       string // file:line: column: reason
	}{
		{"missing column", "pcn_workforce", dropColumn(wfLines, 14), ":1: FTE: required column is missing"},
		{"bad census month", "pcn_workforce", replace(wfLines, 3, 2, "13"), ":4: CENSUS_MONTH: must be a month number from 1 to 12 (13)"},
		{"negative FTE", "pcn_workforce", replace(wfLines, lw, 14, "-0.5"), ":" + strconv.Itoa(lw+1) + ": FTE: must be ≥ 0 (-0.5)"},
		{"unknown data source", "pcn_workforce", replace(wfLines, 5, 0, "NWRS Bank"), ":6: Data_source: must be NWRS Staff or NWRS contracted services (NWRS Bank)"},
		{"bad month", "gpad", replace(gpLines, 7, 0, "2025-10"), ":8: APPOINTMENT_MONTH_START_DATE: must be the first of a month as DDMONYYYY"},
		{"negative count", "gpad", replace(gpLines, 9, 12, "-3"), ":10: COUNT_OF_APPOINTMENTS: must be ≥ 0 (-3)"},
		{"unknown status", "gpad", replace(gpLines, 11, 13, "Cancelled"), ":12: APPT_STATUS: must be Attended, DNA or Unknown (Cancelled)"},
		{"missing status column", "gpad", dropColumn(gpLines, 13), ":1: APPT_STATUS: required column is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, dir, strings.ReplaceAll(c.name, " ", "_")+".csv", strings.Join(c.lines, "\r\n")+"\r\n")
			run := loadKind(t, db, c.kind, false, path)
			if run.err != nil {
				t.Fatal(run.err)
			}
			if run.results[0].Status != etl.ResultInvalid {
				t.Errorf("status %s, want invalid", run.results[0].Status)
			}
			if !strings.Contains(run.problems, path+c.want) {
				t.Errorf("problems do not say %q:\n%s", path+c.want, run.problems)
			}
		})
	}
	if fte, _, _, _ := censusByPCN(t, db); len(fte) != 0 {
		t.Errorf("a refused file left workforce rows visible: %v", fte)
	}
	if got := appointmentsByPCN(t, db); len(got) != 0 {
		t.Errorf("a refused file left appointments visible: %v", got)
	}
}

// The generated census (36 months of every sample PCN, far more than one
// read of the reader's buffer): the PCN-months without a link worker are
// stored as such, exactly those an independent reading of the zip finds.
// (Codes kept from a record once shared the reader's reused buffer, and the
// count drifted from run to run.)
func TestPublishedPCNMonthsWithoutLinkWorkers(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 5, Scale: sample.Demo}); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, db, filepath.Join(dir, "areas.csv"))
	zipPath := filepath.Join(dir, sample.WorkforceZip)
	mustLoadKind(t, db, "", zipPath)

	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	has := map[string]bool{} // "YYYY-MM PCN" -> has a link worker
	for _, f := range zr.File {
		if !strings.Contains(f.Name, "Individual Level") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(rc).ReadAll()
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			key := r[1] + "-" + r[2] + " " + r[3]
			has[key] = has[key] || strings.HasPrefix(r[12], "Social Prescribing Link Workers")
		}
	}
	want := 0
	for _, h := range has {
		if !h {
			want++
		}
	}
	got := scalar[uint64](t, db, "SELECT count() FROM workforce_published WHERE role = 'none'")
	pcnMonths := scalar[uint64](t, db, "SELECT count() FROM (SELECT DISTINCT month, area_code FROM workforce_published) AS m")
	if int(got) != want || int(pcnMonths) != len(has) {
		t.Errorf("stored %d PCN-months, %d without a link worker; the zip has %d and %d", pcnMonths, got, len(has), want)
	}
}

// Review findings: a bad census year's value in the rejects table is the
// value itself (it once aliased the reader's reused buffer); an empty
// appointment date on the first row is refused (it once matched the empty
// "last date" and took month zero); a zip remade on a Mac, with its
// __MACOSX/._ resource forks, loads.
func TestPublishedReviewFindings(t *testing.T) {
	db := testdb.New(t)
	mustLoad(t, db, samplesAreas)
	dir := t.TempDir()

	lines := readLines(t, workforceSample)
	f := strings.Split(lines[1], ",")
	f[1] = "1999"
	bad := []string{lines[0], strings.Join(f, ",")}
	for len(bad) < 40_000 { // many rows after it: the reader's buffer is reused many times
		bad = append(bad, lines[2:]...)
	}
	path := writeFile(t, dir, "1.Primary Care Networks - bad Individual Level.csv", strings.Join(bad, "\r\n")+"\r\n")
	run := loadKind(t, db, "", true, path) // --allow-rejects: the problem goes to reject_rows
	if run.err != nil || run.results[0].Status != etl.ResultPartial {
		t.Fatalf("load: %v %s\n%.500s", run.err, run.results[0].Status, run.problems)
	}
	var value string
	if err := db.QueryRow(context.Background(), "SELECT value FROM rejects WHERE line = 2 AND `column` = 'CENSUS_YEAR'").Scan(&value); err != nil || value != "1999" {
		t.Errorf("rejects holds %q for the bad year (%v), want 1999", value, err)
	}

	gp := readLines(t, gpadSample)
	g := strings.Split(gp[1], ",")
	g[0] = ""
	empty := writeFile(t, dir, "Practice_Level_Crosstab_empty.csv", gp[0]+"\n"+strings.Join(g, ",")+"\n")
	run = loadKind(t, db, "", false, empty)
	if run.results[0].Status != etl.ResultInvalid || !strings.Contains(run.problems, empty+":2: APPOINTMENT_MONTH_START_DATE: must be the first of a month") {
		t.Errorf("an empty date on the first row: %s\n%s", run.results[0].Status, run.problems)
	}

	sample, err := os.ReadFile(workforceSample)
	if err != nil {
		t.Fatal(err)
	}
	mac := filepath.Join(dir, "PCNWFIndividualCSV.112025.zip")
	writeZip(t, mac, map[string]string{
		"1.Primary Care Networks - November 2025 Individual Level.csv":            string(sample),
		"__MACOSX/._1.Primary Care Networks - November 2025 Individual Level.csv": "\x00\x05\x16\x07 Mac OS X resource fork",
	}, []string{"1.Primary Care Networks - November 2025 Individual Level.csv", "__MACOSX/._1.Primary Care Networks - November 2025 Individual Level.csv"})
	mustLoadKind(t, db, "", mac)
	checkCensus(t, db, readExpected(t))
}
