package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"spdash/dashboard"
	"spdash/queries"
	"spdash/queries/testdb"
)

// No Docker engine runs on these machines: these tests check what can be
// checked without one. The Dockerfile's own build command makes a static
// binary; the final stage runs it as a non-root user from the path it was
// copied to; its health check answers; and the commands of the image and of
// deploy/compose.yaml run as written, with their volumes mapped to folders
// here and their DSNs to the test server.

const repoRoot = "../.."

// dockerfile is the Dockerfile's instructions, continuation lines joined.
func dockerfile(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// instruction returns the arguments of the instructions named, in stage.
func instructions(lines []string, stage int, name string) []string {
	var out []string
	n := -1
	for _, l := range lines {
		word, rest, _ := strings.Cut(l, " ")
		if strings.EqualFold(word, "FROM") {
			n++
			continue
		}
		if n == stage && strings.EqualFold(word, name) {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

func jsonArgs(t *testing.T, s string) []string {
	t.Helper()
	var args []string
	if err := json.Unmarshal([]byte(s), &args); err != nil {
		t.Fatalf("not an exec-form list: %s: %v", s, err)
	}
	return args
}

// buildAsDockerfile runs the Dockerfile's go build, writing to dir.
func buildAsDockerfile(t *testing.T, lines []string, dir string) string {
	t.Helper()
	var build string
	for _, r := range instructions(lines, 0, "RUN") {
		if strings.Contains(r, "go build") {
			build = r
		}
	}
	if !strings.HasPrefix(build, "CGO_ENABLED=0 go build") || !strings.Contains(build, "-o /out/spdash ./cmd/spdash") {
		t.Fatalf("the build stage's go build is %q, want CGO_ENABLED=0 go build … -o /out/spdash ./cmd/spdash", build)
	}
	bin := filepath.Join(dir, "spdash")
	cmd := exec.Command("sh", "-c", strings.Replace(build, "/out/spdash", bin, 1))
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, out)
	}
	return bin
}

func TestDockerfile(t *testing.T) {
	lines := dockerfile(t)
	if len(instructions(lines, 1, "COPY")) == 0 {
		t.Fatal("the Dockerfile has no final stage copying the binary")
	}
	bin := buildAsDockerfile(t, lines, t.TempDir())

	// Static: no interpreter, no shared libraries (the final image has no libc).
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v", libs)
	}
	f.Close()

	// The final stage: the binary where ENTRYPOINT and HEALTHCHECK look, a
	// non-root user, the port serve listens on.
	var installed string
	for _, c := range instructions(lines, 1, "COPY") {
		if strings.HasPrefix(c, "--from=build /out/spdash ") {
			installed = strings.TrimPrefix(c, "--from=build /out/spdash ")
		}
	}
	entry := instructions(lines, 1, "ENTRYPOINT")
	if installed == "" || len(entry) != 1 || jsonArgs(t, entry[0])[0] != installed {
		t.Errorf("the binary is copied to %q but ENTRYPOINT is %v", installed, entry)
	}
	user := instructions(lines, 1, "USER")
	if len(user) != 1 || strings.HasPrefix(user[0], "0") || strings.HasPrefix(user[0], "root") {
		t.Errorf("USER %v: the image must not run as root", user)
	}
	hc := instructions(lines, 1, "HEALTHCHECK")
	if len(hc) != 1 || !strings.Contains(hc[0], " CMD [") {
		t.Fatalf("HEALTHCHECK %v", hc)
	}
	hcArgs := jsonArgs(t, hc[0][strings.Index(hc[0], "["):])
	if hcArgs[0] != installed || hcArgs[1] != "healthcheck" || !strings.HasSuffix(hcArgs[len(hcArgs)-1], ":8080/healthz") {
		t.Errorf("HEALTHCHECK runs %v", hcArgs)
	}
	if expose := instructions(lines, 1, "EXPOSE"); len(expose) != 1 || expose[0] != "8080" {
		t.Errorf("EXPOSE %v, want 8080", expose)
	}

	// The health check, with the built binary, against a dashboard and a
	// server that is not well.
	db := testdb.New(t)
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	if out, err := exec.Command(bin, "healthcheck", "--url", srv.URL+"/healthz").CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Errorf("healthcheck of a running dashboard: %v %s", err, out)
	}
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer sick.Close()
	if err := exec.Command(bin, "healthcheck", "--url", sick.URL+"/healthz").Run(); err == nil {
		t.Error("healthcheck of a 503 exits 0")
	}
	if err := exec.Command(bin, "healthcheck", "--url", "http://127.0.0.1:1/healthz").Run(); err == nil {
		t.Error("healthcheck of nothing exits 0")
	}

	// The image's CMD, as written, with /etc/spdash a folder here: it
	// serves, and makes its session key on the first start.
	cmdArgs := jsonArgs(t, instructions(lines, 1, "CMD")[0])
	etc := t.TempDir()
	writeUsers(t, etc)
	runsAndAnswers(t, bin, remap(cmdArgs, map[string]string{"/etc/spdash": etc}), []string{"SPDASH_CLICKHOUSE_URL=" + testdb.DSN(t)})
	if fi, err := os.Stat(filepath.Join(etc, "session.key")); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 32 {
		t.Errorf("session key made at the first start: %v %v", fi, err)
	}
}

