package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"spdash/dashboard"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/localch"
	"spdash/queries/testdb"
)

// With SPDASH_TEST_MAIN=1 the test binary is spdash itself, so a test can run
// it as a separate process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("SPDASH_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	testdb.Main(m)
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"etl"},
		{"etl", "load"},
		{"etl", "validate", "--no-such-flag", "x.csv"},
		{"etl", "validate", "--kind", "widgets", "x.csv"},
		{"etl", "generate"},
		{"etl", "generate", "--out", t.TempDir(), "--scale", "galactic"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage || !strings.Contains(stderr, "Usage:") {
			t.Errorf("spdash %v: exit %d, want 2 with usage\n%s", args, code, stderr)
		}
	}
}

func TestValidateExitStatusAndReport(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "etl", "generate", "--out", dir, "--scale", "demo", "--seed", "9"); code != exitOK {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	if code, stdout, stderr := runCLI(t, "etl", "validate", "--data-dir", t.TempDir(), dir); code != exitOK || strings.Count(stdout, ": valid,") != filesIn(t, dir) {
		t.Fatalf("validate of sample data: exit %d\n%s\n%s", code, stdout, stderr)
	}

	bad := filepath.Join(t.TempDir(), "outcomes_bad.csv")
	os.WriteFile(bad, []byte("month,area_code,provider_code,outcome,people,cohort\n2024-07,U1,P1,entered_employment,5,4\n2024-07,U1,P1,nope,1,1\n"), 0o644)
	report := filepath.Join(t.TempDir(), "problems.csv")
	code, _, stderr := runCLI(t, "etl", "validate", "--report", report, bad)
	if code != exitInvalid {
		t.Fatalf("validate of a bad file: exit %d, want 1\n%s", code, stderr)
	}
	for _, want := range []string{bad + ":2: cohort: must be ≥ people, which is 5 (4)", bad + ":3: outcome: must be one of", "no areas file given"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	f, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][1] != "2" || recs[1][2] != "cohort" || recs[2][2] != "outcome" {
		t.Errorf("report = %v, %v", recs, err)
	}

	if code, _, stderr := runCLI(t, "etl", "validate", "--data-dir", t.TempDir(), filepath.Join(dir, "notes.txt")); code != exitInvalid || !strings.Contains(stderr, "cannot open") {
		t.Errorf("missing file: exit %d\n%s", code, stderr)
	}
	odd := filepath.Join(t.TempDir(), "notes.csv")
	os.WriteFile(odd, []byte("a\n"), 0o644)
	if code, _, stderr := runCLI(t, "etl", "validate", "--data-dir", t.TempDir(), odd); code != exitInvalid || !strings.Contains(stderr, "areas, activity, training, outcomes, funding") {
		t.Errorf("unknown kind: exit %d\n%s", code, stderr)
	}
}

// filesIn counts the files the generator wrote: the five returns and the
// two published NHS files.
func filesIn(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 7 {
		t.Fatalf("%s holds %d files, want the generator's 7", dir, len(entries))
	}
	return len(entries)
}

func TestLoadUnreachableExit3(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "areas.csv"), []byte("area_code\n"), 0o644)
	code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", "clickhouse://default@127.0.0.1:1/x?dial_timeout=1s", dir)
	if code != exitUnreachable || !strings.Contains(stderr, "unreachable") {
		t.Fatalf("exit %d, want 3\n%s", code, stderr)
	}
}

