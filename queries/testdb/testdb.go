// Package testdb gives tests a real ClickHouse: one local server per test
// binary, started through the same launcher as the demo, and a fresh,
// migrated database per test. A missing server binary fails the tests with
// the install command; they never skip.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"spdash/queries"
	"spdash/queries/localch"
)

var (
	once   sync.Once
	server *localch.Server
	dir    string
	errS   error
)

// Main runs the tests of a package, then stops the server if one was started.
// Use it as: func TestMain(m *testing.M) { testdb.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if code != 0 && server != nil {
		logServer(os.Stderr, server)
	}
	if server != nil {
		_ = server.Stop()
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// Server returns the package's local ClickHouse, starting it on first use.
func Server(t testing.TB) *localch.Server {
	t.Helper()
	once.Do(func() {
		dir, errS = os.MkdirTemp("", "spdash-test-ch-")
		if errS != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		server, errS = localch.Start(ctx, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	if errS != nil {
		t.Fatalf("tests need a real ClickHouse server: %v", errS)
	}
	return server
}

// NewDatabaseName returns a fresh database name.
func NewDatabaseName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t_" + hex.EncodeToString(b)
}

// DSN returns the DSN of a new, empty database (created on first Open).
func DSN(t testing.TB) string {
	return Server(t).DSN(NewDatabaseName())
}

// New opens a new database, applies the migrations and drops it when the test ends.
func New(t testing.TB) *queries.DB {
	t.Helper()
	ctx := context.Background()
	db, err := queries.Open(ctx, DSN(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	t.Cleanup(func() {
		_ = db.Exec(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s", db.Database()))
		db.Close()
	})
	return db
}

// logServer says, after failed tests, whether the package's server is still
// up and how its logs end, before its folder is removed: a server that died
// during the tests shows why.
func logServer(w io.Writer, s *localch.Server) {
	alive := syscall.Kill(s.PID(), 0) == nil
	fmt.Fprintf(w, "testdb: the tests failed; the local ClickHouse (pid %d, port %d) is %s\n", s.PID(), s.TCPPort,
		map[bool]string{true: "still running", false: "NOT running"}[alive])
	for _, name := range []string{"server.err.log", "stdout.log"} {
		b, err := os.ReadFile(filepath.Join(s.Dir, "log", name))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		fmt.Fprintf(w, "testdb: the end of %s:\n%s\n", name, strings.Join(lines, "\n"))
	}
}
