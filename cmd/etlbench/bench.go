package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"spdash/queries/localch"
)

const (
	toolSpdash = "spdash"
	toolClient = "clickhouse-client"
)

// scenario is one set of files loaded by each tool.
type scenario struct {
	key   string // short name used in database names
	title string
	rows  int64
	tools []string
}

// result is one timed load.
type result struct {
	scenario, tool string
	round          int
	rows           int64
	wall           time.Duration
	maxRSSKB       int64
	settled        time.Duration // wait for merges before it
	unsettled      bool          // merges still running at the settle cap
	otherCPU       float64       // CPUs used by other processes during it; -1 unknown
	toolCPU        float64       // user + system CPU seconds of the tool's process(es)
	serverCPU      float64       // CPU seconds the bench's ClickHouse server used during it; -1 unknown
	stmtCPU        float64       // of which the load's statements (query log: no merges); -1 unknown
	checked        time.Duration // time the harness took to check the result (not timed)
	attempt        int           // which attempt was kept: the least disturbed by other processes
	tries          int           // attempts made in all
}

// maxAttempts bounds the repeats of a measurement disturbed by other processes.
const maxAttempts = 3

func (r result) rate() float64 { return float64(r.rows) / r.wall.Seconds() }

type bench struct {
	cfg      config
	dir, bin string
	data     *dataset
	srv      *localch.Server
	admin    *admin
	progress func(string, ...any)
	cpu      *cpuMeter
	results  []result
}

func (b *bench) scenarios() []scenario {
	s := []scenario{
		{key: "nat", title: "national sample (4 fact files)", rows: b.data.nationalRows(), tools: []string{toolSpdash, toolClient}},
		{key: "big", title: fmt.Sprintf("outcomes, %s rows", thousands(b.data.BigRows)), rows: b.data.BigRows, tools: []string{toolSpdash, toolClient}},
	}
	if b.data.Small != "" {
		s = append(s, scenario{key: "small", title: fmt.Sprintf("outcomes, %s rows", thousands(b.data.SmallRows)), rows: b.data.SmallRows, tools: []string{toolSpdash}})
	}
	return s
}

func (b *bench) runRounds(ctx context.Context) error {
	for round := 1; round <= b.cfg.rounds; round++ {
		for _, sc := range b.scenarios() {
			tools := sc.tools
			if round%2 == 0 && len(tools) == 2 { // client first in even rounds
				tools = []string{tools[1], tools[0]}
			}
			for _, tool := range tools {
				// A measurement disturbed by other processes is repeated; the least
				// disturbed attempt is kept.
				var res result
				var peakKB int64 // memory does not depend on other work: the peak of every attempt counts
				for attempt := 1; attempt <= maxAttempts; attempt++ {
					r, err := b.measure(ctx, round, sc, tool)
					if err != nil {
						return fmt.Errorf("round %d, %s, %s: %w", round, sc.title, tool, err)
					}
					r.attempt = attempt
					peakKB = max(peakKB, r.maxRSSKB)
					if attempt == 1 || r.otherCPU < res.otherCPU {
						res = r
					}
					res.tries = attempt
					if r.otherCPU < quietCPU {
						break
					}
					if attempt < maxAttempts {
						b.progress("round %d/%d  %s, %s: other processes used %.2f CPUs during it (%.2fs); measuring again",
							round, b.cfg.rounds, sc.title, tool, r.otherCPU, r.wall.Seconds())
					}
				}
				res.maxRSSKB = peakKB
				b.results = append(b.results, res)
				b.progress("round %d/%d  %-28s %-17s %9s rows in %6.2fs = %9.0f rows/s, peak RSS %s, other CPU load %s (checked in %.1fs)",
					round, b.cfg.rounds, sc.title, tool, thousands(res.rows), res.wall.Seconds(), res.rate(), mb(res.maxRSSKB),
					cpus(res.otherCPU), res.checked.Seconds())
			}
		}
	}
	return nil
}

