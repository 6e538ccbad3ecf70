package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// env is where and on what the numbers were measured.
type env struct {
	Date       string
	CPUs       int
	CPUModel   string
	MemTotal   string
	ClickHouse string
	Client     string
	Go         string
	Commit     string
	Took       time.Duration
}

func collectEnv(ctx context.Context, commit string, a *admin) (env, error) {
	e := env{Date: time.Now().UTC().Format("2006-01-02"), CPUs: runtime.NumCPU(), Go: runtime.Version(),
		CPUModel: "unknown", MemTotal: "unknown", Client: "unknown", Commit: commit}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if v, ok := procField(b, "model name"); ok {
			e.CPUModel = v
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if v, ok := procField(b, "MemTotal"); ok {
			if kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64); err == nil {
				e.MemTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	v, err := a.version(ctx)
	if err != nil {
		return e, err
	}
	e.ClickHouse = v
	if out, err := exec.CommandContext(ctx, "clickhouse-client", "--version").Output(); err == nil {
		e.Client = strings.TrimSpace(string(out))
	} else {
		return e, fmt.Errorf("clickhouse-client --version: %w (is clickhouse-client installed?)", err)
	}
	return e, nil
}

func procField(b []byte, name string) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// stats of one tool in one scenario over the rounds.
type stats struct {
	present        bool
	rows           int64
	median, lo, hi float64 // rows/s
	medianWall     time.Duration
	maxRSSKB       int64
	// CPU seconds, medians: the tool's process(es), the server's during
	// the load and the two together (-1 unknown).
	toolCPU, serverCPU, totalCPU float64
	// The same for the server's statements alone (the query log: no
	// background merges), and with the tool's.
	stmtCPU, totalStmtCPU float64
}

func summarize(results []result, scenario, tool string) stats {
	var s stats
	var rates, walls, toolCPU, serverCPU, totalCPU, stmtCPU, totalStmtCPU []float64
	for _, r := range results {
		if r.scenario != scenario || r.tool != tool {
			continue
		}
		s.present = true
		s.rows = r.rows
		rates = append(rates, r.rate())
		walls = append(walls, r.wall.Seconds())
		s.maxRSSKB = max(s.maxRSSKB, r.maxRSSKB)
		toolCPU = append(toolCPU, r.toolCPU)
		if r.stmtCPU >= 0 {
			stmtCPU = append(stmtCPU, r.stmtCPU)
			totalStmtCPU = append(totalStmtCPU, r.toolCPU+r.stmtCPU)
		}
		if r.serverCPU >= 0 {
			serverCPU = append(serverCPU, r.serverCPU)
			totalCPU = append(totalCPU, r.toolCPU+r.serverCPU)
		}
	}
	if !s.present {
		return s
	}
	s.toolCPU = median(toolCPU)
	s.stmtCPU, s.totalStmtCPU = -1, -1
	if len(stmtCPU) > 0 {
		s.stmtCPU, s.totalStmtCPU = median(stmtCPU), median(totalStmtCPU)
	}
	if len(serverCPU) > 0 {
		s.serverCPU, s.totalCPU = median(serverCPU), median(totalCPU)
	} else {
		s.serverCPU, s.totalCPU = -1, -1
	}
	s.median = median(rates)
	s.lo, s.hi = slices.Min(rates), slices.Max(rates)
	s.medianWall = time.Duration(median(walls) * float64(time.Second))
	return s
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

const (
	targetRatio = 0.5 // the ETL issue's target
	// issue15Ratio is issue 15's target 5: the load at or above the
	// client's speed with the builds its commit makes.
	issue15Ratio = 1.0
	targetRSSMB  = 200 // the issue's "200 MB" (10^6 bytes) of peak resident memory
)

// renderResults is the markdown that goes between the results markers.
func renderResults(e env, cfg config, d *dataset, results []result) string {
	var sb strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&sb, format, args...) }
	p("Measured %s (UTC) with `%s`; total run time %s.\n\n", e.Date, cfg.command(), e.Took.Round(time.Second))
	p("| Machine | |\n|---|---|\n")
	p("| CPU | %d × %s |\n| Memory | %s |\n| ClickHouse server | %s (local, started by the harness) |\n| clickhouse-client | %s |\n| Go | %s |\n| spdash commit | %s |\n\n",
		e.CPUs, e.CPUModel, e.MemTotal, e.ClickHouse, strings.TrimSuffix(strings.TrimPrefix(e.Client, "ClickHouse client version "), "."), e.Go, e.Commit)

	p("Throughput: median rows/s over %d rounds (min–max in brackets); ratio = spdash median / client median (target ≥ %.1f×; issue 15's target 5, in brackets, ≥ %.1f×).\n\n", cfg.rounds, targetRatio, issue15Ratio)
	p("| File | Rows | spdash rows/s | clickhouse-client rows/s | Ratio | spdash peak RSS | client peak RSS |\n")
	p("|---|--:|--:|--:|--:|--:|--:|\n")
	titles := map[string]string{"nat": "national sample: activity, training, outcomes, funding", "big": "outcomes (big file)", "small": "outcomes (smaller file)"}
	for _, key := range []string{"nat", "big"} {
		sp, cl := summarize(results, key, toolSpdash), summarize(results, key, toolClient)
		if !sp.present || !cl.present {
			continue
		}
		ratio := sp.median / cl.median
		mark := "✅"
		if ratio < targetRatio {
			mark = "❌"
		}
		if ratio >= issue15Ratio {
			mark += fmt.Sprintf(" (≥ %.1f× ✅)", issue15Ratio)
		} else {
			mark += fmt.Sprintf(" (≥ %.1f× ❌)", issue15Ratio)
		}
		p("| %s | %s | %s (%s–%s) | %s (%s–%s) | **%.2f×** %s | %s | %s |\n",
			titles[key], thousands(sp.rows),
			thousands(int64(sp.median)), thousands(int64(sp.lo)), thousands(int64(sp.hi)),
			thousands(int64(cl.median)), thousands(int64(cl.lo)), thousands(int64(cl.hi)),
			ratio, mark, mb(sp.maxRSSKB), mb(cl.maxRSSKB))
	}
	p("\n")
	renderCPU(p, e.CPUs, titles, results)

	p("Peak memory of `spdash etl load` by file size (max over rounds of the process's peak resident set; target < %d MB whatever the size; 1 MB = 10⁶ bytes):\n\n", targetRSSMB)
	p("| File | Rows | Size | spdash peak RSS | spdash rows/s (median) | Wall time (median) |\n|---|--:|--:|--:|--:|--:|\n")
	sizeOf := func(paths ...string) string {
		var n int64
		for _, f := range paths {
			if st, err := os.Stat(f); err == nil {
				n += st.Size()
			}
		}
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	}
	files := map[string][]string{"nat": d.Facts, "big": {d.Big}, "small": {d.Small}}
	for _, key := range []string{"small", "big", "nat"} {
		sp := summarize(results, key, toolSpdash)
		if !sp.present {
			continue
		}
		mark := "✅"
		if float64(sp.maxRSSKB)*1024 >= targetRSSMB*1e6 {
			mark = "❌"
		}
		p("| %s | %s | %s | %s %s | %s | %.1f s |\n", titles[key], thousands(sp.rows), sizeOf(files[key]...),
			mb(sp.maxRSSKB), mark, thousands(int64(sp.median)), sp.medianWall.Seconds())
	}

	var unsettled, busy, repeats int
	var settledMax time.Duration
	otherMax := -1.0
	for _, r := range results {
		settledMax = max(settledMax, r.settled)
		otherMax = max(otherMax, r.otherCPU)
		if r.unsettled {
			unsettled++
		}
		if r.otherCPU >= quietCPU {
			busy++
		}
		repeats += r.tries - 1
	}
	p("\nLongest wait for background merges to finish before a measurement: %.1f s", settledMax.Seconds())
	if unsettled > 0 {
		p("; %d measurement(s) started with merges still running after the %s cap", unsettled, settleCap)
	}
	p(". Highest CPU load of other processes (neither the load nor the bench's ClickHouse server) during a measurement: %s CPUs", cpus(otherMax))
	if busy > 0 {
		p("; %d measurement(s) shared the machine with ≥ %.2f CPUs of other work, so their times are pessimistic", busy, quietCPU)
	}
	if repeats > 0 {
		p("; %d extra attempt(s) were made because other work disturbed a measurement (at most %d attempts each; the least disturbed one is kept)", repeats, maxAttempts)
	}
	p(".\n")
	var checks []float64
	for _, r := range results {
		if r.scenario == "big" && r.tool == toolSpdash {
			checks = append(checks, r.checked.Seconds())
		}
	}
	if len(checks) > 0 {
		p("\nChecking each spdash load of the big file (not timed) mostly means `SELECT count() FROM outcomes`, the analysts' view over %s rows: it took %.1f s (median).\n",
			thousands(d.BigRows), median(checks))
	}
	p("\nEvery measurement (in each round the tool listed first went first):\n\n")
	p("| Round | File | Tool | Wall time | Rows/s | Peak RSS | Tool CPU | Server CPU: statements | Server CPU, all | Other CPU load |\n|--:|---|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range results {
		tool := r.tool
		if r.tries > 1 {
			tool += fmt.Sprintf(" (attempt %d of %d)", r.attempt, r.tries)
		}
		p("| %d | %s | %s | %.2f s | %s | %s | %s | %s | %s | %s |\n", r.round, titles[r.scenario], tool, r.wall.Seconds(),
			thousands(int64(r.rate())), mb(r.maxRSSKB), seconds(r.toolCPU), seconds(r.stmtCPU), seconds(r.serverCPU), cpus(r.otherCPU))
	}
	return sb.String()
}

// renderCPU is the table of what each tool's loads cost in CPU time, and
// the bound that puts on spdash's ratio on this machine.
func renderCPU(p func(string, ...any), ncpu int, titles map[string]string, results []result) {
	type row struct {
		title       string
		sp, cl      stats
		best, ratio float64
	}
	var rows []row
	for _, key := range []string{"nat", "big"} {
		sp, cl := summarize(results, key, toolSpdash), summarize(results, key, toolClient)
		if !sp.present || !cl.present || sp.totalStmtCPU <= 0 || cl.totalStmtCPU <= 0 {
			continue
		}
		rows = append(rows, row{titles[key], sp, cl, cl.medianWall.Seconds() / (sp.totalStmtCPU / float64(ncpu)), sp.totalStmtCPU / cl.totalStmtCPU})
	}
	if len(rows) == 0 {
		return
	}
	p("CPU time per load, medians over the rounds (each column its own median, so they need not add up): the tool's own process(es) (user + system, from `wait4`), ")
	p("the server's for the load's statements (`system.query_log`: the statements that finished during the load, the harness's own not logged) and ")
	p("all the server's CPU during the load (`/proc/PID/stat`: the statements and the background merges of the load's parts that ran meanwhile). ")
	p("CPU time is what the work costs whatever the machine's speed at the moment. *Best possible ratio* = the client's median wall time / (spdash's median CPU for its process and statements / %d): ", ncpu)
	p("the ratio spdash would reach if it kept all %d CPUs busy from start to end and left its merges for later. It is an estimate, not a proof: ", ncpu)
	p("a CPU second costs more wall time when both CPUs are busy, and its merges would come later but not vanish.\n\n")
	p("| File | spdash process | server: spdash's statements | server, all | client process | server: client's statements | server, all | spdash / client CPU (process + statements) | best possible ratio |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		p("| %s | %s | %s | %s | %s | %s | %s | %.2f× | %.2f× |\n", r.title,
			seconds(r.sp.toolCPU), seconds(r.sp.stmtCPU), seconds(r.sp.serverCPU),
			seconds(r.cl.toolCPU), seconds(r.cl.stmtCPU), seconds(r.cl.serverCPU),
			r.ratio, r.best)
	}
	p("\n")
}

