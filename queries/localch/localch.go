// Package localch starts (or reuses) a private ClickHouse server in a data folder,
// for the demo, the tests and anyone who has not configured a server.
//
// The server listens on free loopback ports with a config generated into
// DIR/clickhouse. A state file records its pid and port so that a second
// spdash process using the same folder reuses the running server instead of
// starting another; only the process that started it stops it.
package localch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"text/template"
	"time"
)

// InstallHint tells a user how to get a server binary.
const InstallHint = "install one with: apt-get install -y clickhouse-server clickhouse-client (Debian/Ubuntu), " +
	"or pass --clickhouse clickhouse://user:password@host:9000/database"

// ErrNoServerBinary is returned when neither clickhouse-server nor clickhouse is on PATH.
var ErrNoServerBinary = errors.New("no ClickHouse server binary (clickhouse-server or clickhouse) found on PATH or in /usr/sbin, /usr/bin, /usr/local/bin; " + InstallHint)

// Server is a running local ClickHouse.
type Server struct {
	Dir      string // the server's own folder (DATA_DIR/clickhouse)
	TCPPort  int
	HTTPPort int  // the HTTP interface, for tests that copy tables as text
	owned    bool // started by this process, so Stop stops it
	pid      int
	proc     *os.Process
	exited   chan struct{}
	log      *slog.Logger
}

type state struct {
	PID      int `json:"pid"`
	TCPPort  int `json:"tcp_port"`
	HTTPPort int `json:"http_port"`
}

// DSN is the clickhouse-go address of the server for the given database.
func (s *Server) DSN(database string) string {
	return fmt.Sprintf("clickhouse://default@127.0.0.1:%d/%s?dial_timeout=5s", s.TCPPort, database)
}

// Addr is host:port of the native protocol.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.TCPPort)) }

// PID is the server process's id.
func (s *Server) PID() int { return s.pid }

// Owned reports whether this process started the server (and will stop it).
func (s *Server) Owned() bool { return s.owned }

// Start reuses the server already running for dataDir, or starts a new one and
// waits until it accepts queries.
func Start(ctx context.Context, dataDir string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	dir, err := filepath.Abs(filepath.Join(dataDir, "clickhouse"))
	if err != nil {
		return nil, fmt.Errorf("local clickhouse: %w", err)
	}
	for _, sub := range []string{"data", "tmp", "log", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("local clickhouse: create %s: %w", sub, err)
		}
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.unlock()

	st, hadState := readState(dir)
	if hadState && st.PID > 0 && processAlive(st.PID) {
		if err := waitReady(ctx, st.TCPPort, 10*time.Second, nil); err == nil {
			log.Info("reusing local clickhouse", "dir", dir, "port", st.TCPPort, "pid", st.PID)
			return &Server{Dir: dir, TCPPort: st.TCPPort, HTTPPort: st.HTTPPort, pid: st.PID, log: log}, nil
		}
	}

	bin, args, err := serverCommand()
	if err != nil {
		return nil, err
	}
	// The ports of the server's last run when they are free, so that a
	// restarted server is where its clients (a running dashboard) expect it.
	tcpPort, httpPort := st.TCPPort, st.HTTPPort
	if !hadState || !portFree(tcpPort) || !portFree(httpPort) || tcpPort == httpPort {
		if tcpPort, err = freePort(); err != nil {
			return nil, err
		}
		if httpPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	cfg := filepath.Join(dir, "config.xml")
	if err := writeConfig(dir, tcpPort, httpPort); err != nil {
		return nil, err
	}
	out, err := os.OpenFile(filepath.Join(dir, "log", "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("local clickhouse: %w", err)
	}
	defer out.Close()
	cmd := exec.Command(bin, append(args, "--config-file="+cfg)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group: a Ctrl-C in the terminal reaches spdash, which then
	// stops the server cleanly, rather than killing the server first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("local clickhouse: start %s: %w", bin, err)
	}
	s := &Server{Dir: dir, TCPPort: tcpPort, HTTPPort: httpPort, owned: true, pid: cmd.Process.Pid, proc: cmd.Process, exited: make(chan struct{}), log: log}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := waitReady(ctx, tcpPort, 60*time.Second, s.exited); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("local clickhouse did not become ready (see %s): %w", filepath.Join(dir, "log"), err)
	}
	if err := writeState(dir, state{PID: s.pid, TCPPort: tcpPort, HTTPPort: httpPort}); err != nil {
		_ = s.Stop()
		return nil, err
	}
	log.Info("started local clickhouse", "dir", dir, "port", tcpPort, "pid", s.pid)
	return s, nil
}

// Stop stops the server if this process started it; a reused server is left running.
func (s *Server) Stop() error {
	if !s.owned || s.proc == nil {
		return nil
	}
	_ = s.proc.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.proc.Kill()
		<-s.exited
	}
	// Keep the ports (no pid: nothing runs) for the next start to reuse.
	_ = writeState(s.Dir, state{TCPPort: s.TCPPort, HTTPPort: s.HTTPPort})
	s.log.Info("stopped local clickhouse", "pid", s.pid)
	return nil
}

