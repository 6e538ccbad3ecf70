package localch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestStartReuseStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	first, err := Start(ctx, dir, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Stop()
	if !first.Owned() {
		t.Fatal("the first Start should own the server")
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "clickhouse", "config.xml"))
	if err != nil || !strings.Contains(string(cfg), "<listen_host>127.0.0.1</listen_host>") {
		t.Fatalf("config.xml: %v\n%s", err, cfg)
	}

	second, err := Start(ctx, dir, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if second.Owned() || second.TCPPort != first.TCPPort {
		t.Fatalf("second Start: owned=%v port %d, want a reuse of port %d", second.Owned(), second.TCPPort, first.TCPPort)
	}
	if err := second.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := ping(ctx, first.TCPPort); err != nil {
		t.Fatalf("stopping a reused server stopped it: %v", err)
	}

	pid := first.pid
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Fatalf("server pid %d still alive after Stop", pid)
	}
	if st, ok := readState(filepath.Join(dir, "clickhouse")); !ok || st.PID != 0 || st.TCPPort != first.TCPPort {
		t.Fatalf("state after Stop: %+v %v, want no pid and the ports kept", st, ok)
	}
	if err := ping(ctx, first.TCPPort); err == nil {
		t.Fatal("server still answers after Stop")
	}

	// Started again: the same ports, so clients that knew it find it.
	third, err := Start(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Stop()
	if !third.Owned() || third.TCPPort != first.TCPPort || third.HTTPPort != first.HTTPPort {
		t.Fatalf("restart: owned=%v ports %d/%d, want new server on %d/%d", third.Owned(), third.TCPPort, third.HTTPPort, first.TCPPort, first.HTTPPort)
	}
}

func TestNoServerBinary(t *testing.T) {
	_, _, err := findServer(false, []string{t.TempDir()})
	if !errors.Is(err, ErrNoServerBinary) || !strings.Contains(err.Error(), "apt-get install -y clickhouse-server clickhouse-client") {
		t.Fatalf("findServer in an empty folder: %v, want ErrNoServerBinary with the install command", err)
	}
}

// A server outside PATH, where Debian installs it (/usr/sbin), is found.
func TestFindServerOutsidePath(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "clickhouse-server")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	p, args, err := findServer(true, []string{t.TempDir(), dir})
	if err != nil || p != bin || args != nil {
		t.Fatalf("findServer = %q %v %v, want %s", p, args, err, bin)
	}
	if _, args, err := findServer(false, []string{writeExecutable(t, "clickhouse")}); err != nil || len(args) != 1 || args[0] != "server" {
		t.Fatalf("single clickhouse binary: %v %v", args, err)
	}
}

func writeExecutable(t *testing.T, name string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