func TestLoadExitStatuses(t *testing.T) {
	dsn := testdb.DSN(t)
	dir := t.TempDir()
	runCLI(t, "etl", "generate", "--out", dir, "--seed", "2")
	if code, stdout, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, dir); code != exitOK || strings.Count(stdout, ": loaded ") != filesIn(t, dir) {
		t.Fatalf("load: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, _ := runCLI(t, "etl", "load", "--clickhouse", dsn, dir); code != exitOK || strings.Count(stdout, "already loaded") != filesIn(t, dir) {
		t.Fatalf("reload: exit %d\n%s", code, stdout)
	}
	bad := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(bad, []byte("month,area_code,provider_code,outcome,people,cohort\n2024-07,U1,P1,entered_employment,5,4\n"), 0o644)
	if code, stdout, _ := runCLI(t, "etl", "load", "--clickhouse", dsn, "--kind", "outcomes", bad); code != exitInvalid || !strings.Contains(stdout, "invalid") {
		t.Fatalf("bad file: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ := runCLI(t, "etl", "load", "--clickhouse", dsn, "--kind", "outcomes", "--allow-rejects", bad); code != exitOK || !strings.Contains(stdout, "partial") {
		t.Fatalf("bad file with --allow-rejects: exit %d\n%s", code, stdout)
	}
}

// areasLoaded is where the kill tests start: a sample (seed, scale) in a
// new folder, its areas loaded through the command line into a new
// database, that database open, and count, which reads one number from it.
func areasLoaded(t *testing.T, seed int64, scale sample.Scale) (dsn, dir string, db *queries.DB, count func(q string) uint64) {
	t.Helper()
	dsn, dir = testdb.DSN(t), t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: seed, Scale: scale}); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, filepath.Join(dir, "areas.csv")); code != exitOK {
		t.Fatalf("areas: %d\n%s", code, stderr)
	}
	ctx := context.Background()
	db, err := queries.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	count = func(q string) uint64 {
		t.Helper()
		var n uint64
		if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return dsn, dir, db, count
}