// remap replaces container paths in args, and serve's :8080 with a free port.
func remap(args []string, paths map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		for from, to := range paths {
			if a == from || strings.HasPrefix(a, from+"/") {
				a = to + strings.TrimPrefix(a, from)
			}
		}
		if a == ":8080" {
			a = "127.0.0.1:0"
		}
		out[i] = a
	}
	return out
}

var bannerAddr = regexp.MustCompile(`dashboard: (http://\S+/)`)

// runsAndAnswers starts a serve command, waits for its banner, asks
// /healthz and /readyz, and stops it.
func runsAndAnswers(t *testing.T, bin string, args, env []string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := bannerAddr.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	var base string
	select {
	case base = <-found:
	case <-time.After(30 * time.Second):
	}
	if base == "" {
		t.Fatalf("%v did not start serving:\n%s", args, stderr.String())
	}
	for _, p := range []string{"healthz", "readyz"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatalf("%s%s: %v", base, p, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%v: /%s %d\n%s", args, p, resp.StatusCode, stderr.String())
		}
	}
}

// compose is what the test reads of deploy/compose.yaml.
type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       string            `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

var composeVar = regexp.MustCompile(`\$\{([A-Z_]+)(?::?[-?][^}]*)?\}`)

// TestCompose reads deploy/compose.yaml and runs its spdash jobs in order,
// as compose would: migrate as the writer, load (of generated sample files
// in the data folder), then the dashboard as the read-only user, each with
// its DSN pointed at the test server and its volumes at folders here.
func TestCompose(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}
	ch := c.Services["clickhouse"]
	if !regexp.MustCompile(`^clickhouse/clickhouse-server:(2[4-9]|[3-9]\d)\.\d+$`).MatchString(ch.Image) || ch.Healthcheck == nil {
		t.Errorf("clickhouse service: image %q (want a current LTS, 24.x or later), healthcheck %v", ch.Image, ch.Healthcheck)
	}
	if !slicesHasPrefix(ch.Volumes, "clickhouse-data:/var/lib/clickhouse") || !hasKey(c.Volumes, "clickhouse-data") {
		t.Errorf("clickhouse data is not on a named volume: %v", ch.Volumes)
	}
	init, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "clickhouse-init", "01-spdash-users.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GRANT SELECT ON spdash.* TO spdash_dashboard", "GRANT INSERT ON spdash.audit TO spdash_dashboard", "GRANT ALL ON spdash.* TO spdash_writer"} {
		if !strings.Contains(string(init), want) {
			t.Errorf("the ClickHouse init script lacks %q", want)
		}
	}
	if c.Services["migrate"].DependsOn["clickhouse"].Condition != "service_healthy" ||
		c.Services["load"].DependsOn["migrate"].Condition != "service_completed_successfully" ||
		c.Services["dashboard"].DependsOn["migrate"].Condition != "service_completed_successfully" {
		t.Errorf("the order is not clickhouse healthy → migrate → load and dashboard")
	}

	bin := buildAsDockerfile(t, dockerfile(t), t.TempDir())
	dsn := testdb.DSN(t)
	writerDSN := dsn
	readerDSN := strings.Replace(dsn, "clickhouse://default@", "clickhouse://spdash_reader@", 1)
	data, etc, reports := t.TempDir(), t.TempDir(), t.TempDir()
	if out, err := exec.Command(bin, "etl", "generate", "--out", data, "--seed", "8").CombinedOutput(); err != nil {
		t.Fatalf("generate: %v %s", err, out)
	}
	writeUsers(t, etc)
	paths := map[string]string{"/data": data, "/etc/spdash": etc, "/var/lib/spdash": reports}
	env := func(name string) []string {
		s := c.Services[name]
		var out []string
		for k, v := range s.Environment {
			if k == "SPDASH_CLICKHOUSE_URL" {
				switch {
				case strings.Contains(v, "spdash_writer"):
					v = writerDSN
				case strings.Contains(v, "spdash_dashboard"):
					v = readerDSN
				default:
					t.Fatalf("%s connects as neither the writer nor the dashboard user: %s", name, v)
				}
			}
			out = append(out, k+"="+composeVar.ReplaceAllString(v, "x"))
		}
		return out
	}
	for _, name := range []string{"migrate", "load"} {
		s := c.Services[name]
		cmd := exec.Command(bin, remap(s.Command, paths)...)
		cmd.Env = append(os.Environ(), env(name)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("compose's %s %v: %v\n%s", name, s.Command, err, out)
		}
	}
	ctx := context.Background()
	db, err := queries.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n uint64
	// The five returns and the two published NHS files the generator writes.
	if err := db.QueryRow(ctx, "SELECT count() FROM audit WHERE action = 'load' AND actor = 'compose-load'").Scan(&n); err != nil || n != 7 {
		t.Errorf("the load job's audit rows: %d %v, want its 7 files by compose-load", n, err)
	}
	runsAndAnswers(t, bin, remap(c.Services["dashboard"].Command, paths), env("dashboard"))
}

func slicesHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