// measure loads one scenario with one tool into a fresh database and checks the result.
func (b *bench) measure(ctx context.Context, round int, sc scenario, tool string) (result, error) {
	short := "spdash"
	if tool == toolClient {
		short = "client"
	}
	db := fmt.Sprintf("%sr%d_%s_%s", benchPrefix, round, sc.key, short)
	name := fmt.Sprintf("r%d_%s_%s", round, sc.key, short)
	res := result{scenario: sc.key, tool: tool, round: round, rows: sc.rows}

	// Untimed preparation: the areas (spdash) or the comparison tables (client).
	if err := b.admin.exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		return res, err
	}
	var files []string
	switch sc.key {
	case "nat":
		files = b.data.Facts
	case "big":
		files = []string{b.data.Big}
	case "small":
		files = []string{b.data.Small}
	}
	if tool == toolSpdash {
		if _, err := b.spdashLoad(ctx, db, name+"_areas", b.data.Areas); err != nil {
			return res, fmt.Errorf("untimed areas load: %w", err)
		}
	} else {
		if err := b.createClientTables(ctx, db); err != nil {
			return res, err
		}
	}
	settled, unsettled, err := b.admin.settle(ctx)
	if err != nil {
		return res, err
	}
	res.settled, res.unsettled = settled, unsettled
	if unsettled {
		b.progress("warning: merges still running after %s; measuring anyway", settleCap)
	}
	if _, err := b.cpu.waitQuiet(ctx, b.progress); err != nil {
		return res, err
	}

	// Timed.
	var childCPU float64
	before := b.cpu.snap()
	// The statements of the load are those the query log has from this
	// second: the areas' load ended at least a second ago (waitQuiet).
	from := before.at
	if tool == toolSpdash {
		m, err := b.spdashLoad(ctx, db, name, files...)
		if err != nil {
			return res, err
		}
		res.wall, res.maxRSSKB, childCPU = m.wall, m.maxRSSKB, m.cpu
	} else {
		for i, f := range files {
			kind := "outcomes"
			if sc.key == "nat" {
				kind = b.data.FactKinds[i]
			}
			m, err := b.clientInsert(ctx, db, fmt.Sprintf("%s_%s", name, kind), kind, f)
			if err != nil {
				return res, err
			}
			res.wall += m.wall
			res.maxRSSKB = max(res.maxRSSKB, m.maxRSSKB)
			childCPU += m.cpu
		}
	}
	after := b.cpu.snap()
	res.otherCPU = other(before, after, childCPU)
	res.toolCPU, res.serverCPU = childCPU, serverCPU(before, after)
	// The checks below are statements too: they start in a later second.
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case <-time.After(after.at.Truncate(time.Second).Add(1100 * time.Millisecond).Sub(time.Now())):
	}
	if res.stmtCPU, err = b.admin.statementsCPU(ctx, from, after.at); err != nil {
		return res, err
	}

	checkStart := time.Now()
	if tool == toolSpdash {
		if err := b.verifySpdash(ctx, db, sc, files); err != nil {
			return res, err
		}
	} else if err := b.verifyClient(ctx, db, sc); err != nil {
		return res, err
	}
	res.checked = time.Since(checkStart)
	// Free the disk and stop the database's merges from reaching the next measurement.
	if err := b.admin.exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		return res, err
	}
	return res, nil
}

// procRun is one finished subprocess.
type procRun struct {
	wall     time.Duration
	maxRSSKB int64
	cpu      float64 // user + system CPU seconds
}

// timed runs cmd with its output in logs/NAME.log, timing it from start to exit
// and reading its peak resident memory from the kernel.
func (b *bench) timed(cmd *exec.Cmd, name string) (procRun, error) {
	logPath := filepath.Join(b.dir, "logs", name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return procRun{}, err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "$ %s\n", strings.Join(cmd.Args, " "))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.WaitDelay = 5 * time.Second

	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return procRun{}, fmt.Errorf("%s: %w\n%s", filepath.Base(cmd.Path), err, tail(logPath, 15))
	}
	r := procRun{wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSSKB = ru.Maxrss // KiB on Linux
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	return r, nil
}

