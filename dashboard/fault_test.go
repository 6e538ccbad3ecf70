package dashboard_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"spdash/dashboard"
	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/localch"
)

// A ClickHouse of the test's own, really stopped and started again, and
// frozen (SIGSTOP) and thawed, while one dashboard keeps serving: each fault
// gives 503 with a message that says what happened and a failing /readyz,
// /healthz stays up, and service comes back by itself, without restarting
// the dashboard or reopening the database.
func TestDatabaseStoppedAndBack(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	ch, err := localch.Start(ctx, dataDir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.Stop() })
	port := ch.TCPPort
	db, err := queries.Open(ctx, ch.DSN("spdash"), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 31, Scale: sample.Demo, Months: 6}); err != nil {
		t.Fatal(err)
	}
	etltest.MustLoad(t, db, dir)
	db.SetQueryTimeout(3 * time.Second)
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer srv.Close()

	// Each check asks for a selection not asked before, so that nothing kept
	// in memory can answer it.
	months := []string{"2026-04", "2026-05", "2026-06", "2026-07", "2026-08"}
	fresh := func() string {
		m := months[0]
		months = months[1:]
		return "/api/v1/metrics?level=pcn&from=" + m + "&to=" + m
	}
	// message: what the answer must say; alternatives separated by |.
	expect := func(when string, status int, message string) {
		t.Helper()
		path := fresh()
		got, _, body := get(t, srv, path)
		said := false
		for _, m := range strings.Split(message, "|") {
			said = said || strings.Contains(body, m)
		}
		if got != status || !said {
			t.Errorf("%s: %s gave %d %.200s; want %d with %q", when, path, got, body, status, message)
		}
		ready, _, _ := get(t, srv, "/readyz")
		if (status == 200) != (ready == 200) {
			t.Errorf("%s: /readyz %d", when, ready)
		}
		if health, _, _ := get(t, srv, "/healthz"); health != 200 {
			t.Errorf("%s: /healthz %d, want 200 (the process is up)", when, health)
		}
	}
	expect("before", 200, `"areas"`)

	// Stopped: the port refuses connections.
	if err := ch.Stop(); err != nil {
		t.Fatal(err)
	}
	expect("ClickHouse stopped", 503, "cannot be reached")

	// Started again on the same data folder: the same port, and the same
	// dashboard and pool serve again.
	if ch, err = localch.Start(ctx, dataDir, quiet); err != nil {
		t.Fatal(err)
	}
	if ch.TCPPort != port {
		t.Fatalf("the restarted server listens on %d, not %d: clients would not find it", ch.TCPPort, port)
	}
	// The first request after the restart already answers: the driver
	// drops the pool's connections to the stopped server when it takes them.
	expect("ClickHouse back", 200, `"areas"`)

	// Frozen: connections are accepted but nothing answers, so the query
	// timeout ends the wait.
	if err := syscall.Kill(ch.PID(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			_ = syscall.Kill(ch.PID(), syscall.SIGCONT)
		}
	}
	defer thaw()
	// Which one depends on whether the client's read timeout or the query's
	// deadline ends the wait first; both are 503 and say so.
	expect("ClickHouse frozen", 503, "took too long|cannot be reached")
	thaw()
	expect("ClickHouse thawed", 200, `"areas"`)
}
