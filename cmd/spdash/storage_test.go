package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"spdash/dashboard"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/localch"
)

// mount runs mount(8): these tests need root, as CI has, for a small tmpfs
// and read-only bind mounts. They never skip.
func mount(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
		t.Fatalf("mount %v: %v %s (these tests mount a small tmpfs and read-only folders: run them as root, as CI does)", args, err, out)
	}
}

func unmountLater(t *testing.T, dir string) {
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
}

// readOnly bind-mounts dir onto itself read-only; the returned func undoes it.
func readOnly(t *testing.T, dir string) func() {
	t.Helper()
	mount(t, "--bind", dir, dir)
	unmountLater(t, dir)
	mount(t, "-o", "remount,bind,ro", dir)
	return func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Fatalf("umount %s: %v %s", dir, err, out)
		}
	}
}

func countRows(t *testing.T, db *queries.DB, view string) uint64 {
	t.Helper()
	var n uint64
	if err := db.QueryRow(context.Background(), "SELECT count() FROM "+view).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", view, err)
	}
	return n
}

// A ClickHouse whose disk fills during a load, or whose data folder turns
// read-only: the load fails with exit status 4 and a message that says which,
// nothing of the file is visible, the dashboard goes on answering, and once
// the operator has made room (or made the folder writable) the same command
// loads the file exactly. A data folder read-only from the start: the same
// status, before anything is read.
func TestDiskFullAndReadOnlyDataFolder(t *testing.T) {
	ctx := context.Background()
	quietLog := slog.New(slog.NewTextHandler(io.Discard, nil))
	gen := t.TempDir()
	sum, err := sample.Generate(sample.Options{Out: gen, Seed: 9, Scale: sample.National})
	if err != nil {
		t.Fatal(err)
	}
	file := func(kind string) string { return filepath.Join(gen, kind+".csv") }

	mnt := filepath.Join(t.TempDir(), "small-disk")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	mount(t, "-t", "tmpfs", "-o", "size=48m", "tmpfs", mnt)
	unmountLater(t, mnt)
	srv, err := localch.Start(ctx, filepath.Join(mnt, ".spdash"), quietLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	dsn := srv.DSN("spdash")
	if code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, file("areas"), file("activity")); code != exitOK {
		t.Fatalf("load areas and activity: %d %s", code, stderr)
	}
	db, err := queries.Open(ctx, dsn, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	web := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quietLog}))
	defer web.Close()
	answers := func(when string) {
		t.Helper()
		for _, p := range []string{"/readyz", "/api/v1/metrics?level=pcn", "/capacity"} {
			resp, err := http.Get(web.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %s: %d, want 200", when, p, resp.StatusCode)
			}
		}
	}

	// Fill the disk but for 1 MB; the national outcomes need several.
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Fallocate(int(filler.Fd()), 0, 0, int64(st.Bavail)*st.Bsize-1<<20); err != nil {
		t.Fatal(err)
	}
	filler.Close()
	code, stdout, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, file("outcomes"))
	if code != exitStorage || !strings.Contains(stderr, "disk is full") || !strings.Contains(stdout, "nothing loaded") {
		t.Fatalf("load on a full disk: exit %d, want 4 saying the disk is full:\n%s\n%s", code, stdout, stderr)
	}
	if n := countRows(t, db, "outcomes"); n != 0 {
		t.Errorf("after the failed load %d outcomes rows are visible, want 0", n)
	}
	answers("disk full")
	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, file("outcomes")); code != exitOK {
		t.Fatalf("the same load with room: %d %s", code, stderr)
	}
	if n := countRows(t, db, "outcomes"); n != uint64(sum.Rows["outcomes"]) {
		t.Errorf("after the rerun %d outcomes rows, want the file's %d", n, sum.Rows["outcomes"])
	}

	// The server's data folder turns read-only under it.
	writable := readOnly(t, filepath.Join(mnt, ".spdash", "clickhouse", "data"))
	code, _, stderr = runCLI(t, "etl", "load", "--clickhouse", dsn, file("funding"))
	if code != exitStorage || !strings.Contains(stderr, "data folder is read-only") {
		t.Fatalf("load into a read-only folder: exit %d, want 4 saying so:\n%s", code, stderr)
	}
	if n := countRows(t, db, "funding"); n != 0 {
		t.Errorf("after the failed load %d funding rows are visible, want 0", n)
	}
	answers("read-only")
	writable()
	if code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, file("funding")); code != exitOK {
		t.Fatalf("the same load, writable again: %d %s", code, stderr)
	}
	if n := countRows(t, db, "funding"); n != uint64(sum.Rows["funding"]) {
		t.Errorf("after the rerun %d funding rows, want the file's %d", n, sum.Rows["funding"])
	}

	// spdash's own data folder read-only before its local server starts.
	ro := t.TempDir()
	readOnly(t, ro)
	code, _, stderr = runCLI(t, "etl", "load", "--data-dir", filepath.Join(ro, ".spdash"), file("areas"))
	if code != exitStorage || !strings.Contains(stderr, "read-only") {
		t.Errorf("a read-only data folder: exit %d, want 4 saying so:\n%s", code, stderr)
	}
}

// ClickHouse itself killed (SIGKILL) in the middle of a load: the load ends
// with exit status 3, nothing of the file is visible once the server is back,
// and the same command then loads every row.
func TestClickHouseKilledMidLoad(t *testing.T) {
	ctx := context.Background()
	quietLog := slog.New(slog.NewTextHandler(io.Discard, nil))
	gen := t.TempDir()
	sum, err := sample.Generate(sample.Options{Out: gen, Seed: 11, Scale: sample.National})
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(t.TempDir(), ".spdash")
	srv, err := localch.Start(ctx, dataDir, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	dsn := srv.DSN("spdash")
	if code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, filepath.Join(gen, "areas.csv")); code != exitOK {
		t.Fatalf("areas: %d %s", code, stderr)
	}
	db, err := queries.Open(ctx, dsn, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() uint64 {
		var n uint64
		_ = db.QueryRow(ctx, "SELECT count() FROM outcomes_rows").Scan(&n)
		return n
	}
	args := []string{"etl", "load", "--clickhouse", dsn, "--batch-rows", "5000", filepath.Join(gen, "outcomes.csv")}
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runCLI(t, args...)
		done <- result{code, stdout, stderr}
	}()
	for deadline := time.Now().Add(60 * time.Second); stored() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no rows reached the server within 60 s")
		}
	}
	pid := srv.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r := <-done
	if r.code != exitUnreachable || !strings.Contains(r.stdout, "nothing loaded") {
		t.Fatalf("the load whose server was killed: exit %d, want 3 saying nothing loaded:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(pid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the killed server is still there")
		}
	}
	if srv, err = localch.Start(ctx, dataDir, quietLog); err != nil { // back on the same ports
		t.Fatal(err)
	}
	if db, err = queries.Open(ctx, dsn, quietLog); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := countRows(t, db, "outcomes"); n != 0 {
		t.Fatalf("%d outcomes rows visible after the server came back, want 0", n)
	}
	if code, stdout, stderr := runCLI(t, args...); code != exitOK {
		t.Fatalf("the same load again: %d\n%s\n%s", code, stdout, stderr)
	}
	if n := countRows(t, db, "outcomes"); n != uint64(sum.Rows["outcomes"]) {
		t.Errorf("after the rerun %d outcomes rows, want the file's %d", n, sum.Rows["outcomes"])
	}
}