func (b *bench) spdashLoad(ctx context.Context, db, name string, files ...string) (procRun, error) {
	args := append([]string{"etl", "load", "--clickhouse", b.srv.DSN(db),
		"--data-dir", filepath.Join(b.dir, "spdash-data")}, files...)
	cmd := exec.CommandContext(ctx, b.bin, args...)
	m, err := b.timed(cmd, name)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return m, fmt.Errorf("spdash etl load exited with status %d (log: %s): %w",
				ee.ExitCode(), filepath.Join(b.dir, "logs", name+".log"), err)
		}
		return m, err
	}
	return m, nil
}

func (b *bench) clientInsert(ctx context.Context, db, name, kind, file string) (procRun, error) {
	t := clientTables[kind]
	f, err := os.Open(file)
	if err != nil {
		return procRun{}, err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, "clickhouse-client", "--host", "127.0.0.1", "--port", strconv.Itoa(b.srv.TCPPort),
		"--database", db, "--query", fmt.Sprintf("INSERT INTO %s (%s) FORMAT CSVWithNames", kind, strings.Join(t.columns(), ", ")))
	cmd.Stdin = f
	return b.timed(cmd, name)
}

func (b *bench) createClientTables(ctx context.Context, db string) error {
	if err := b.admin.exec(ctx, "CREATE DATABASE "+db); err != nil {
		return err
	}
	for _, k := range factKinds {
		if err := b.admin.exec(ctx, clientTables[k].ddl(db, k)); err != nil {
			return err
		}
	}
	return nil
}

// verifySpdash checks every timed file was committed whole and the analysts'
// views hold exactly the file's rows.
func (b *bench) verifySpdash(ctx context.Context, db string, sc scenario, files []string) error {
	loads, err := b.admin.loads(ctx, db)
	if err != nil {
		return err
	}
	want := map[string]int64{}
	for i, f := range files {
		n := sc.rows
		kind := "outcomes"
		if sc.key == "nat" {
			n, kind = b.data.FactRows[i], b.data.FactKinds[i]
		}
		want[kind] += n
		found := false
		for _, l := range loads {
			if l.File == filepath.Base(f) {
				found = true
				if l.Status != "loaded" || int64(l.Loaded) != n || l.Rejected != 0 {
					return fmt.Errorf("%w: spdash load of %s: status %s, %d loaded, %d rejected; want loaded, %d, 0",
						errVerify, f, l.Status, l.Loaded, l.Rejected, n)
				}
			}
		}
		if !found {
			return fmt.Errorf("%w: no load of %s in %s.load_log", errVerify, f, db)
		}
	}
	// The views name their tables unqualified, so count through a connection to db.
	conn, err := openAdmin(ctx, b.srv.DSN(db))
	if err != nil {
		return err
	}
	defer conn.Close()
	for kind, n := range want {
		got, err := conn.count(ctx, "SELECT count() FROM "+kind)
		if err != nil {
			return err
		}
		if got != n {
			return fmt.Errorf("%w: %s.%s holds %d rows after spdash's load; the file has %d", errVerify, db, kind, got, n)
		}
	}
	return nil
}

func (b *bench) verifyClient(ctx context.Context, db string, sc scenario) error {
	want := map[string]int64{"outcomes": sc.rows}
	if sc.key == "nat" {
		want = map[string]int64{}
		for i, k := range b.data.FactKinds {
			want[k] = b.data.FactRows[i]
		}
	}
	for kind, n := range want {
		got, err := b.admin.count(ctx, fmt.Sprintf("SELECT count() FROM %s.%s", db, kind))
		if err != nil {
			return err
		}
		if got != n {
			return fmt.Errorf("%w: %s.%s holds %d rows after clickhouse-client's insert; the file has %d", errVerify, db, kind, got, n)
		}
	}
	return nil
}

// tail is the last n lines of a log file, indented.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var sb strings.Builder
	for _, l := range lines {
		sb.WriteString("    ")
		sb.Write(l)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// cpus formats a CPU load ("n/a" when unknown).
func cpus(x float64) string {
	if x < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x)
}