// startCLI starts this test binary as the spdash command with args (a
// process of its own, to be killed).
func startCLI(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SPDASH_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// A load killed half-way leaves nothing visible, and the same command run
// again completes it.
func TestKilledLoadLeavesNothingAndRerunCompletes(t *testing.T) {
	dsn, dir, _, count := areasLoaded(t, 4, sample.National)
	outcomes := filepath.Join(dir, "outcomes.csv")
	args := []string{"etl", "load", "--clickhouse", dsn, "--batch-rows", "5000", outcomes}
	cmd := startCLI(t, args...)
	deadline := time.Now().Add(60 * time.Second)
	for count("SELECT count() FROM outcomes_rows") == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no rows reached the server within 60 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() {
		t.Fatalf("the load finished before it could be killed (exit %d); make the file bigger", cmd.ProcessState.ExitCode())
	}
	partial := count("SELECT count() FROM outcomes_rows")
	if visible := count("SELECT count() FROM outcomes"); visible != 0 {
		t.Fatalf("%d rows visible after the kill (%d stored)", visible, partial)
	}
	if running := count("SELECT count() FROM loads WHERE kind = 'outcomes' AND status = 'running'"); running != 1 {
		t.Errorf("loads shows %d running outcomes loads, want the killed one", running)
	}

	// Cleanup marks the killed load failed (no sign of life for over a
	// second here; 10 minutes by default) and deletes its stored rows, with
	// nothing visible changing.
	time.Sleep(2100 * time.Millisecond)
	if code, stdout, stderr := runCLI(t, "etl", "cleanup", "--clickhouse", dsn, "--stale-after", "1s"); code != exitOK ||
		!strings.Contains(stdout, "outcomes.csv (outcomes, started") || !strings.Contains(stdout, "outcomes: deleting the stored rows of 1 failed loads") {
		t.Fatalf("cleanup: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if failed := count("SELECT count() FROM loads WHERE kind = 'outcomes' AND status = 'failed' AND message LIKE 'abandoned:%'"); failed != 1 {
		t.Errorf("loads shows %d abandoned outcomes loads after cleanup, want 1", failed)
	}
	if running := count("SELECT count() FROM loads WHERE status = 'running'"); running != 0 {
		t.Errorf("loads still shows %d running loads after cleanup", running)
	}
	for deadline := time.Now().Add(60 * time.Second); count("SELECT count() FROM outcomes_rows") != 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the killed load's %d stored rows were not deleted within 60 s", count("SELECT count() FROM outcomes_rows"))
		}
	}
	if visible := count("SELECT count() FROM outcomes"); visible != 0 {
		t.Fatalf("%d rows visible after cleanup", visible)
	}
	if code, stdout, _ := runCLI(t, "etl", "cleanup", "--clickhouse", dsn, "--stale-after", "1s"); code != exitOK || !strings.Contains(stdout, "no rows of failed loads to delete") {
		t.Errorf("a second cleanup: exit %d\n%s", code, stdout)
	}

	code, stdout, stderr := runCLI(t, args...)
	if code != exitOK || !strings.Contains(stdout, ": loaded ") {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var fileRows int
	data, _ := os.ReadFile(outcomes)
	fileRows = bytes.Count(data, []byte("\n")) - 1
	if visible := count("SELECT count() FROM outcomes"); int(visible) != fileRows {
		t.Fatalf("after the rerun %d rows visible, want %d (killed run had stored %d)", visible, fileRows, partial)
	}
}

// A loader killed (SIGKILL) after its commit, while its build of the
// analysts' view's rows waits to be swapped in, leaves the view at the
// state before the load, whole, and its build's table behind: the same
// command again brings the view to the load; cleanup leaves the table while
// it may be a build under way, and drops it once old enough. The wait is
// made by holding the swap's lock, as another build would.
func TestLoaderKilledBeforeTheViewsSwap(t *testing.T) {
	dsn, dir, db, count := areasLoaded(t, 5, sample.Demo)
	ctx := context.Background()
	if err := db.Exec(ctx, "CREATE TABLE outcomes_newest_lock (held UInt8) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	outcomes := filepath.Join(dir, "outcomes.csv")
	args := []string{"etl", "load", "--clickhouse", dsn, outcomes}
	cmd := startCLI(t, args...)
	// Committed, and its build written, waiting for the lock.
	waiting := func() bool {
		return count("SELECT count() FROM loads WHERE kind = 'outcomes' AND status = 'loaded'") == 1 &&
			count("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE 'outcomes\\_newest\\_b%'") == 1
	}
	for deadline := time.Now().Add(8 * time.Second); !waiting(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the load did not commit and reach the swap within 8 s")
		}
	}
	time.Sleep(200 * time.Millisecond) // its rows written, the lock asked for
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() {
		t.Fatalf("the load finished before it was killed (exit %d): it swapped while the lock was held", cmd.ProcessState.ExitCode())
	}
	if n := count("SELECT count() FROM outcomes"); n != 0 {
		t.Fatalf("the view shows %d rows of a load whose build was never swapped in", n)
	}
	if n := count("SELECT count() FROM outcomes_rows"); n == 0 {
		t.Fatal("the load's rows are not stored")
	}

	// The other swap ends; the same command again: already loaded, and the
	// view gets the load's rows.
	if err := db.Exec(ctx, "DROP TABLE outcomes_newest_lock"); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, args...)
	if code != exitOK || !strings.Contains(stdout, "already loaded") {
		t.Fatalf("the same command again: exit %d\n%s\n%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(outcomes)
	if err != nil {
		t.Fatal(err)
	}
	if n, want := count("SELECT count() FROM outcomes"), uint64(bytes.Count(data, []byte("\n"))-1); n != want {
		t.Fatalf("after the same command again the view shows %d rows, want the file's %d", n, want)
	}
	// Cleanup, even with a small --keep, leaves the killed build's table:
	// for an hour it may be a build under way (queries.StaleNewestBuild);
	// past that age it is dropped.
	builds := "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE 'outcomes\\_newest\\_b%'"
	code, stdout, stderr = runCLI(t, "etl", "cleanup", "--clickhouse", dsn, "--keep", "0s")
	if code != exitOK || strings.Contains(stdout, "tables of builds") || count(builds) != 1 {
		t.Fatalf("cleanup: exit %d, %d build tables left\n%s\n%s", code, count(builds), stdout, stderr)
	}
	time.Sleep(1100 * time.Millisecond)
	if n, err := db.DropStaleNewestStages(ctx, time.Second); err != nil || n != 1 || count(builds) != 0 {
		t.Errorf("the build's table once older than the age given: %d dropped, %v", n, err)
	}
}

// serve runs with a read-only ClickHouse user once the schema is current.
func TestServeWithReadOnlyUser(t *testing.T) {
	dsn := testdb.DSN(t)
	if code, _, stderr := runCLI(t, "migrate", "--clickhouse", dsn); code != exitOK {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	readerDSN := strings.Replace(dsn, "clickhouse://default@", "clickhouse://spdash_reader@", 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan int, 1)
	go func() {
		code, _ := a.serve(ctx, []string{"--clickhouse", readerDSN, "--addr", addr})
		done <- code
	}()
	var status int
	for i := 0; i < 100; i++ {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			status = resp.StatusCode
			resp.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if status != http.StatusOK {
		t.Fatalf("readyz as spdash_reader: %d\n%s", status, errOut.String())
	}
}

// spdash report writes the same bytes as the dashboard's download of the
// same selection, for every report; usage mistakes exit 2 and write nothing.
func TestReportIsTheWebDownload(t *testing.T) {
	dsn := testdb.DSN(t)
	dir := t.TempDir()
	runCLI(t, "etl", "generate", "--out", dir, "--seed", "3")
	if code, stdout, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, dir); code != exitOK {
		t.Fatalf("load: exit %d\n%s\n%s", code, stdout, stderr)
	}
	db, err := queries.Open(context.Background(), dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	out := t.TempDir()
	for _, c := range []struct {
		report string
		flags  []string
		query  string
	}{
		{"capacity", nil, ""},
		{"outcomes", []string{"--level", "pcn", "--from", "2026-01", "--to", "2026-03"}, "?level=pcn&from=2026-01&to=2026-03"},
		{"funding", []string{"--fy", "2025-26"}, "?fy=2025-26"},
		{"training", []string{"--level", "icb"}, "?level=icb"},
		{"targeting", []string{"--level", "pcn", "--budget", "2500000", "--need-weight", "1.5"}, "?level=pcn&budget=2500000&need_weight=1.5"},
		{"selection", []string{"--format", "xlsx", "--level", "icb"}, "?level=icb"},
		{"monthly", []string{"--level", "pcn"}, "?level=pcn"},
		{"monthly", []string{"--format", "xlsx", "--level", "icb"}, "?level=icb"},
		{"outcomes", []string{"--format", "xlsx"}, ""},
	} {
		ext := "csv"
		if len(c.flags) > 0 && c.flags[0] == "--format" {
			ext = c.flags[1]
		}
		file := filepath.Join(out, c.report+"."+ext)
		args := append([]string{"report", c.report, "--clickhouse", dsn, "--out", file}, c.flags...)
		if code, stdout, stderr := runCLI(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, stdout, stderr)
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + "/download/" + c.report + "." + ext + c.query)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		same := bytes.Equal(got, want)
		if ext == "xlsx" { // the zip's entries carry the time they were written: compare the cells
			same = sameCells(t, got, want)
		}
		if resp.StatusCode != 200 || len(want) < 100 || !same {
			t.Errorf("%s.%s: the file (%d bytes) differs from the download (%d bytes, status %d)", c.report, ext, len(got), len(want), resp.StatusCode)
		}
	}
	bad := filepath.Join(out, "bad.csv")
	for _, args := range [][]string{
		{"report", "--clickhouse", dsn, "--out", bad},
		{"report", "capacity", "--clickhouse", dsn},
		{"report", "nope", "--clickhouse", dsn, "--out", bad},
		{"report", "capacity", "--clickhouse", dsn, "--out", bad, "--level", "nation"},
		{"report", "capacity", "--clickhouse", dsn, "--out", bad, "--format", "pdf"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, stderr)
		}
		if _, err := os.Stat(bad); err == nil {
			t.Errorf("%v wrote a file", args)
		}
	}
}

// sameCells reports whether two workbooks have the same sheets and cells.
func sameCells(t *testing.T, a, b []byte) bool {
	t.Helper()
	fa, err := excelize.OpenReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	if strings.Join(fa.GetSheetList(), ",") != strings.Join(fb.GetSheetList(), ",") {
		return false
	}
	for _, sheet := range fa.GetSheetList() {
		ra, _ := fa.GetRows(sheet, excelize.Options{RawCellValue: true})
		rb, _ := fb.GetRows(sheet, excelize.Options{RawCellValue: true})
		if fmt.Sprint(ra) != fmt.Sprint(rb) || len(ra) == 0 {
			return false
		}
	}
	return true
}

// Two `spdash etl load` processes of the same kind at once, sharing keys:
// each ends loaded, and the analysts' view has every key once, with the value
// of the load that started last (newest wins), whichever checks second.
// Rounds alternate two shapes: equal files started together, and a long load
// started first (the older) overtaken by a short one started after it (the
// newer commits first, so the older finds its own rows already superseded).
func TestTwoLoadProcessesAtOnce(t *testing.T) {
	dsn := testdb.DSN(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 5, Scale: sample.National, Months: 24}); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, filepath.Join(dir, "areas.csv")); code != exitOK {
		t.Fatalf("areas: %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "activity.csv"))), "\n")
	header, rows := lines[0], lines[1:]
	db, err := queries.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := len(rows)
	type shape struct {
		from, to [2]int        // the rows each side sends
		batch    [2]string     // --batch-rows: small batches make a load long
		delay    time.Duration // before side 1 starts
	}
	shapes := []shape{
		{from: [2]int{0, n / 3}, to: [2]int{2 * n / 3, n}, batch: [2]string{"5000", "5000"}},
		{from: [2]int{0, n / 2}, to: [2]int{n, n/2 + n/10}, batch: [2]string{"200", "100000"}, delay: 300 * time.Millisecond},
	}
	for round := 0; round < 4; round++ {
		sh := shapes[round%2]
		var paths [2]string
		for side := range 2 {
			var b strings.Builder
			b.WriteString(header + "\n")
			for _, r := range rows[sh.from[side]:sh.to[side]] {
				f := strings.Split(r, ",")
				f[3], f[4], f[5] = fmt.Sprint(1000*(round+1)+100*side), "0", "0" // received marks the side; accepted, supported
				b.WriteString(strings.Join(f, ",") + "\n")
			}
			paths[side] = filepath.Join(t.TempDir(), fmt.Sprintf("activity_r%d_s%d.csv", round, side))
			if err := os.WriteFile(paths[side], []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var cmds [2]*exec.Cmd
		var outs [2]bytes.Buffer
		for side := range 2 {
			if side == 1 {
				time.Sleep(sh.delay)
			}
			cmds[side] = exec.Command(os.Args[0], "etl", "load", "--clickhouse", dsn, "--batch-rows", sh.batch[side], paths[side])
			cmds[side].Env = append(os.Environ(), "SPDASH_TEST_MAIN=1")
			cmds[side].Stdout, cmds[side].Stderr = &outs[side], &outs[side]
			if err := cmds[side].Start(); err != nil {
				t.Fatal(err)
			}
		}
		for side := range 2 {
			if err := cmds[side].Wait(); err != nil {
				t.Fatalf("round %d side %d: %v\n%s", round, side, err, outs[side].String())
			}
		}
		// The load that started last has the higher seq and wins the shared keys.
		var newer uint8
		q := "SELECT argMax(toUInt8(position(file_name, '_s1') > 0), seq) FROM loads WHERE kind = 'activity' AND status = 'loaded' AND file_name LIKE ?"
		if err := db.QueryRow(context.Background(), q, fmt.Sprintf("activity_r%d_%%", round)).Scan(&newer); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		addMarks(t, want, paths[1-newer])
		addMarks(t, want, paths[newer])
		rs, err := db.Query(context.Background(), "SELECT concat(toString(month), ',', area_code, ',', provider_code), referrals_received FROM activity")
		if err != nil {
			t.Fatal(err)
		}
		got, rowsSeen := map[string]int{}, 0
		for rs.Next() {
			var k string
			var v uint32
			if err := rs.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			rowsSeen++
			got[k] = int(v)
		}
		rs.Close()
		wrong := 0
		for k, v := range want {
			if got[k] != v {
				wrong++
			}
		}
		if rowsSeen != len(got) || len(got) != len(want) || wrong != 0 {
			t.Fatalf("round %d: %d rows, %d keys, want %d keys; %d keys without the newest value (newer: side %d)", round, rowsSeen, len(got), len(want), wrong, newer)
		}
	}
}

// addMarks records each row's referrals_received by its key as the view
// shows it (month as YYYY-MM-01), later files overwriting earlier ones.
func addMarks(t *testing.T, want map[string]int, path string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(readFile(t, path)), "\n")
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		var v int
		fmt.Sscan(f[3], &v)
		want[f[0]+"-01,"+f[1]+","+f[2]] = v
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The HTTP server's limits hold against slow and oversized clients: a client
// that never finishes its headers is disconnected, headers beyond the limit
// get 431, and a body beyond 1 MB gets 413, not a handler.
func TestHTTPLimits(t *testing.T) {
	db, err := queries.Open(context.Background(), testdb.DSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	limits := defaultHTTPLimits
	limits.readHeader, limits.read = 300*time.Millisecond, time.Second
	srv := httpServer(dashboard.New(dashboard.Options{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}), limits)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	// Slow headers: the request line and one header, then nothing.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // only so that a failure cannot hang the test
	if n, err := conn.Read(make([]byte, 512)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a client that never finished its headers was not disconnected (read %d bytes, %v)", n, err)
	}

	// Oversized headers.
	req, _ := http.NewRequest(http.MethodGet, base+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 200<<10))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("200 KB of headers: %v %v, want 431", err, resp)
	} else {
		resp.Body.Close()
	}

	// An oversized body, to a page and to the API.
	for _, path := range []string{"/capacity", "/api/v1/metrics"} {
		resp, err := http.Post(base+path, "text/csv", bytes.NewReader(make([]byte, 2<<20)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST of 2 MB to %s: %d, want 413", path, resp.StatusCode)
		}
	}
	// Within the limits all is well.
	if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
}

// Shutting down (SIGTERM or Ctrl-C cancels serve's context) stops taking new
// connections but finishes the requests in flight: here one held up by a
// frozen ClickHouse (SIGSTOP) until after shutdown began.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	ctx := context.Background()
	ch, err := localch.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Stop()
	dsn := ch.DSN("spdash")
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 6, Scale: sample.Demo, Months: 3}); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, dir); code != exitOK {
		t.Fatalf("load: %d\n%s", code, stderr)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	served := make(chan int, 1)
	go func() {
		code, _ := a.serve(serveCtx, []string{"--clickhouse", dsn, "--addr", addr, "--version-check", "0"})
		served <- code
	}()
	ready := false
	for i := 0; i < 100 && !ready; i++ {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			ready = resp.StatusCode == 200
			resp.Body.Close()
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		t.Fatalf("serve never became ready\n%s", errOut.String())
	}

	if err := syscall.Kill(ch.PID(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(ch.PID(), syscall.SIGCONT)
	type result struct {
		status int
		body   string
		err    error
	}
	inFlight := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/api/v1/metrics?level=pcn")
		if err != nil {
			inFlight <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		inFlight <- result{resp.StatusCode, string(b), err}
	}()
	time.Sleep(500 * time.Millisecond) // the request is waiting on the frozen server
	stop()                             // shutdown begins
	time.Sleep(300 * time.Millisecond)
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a new request during shutdown was answered (%d); new connections should be refused", resp.StatusCode)
	}
	if err := syscall.Kill(ch.PID(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	r := <-inFlight
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"areas"`) {
		t.Errorf("the request in flight at shutdown: %v, status %d, %.200s", r.err, r.status, r.body)
	}
	if code := <-served; code != exitOK {
		t.Errorf("serve exited %d\n%s", code, errOut.String())
	}
}

// --cluster names a cluster of the server's remote_servers, or the command
// says so and stops; it needs a server of its own (--clickhouse).
func TestClusterFlagErrors(t *testing.T) {
	dsn := testdb.DSN(t)
	code, _, stderr := runCLI(t, "migrate", "--clickhouse", dsn, "--cluster", "no_such_cluster")
	if code == exitOK || !strings.Contains(stderr, "cluster no_such_cluster is not in the server's remote_servers") {
		t.Errorf("an unknown cluster: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, "migrate", "--data-dir", t.TempDir(), "--cluster", "shards")
	if code == exitOK || !strings.Contains(stderr, "--cluster needs --clickhouse") {
		t.Errorf("--cluster without --clickhouse: exit %d\n%s", code, stderr)
	}
}
