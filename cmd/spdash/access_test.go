package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spdash/internal/users"
	"spdash/queries"
	"spdash/queries/testdb"
)

// runWithInput runs the command line with stdin.
func runWithInput(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	code, err := a.dispatch(context.Background(), args)
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return code, out.String(), errOut.String()
}

func TestUsersAddListRemove(t *testing.T) {
	file := filepath.Join(t.TempDir(), "etc", "users.json")
	if code, _, stderr := runWithInput(t, "short\n", "users", "add", "--users-file", file, "amy"); code != exitInvalid || !strings.Contains(stderr, "at least 12") {
		t.Errorf("a short password: %d %s", code, stderr)
	}
	if code, _, _ := runWithInput(t, "a long enough password\n", "users", "add", "--users-file", file, "--role", "boss", "amy"); code != exitUsage {
		t.Errorf("an unknown role: %d, want 2", code)
	}
	if code, _, _ := runWithInput(t, "a long enough password\n", "users", "add", "--users-file", file, "amy; rm -rf"); code != exitUsage {
		t.Errorf("a bad name: %d, want 2", code)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("refused adds wrote the file")
	}
	code, stdout, stderr := runWithInput(t, "a long enough password\n", "users", "add", "--users-file", file, "--role", "analyst", "--icb", "qhm, qoq", "amy")
	if code != exitOK || !strings.Contains(stdout, "added amy: analyst, ICBs QHM,QOQ") {
		t.Fatalf("add: %d %s %s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "a long enough password") {
		t.Error("the password is echoed")
	}
	runWithInput(t, "", "users", "add", "--users-file", file, "--no-password", "--region", "Y56", "bob")
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("users file: %v, mode %v, want 0600", err, fi.Mode().Perm())
	}
	list, err := users.Read(file)
	if err != nil || len(list) != 2 {
		t.Fatalf("read back: %v %v", list, err)
	}
	if _, ok := users.Authenticate(list, "AMY", "a long enough password"); !ok {
		t.Error("amy cannot sign in with her password")
	}
	if _, ok := users.Authenticate(list, "bob", ""); ok {
		t.Error("a proxy-only user signs in with no password")
	}
	if _, stdout, _ := runWithInput(t, "", "users", "list", "--users-file", file); !strings.Contains(stdout, "amy\tanalyst\tICBs QHM,QOQ\tpassword") ||
		!strings.Contains(stdout, "bob\tviewer\tregions Y56\tproxy only") || strings.Contains(stdout, "$2a$") {
		t.Errorf("list: %s", stdout)
	}
	if code, _, _ := runWithInput(t, "", "users", "remove", "--users-file", file, "amy"); code != exitOK {
		t.Errorf("remove: %d", code)
	}
	if code, _, _ := runWithInput(t, "", "users", "remove", "--users-file", file, "amy"); code != exitInvalid {
		t.Errorf("remove again: %d, want 1", code)
	}
	if list, _ := users.Read(file); len(list) != 1 || list[0].Name != "bob" {
		t.Errorf("after remove: %v", list)
	}
}

func TestServeRefusesUnsafeAccess(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("short"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, "choose --auth"},
		{[]string{"--addr", ":0"}, "choose --auth"},
		{[]string{"--addr", "127.0.0.1:0", "--auth", "sometimes"}, "--auth must be"},
		{[]string{"--addr", ":0", "--auth", "users", "--users-file", filepath.Join(dir, "none.json")}, "spdash users add"},
		{[]string{"--addr", ":0", "--auth", "proxy", "--users-file", writeUsers(t, dir)}, "--trusted-proxies"},
		{[]string{"--addr", ":0", "--auth", "proxy", "--users-file", writeUsers(t, dir), "--trusted-proxies", "not-an-address"}, "not an address"},
		{[]string{"--addr", ":0", "--auth", "users", "--users-file", writeUsers(t, dir), "--session-key-file", keyFile}, "at least 32 bytes"},
	} {
		var out, errOut bytes.Buffer
		a := &app{stdout: &out, stderr: &errOut, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		code, err := a.serve(context.Background(), append(c.args, "--clickhouse", "clickhouse://127.0.0.1:1/none"))
		if code != exitUsage || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %v: %d %v, want 2 saying %q", c.args, code, err, c.want)
		}
	}
}

// The demo has no sign-in: it listens on loopback by default and refuses
// any address other machines could reach, before it generates, starts or
// loads anything.
func TestDemoRefusesAnAddressOthersCanReach(t *testing.T) {
	for _, addr := range []string{":8080", "0.0.0.0:0", "[::]:0", "192.0.2.1:8080"} {
		dataDir := t.TempDir()
		var out, errOut bytes.Buffer
		a := &app{stdout: &out, stderr: &errOut, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		code, err := a.demo(context.Background(), []string{"--addr", addr, "--data-dir", dataDir})
		if code != exitUsage || err == nil || !strings.Contains(err.Error(), "no sign-in") || !strings.Contains(err.Error(), "spdash serve with --auth") {
			t.Errorf("demo --addr %s: %d %v, want 2 saying why and what to do", addr, code, err)
		}
		if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
			t.Errorf("demo --addr %s left %v in its data folder", addr, entries)
		}
	}
	if !loopbackOnly(demoAddr) {
		t.Errorf("the demo's default address %s is not loopback only", demoAddr)
	}
}