// serverCommand finds the server binary: Debian's clickhouse-server, or the
// single `clickhouse` binary of current releases, on PATH or where the
// packages install them (Debian puts clickhouse-server in /usr/sbin, which an
// ordinary user's PATH lacks).
func serverCommand() (string, []string, error) {
	return findServer(os.Getenv("PATH") != "", []string{"/usr/sbin", "/usr/bin", "/usr/local/bin"})
}

func findServer(usePath bool, dirs []string) (string, []string, error) {
	for _, c := range []struct {
		name string
		args []string
	}{{"clickhouse-server", nil}, {"clickhouse", []string{"server"}}} {
		if usePath {
			if p, err := exec.LookPath(c.name); err == nil {
				return p, c.args, nil
			}
		}
		for _, d := range dirs {
			p := filepath.Join(d, c.name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return p, c.args, nil
			}
		}
	}
	return "", nil, ErrNoServerBinary
}

// portFree reports whether a loopback port can be listened on now.
func portFree(port int) bool {
	if port <= 0 {
		return false
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("local clickhouse: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the native port with a protocol hello until the server answers.
func waitReady(ctx context.Context, port int, limit time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(limit)
	for {
		err := ping(ctx, port)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return errors.New("server process exited")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func readState(dir string) (state, bool) {
	var st state
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil || json.Unmarshal(b, &st) != nil || st.PID < 0 || st.TCPPort <= 0 {
		return state{}, false
	}
	return st, true
}

func writeState(dir string, st state) error {
	b, _ := json.Marshal(st)
	tmp := filepath.Join(dir, "state.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("local clickhouse: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, "state.json"))
}

func processAlive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

type dirLock struct{ f *os.File }

// lockDir serialises starts in one folder across processes.
func lockDir(dir string) (*dirLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, "start.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("local clickhouse: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("local clickhouse: lock %s: %w", dir, err)
	}
	return &dirLock{f: f}, nil
}

func (l *dirLock) unlock() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

var configTemplate = template.Must(template.New("config").Parse(`<?xml version="1.0"?>
<!-- Generated by spdash for its local ClickHouse; rewritten at every start. -->
<yandex>
  <logger>
    <level>warning</level>
    <log>{{.Dir}}/log/server.log</log>
    <errorlog>{{.Dir}}/log/server.err.log</errorlog>
    <size>10M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{{.TCPPort}}</tcp_port>
  <http_port>{{.HTTPPort}}</http_port>
  <path>{{.Dir}}/data/</path>
  <tmp_path>{{.Dir}}/tmp/</tmp_path>
  <user_files_path>{{.Dir}}/user_files/</user_files_path>
  <format_schema_path>{{.Dir}}/format_schemas/</format_schema_path>
  <users_config>{{.Dir}}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <!-- Every statement is logged (log_queries in the profiles), as current
       ClickHouse releases do by default: operators can see what spdash ran,
       and the engine check replays the product's statements on ClickHouse 26. -->
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <flush_interval_milliseconds>7500</flush_interval_milliseconds>
  </query_log>
</yandex>
`))

// The reader user is read-only but may set per-query limits such as
// max_execution_time (readonly=2; readonly=1 silently ignores them).
const usersXML = `<?xml version="1.0"?>
<!-- Generated by spdash for its local ClickHouse. -->
<yandex>
  <profiles>
    <default><max_memory_usage>4000000000</max_memory_usage><log_queries>1</log_queries></default>
    <reader><readonly>2</readonly><max_memory_usage>2000000000</max_memory_usage><log_queries>1</log_queries></reader>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <spdash_reader>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>reader</profile>
      <quota>default</quota>
    </spdash_reader>
  </users>
  <quotas>
    <default>
      <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
    </default>
  </quotas>
</yandex>
`

func writeConfig(dir string, tcpPort, httpPort int) error {
	var buf bytes.Buffer
	if err := configTemplate.Execute(&buf, map[string]any{"Dir": dir, "TCPPort": tcpPort, "HTTPPort": httpPort}); err != nil {
		return fmt.Errorf("local clickhouse: config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("local clickhouse: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(usersXML), 0o644); err != nil {
		return fmt.Errorf("local clickhouse: %w", err)
	}
	return nil
}