// seconds formats CPU seconds; n/a when unknown (negative).
func seconds(x float64) string {
	if x < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f s", x)
}

const (
	startMarker = "<!-- results:start -->"
	endMarker   = "<!-- results:end -->"
)

// splitMarkers returns the file's text before the start marker (included) and
// from the end marker (included).
func splitMarkers(path string) (string, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("--out: %w", err)
	}
	s := string(b)
	i := strings.Index(s, startMarker)
	j := strings.Index(s, endMarker)
	if i < 0 || j < i {
		return "", "", fmt.Errorf("--out %s: needs the lines %s and %s (in that order) around the results section", path, startMarker, endMarker)
	}
	return s[:i+len(startMarker)], s[j:], nil
}

func replaceResults(path, table string) error {
	before, after, err := splitMarkers(path)
	if err != nil {
		return err
	}
	text := before + "\n" + table + "\n" + after
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// thousands formats n with commas.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// mb formats a size in KiB (ru_maxrss) as decimal megabytes, the unit of the target.
func mb(kb int64) string { return fmt.Sprintf("%.0f MB", float64(kb)*1024/1e6) }

// command is the command line that reproduces the run (without --dir and --out).
func (c config) command() string {
	cmd := fmt.Sprintf("go run ./cmd/etlbench --rounds %d", c.rounds)
	if c.rows != defaultRows {
		cmd += fmt.Sprintf(" --rows %d", c.rows)
	}
	if c.smallRows != defaultSmallRows {
		cmd += fmt.Sprintf(" --small-rows %d", c.smallRows)
	}
	if c.seed != defaultSeed {
		cmd += fmt.Sprintf(" --seed %d", c.seed)
	}
	if c.rev != "" {
		cmd += " --rev " + c.rev
	}
	return cmd
}