func writeUsers(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "users.json")
	h, err := users.HashPassword("a long enough password", 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Write(path, []users.User{{Name: "ops", Role: users.Admin, PasswordHash: h}}); err != nil {
		t.Fatal(err)
	}
	return path
}

// The production shape: the dashboard reads as the read-only ClickHouse user
// and writes its audit through a writer; sign-in, a download and a load are
// all in the audit table afterwards, with who did them.
func TestServeSignedInAuditsThroughAWriter(t *testing.T) {
	dsn := testdb.DSN(t)
	dir := t.TempDir()
	runCLI(t, "etl", "generate", "--out", dir, "--seed", "5")
	if code, _, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, "--actor", "etl-robot", dir); code != exitOK {
		t.Fatalf("load: %d %s", code, stderr)
	}
	usersFile := writeUsers(t, t.TempDir())
	readerDSN := strings.Replace(dsn, "clickhouse://default@", "clickhouse://spdash_reader@", 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, log: slog.New(slog.NewTextHandler(&errOut, nil))}
	done := make(chan int, 1)
	go func() {
		code, _ := a.serve(ctx, []string{"--clickhouse", readerDSN, "--audit-clickhouse", dsn, "--addr", addr,
			"--auth", "users", "--users-file", usersFile, "--insecure-cookies"})
		done <- code
	}()
	base := "http://" + addr
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/login", url.Values{"name": {"ops"}, "password": {"a long enough password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "spdash_session" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil || session.Secure {
		t.Fatalf("sign in: %d, cookie %v (--insecure-cookies: not Secure)", resp.StatusCode, session)
	}
	req, _ := http.NewRequest("GET", base+"/download/capacity.csv", nil)
	req.AddCookie(session)
	dl, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, dl.Body)
	dl.Body.Close()
	if dl.StatusCode != http.StatusOK {
		t.Fatalf("download: %d\n%s", dl.StatusCode, errOut.String())
	}
	cancel() // shutdown stores what the auditor holds
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "sign-in with the users file") {
		t.Errorf("serve's banner: %s", out.String())
	}
	db, err := queries.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events, err := db.RecentAudit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"ops " + queries.AuditSignIn: false, "ops " + queries.AuditDownload: false, "etl-robot " + queries.AuditLoad: false}
	for _, e := range events {
		k := e.Actor + " " + e.Action
		if _, ok := want[k]; ok && e.RequestID != "" {
			want[k] = true
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("no audit row %q with a request or load id in %v\n%s", k, events, errOut.String())
		}
	}
	if strings.Contains(errOut.String(), "a long enough password") {
		t.Error("the password is in the log")
	}
}

// A DSN's password never reaches a message: unreachable, or malformed.
func TestSecretsStayOutOfMessages(t *testing.T) {
	dir := t.TempDir()
	runCLI(t, "etl", "generate", "--out", dir, "--seed", "2")
	for _, dsn := range []string{"clickhouse://spdash:s3cret-pw@127.0.0.1:1/spdash", "clickhouse://spdash:s3cret-pw@127.0.0.1:1/bad-db-name!"} {
		code, stdout, stderr := runCLI(t, "etl", "load", "--clickhouse", dsn, filepath.Join(dir, "areas.csv"))
		if code == exitOK || strings.Contains(stdout+stderr, "s3cret-pw") {
			t.Errorf("%s: exit %d, and the password in the output:\n%s%s", dsn, code, stdout, stderr)
		}
	}
}

// At a terminal (script(1) gives the command one), the password is asked
// twice and never echoed; two different ones change nothing.
func TestUsersAddAtATerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("this test needs script(1) (util-linux) to give the command a terminal")
	}
	file := filepath.Join(t.TempDir(), "users.json")
	for _, c := range []struct {
		second string
		ok     bool
	}{{"another password!", false}, {"a long enough password", true}} {
		cmd := exec.Command(script, "-qec", "'"+os.Args[0]+"' users add --users-file '"+file+"' --role analyst amy", "/dev/null")
		cmd.Env = append(os.Environ(), "SPDASH_TEST_MAIN=1")
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		io.WriteString(in, "a long enough password\r")
		time.Sleep(500 * time.Millisecond)
		io.WriteString(in, c.second+"\r")
		time.Sleep(500 * time.Millisecond)
		in.Close()
		err = cmd.Wait()
		text := out.String()
		if strings.Contains(text, "a long enough password") || strings.Contains(text, "another password") {
			t.Errorf("the password is echoed: %q", text)
		}
		list, _ := users.Read(file)
		_, signs := users.Authenticate(list, "amy", "a long enough password")
		if c.ok != (err == nil && signs) {
			t.Errorf("second password %q: exit %v, signs in %v, want %v: %q", c.second, err, signs, c.ok, text)
		}
		if !c.ok && !strings.Contains(text, "the two passwords differ") {
			t.Errorf("a mistyped second password is not reported: %q", text)
		}
	}
}
