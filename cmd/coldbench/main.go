// Command coldbench times every dashboard page and API call of the benchmark
// mix, and an ICB's pages and two area profiles, with empty caches (a new
// dashboard for every request), against
// ClickHouse's own time for the same period's four aggregations over plain
// MergeTree copies of the current rows, in the same run on the same server.
// It also times the analysts' views against the same statements over the
// copies. The copies go into a database of their own, dropped at the end.
//
//	go run ./cmd/coldbench --data-dir /tmp/bench/.spdash --rounds 5
package main

import (
	"bytes"
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"spdash/dashboard"
	"spdash/internal/benchmix"
	"spdash/queries"
	"spdash/queries/localch"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

func sqlText(name string, data any) string {
	b, err := sqlFiles.ReadFile("sql/" + name + ".sql")
	if err != nil {
		panic(err) // the files are embedded
	}
	t := template.Must(template.New(name).Parse(string(b)))
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		panic(err)
	}
	return "-- coldbench:sql/" + name + ".sql\n" + buf.String()
}

// kinds are the fact kinds with the storage tables' order and partitions.
var kinds = []struct{ Kind, Order, Partition, Measure string }{
	{"activity", "area_code, month, provider_code", "PARTITION BY toYear(month)", "referrals_received"},
	{"training", "area_code, month, provider_code, module", "PARTITION BY toYear(month)", "staff_in_post"},
	{"outcomes", "area_code, month, provider_code, outcome", "PARTITION BY toYear(month)", "people"},
	{"funding", "area_code, financial_year, stream", "", "amount_gbp"},
}

const benchDB = "spdash_coldbench"

func main() {
	dataDir := flag.String("data-dir", "/tmp/bench/.spdash", "data folder of a local ClickHouse holding the national sample")
	dsn := flag.String("clickhouse", "", "ClickHouse DSN of the database to read instead of the local server's")
	database := flag.String("database", "spdash", "the local server's database to read (without --clickhouse)")
	rounds := flag.Int("rounds", 5, "measurements of each request; medians are reported")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	only := flag.String("only", "", "time only the request with this URL, or else those whose URL contains this")
	memProfile := flag.String("memprofile", "", "write the run's allocations (a heap profile) to this file")
	flag.Parse()
	dashboard.TuneGC(os.Getenv) // as spdash serve answers
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "coldbench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "coldbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*dataDir, *dsn, *database, *rounds, *only); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "coldbench:", err)
		os.Exit(1)
	}
	if *memProfile != "" {
		if err := writeHeapProfile(*memProfile); err != nil {
			fmt.Fprintln(os.Stderr, "coldbench:", err)
			os.Exit(1)
		}
	}
}

// writeHeapProfile writes what the run allocated (go tool pprof
// -sample_index=alloc_space) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("write the heap profile: %w", err)
	}
	return f.Close()
}

// chosen are the requests whose URL is only, or else contains it (all
// without only).
func chosen(urls []string, only string) []string {
	if only == "" {
		return urls
	}
	var out []string
	for _, u := range urls {
		if u == only { // "/" is the overview alone
			return []string{u}
		}
		if strings.Contains(u, only) {
			out = append(out, u)
		}
	}
	return out
}

// placeURLs are the pages of one ICB and one of its PCNs (the first of
// each), timed beside the benchmark mix's (which is England's): an ICB's
// overview and training page, and the two areas' profiles.
func placeURLs(geo *queries.Geography) []string {
	if len(geo.ICBs) == 0 || len(geo.PCNs) == 0 {
		return nil
	}
	icb, pcn := geo.ICBs[0].Code, geo.PCNs[0].Code
	return []string{"/?place=" + icb, "/training?place=" + icb, "/areas/" + icb, "/areas/" + pcn}
}

func run(dataDir, dsn, database string, rounds int, only string) error {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if dsn == "" {
		srv, err := localch.Start(ctx, dataDir, quiet)
		if err != nil {
			return err
		}
		dsn = srv.DSN(database)
	}
	db, err := queries.Open(ctx, dsn, quiet)
	if err != nil {
		return err
	}
	defer db.Close()
	var server, source string
	if err := db.QueryRow(ctx, "SELECT version(), currentDatabase()").Scan(&server, &source); err != nil {
		return fmt.Errorf("read the server's version: %w", err)
	}
	asOf, err := db.DataAsOf(ctx)
	if err != nil {
		return err
	}
	data, err := db.Range(ctx, asOf)
	if err != nil {
		return err
	}
	if data.LastMonth.IsZero() {
		return fmt.Errorf("no activity data loaded in %s", dsn)
	}
	areas, err := db.AreasAt(ctx, asOf)
	if err != nil {
		return err
	}
	urls := chosen(append(slices.Clone(benchmix.URLs), placeURLs(areas.Geography())...), only)
	to := data.LastMonth
	from := to.AddDate(0, -11, 0)
	fy := financialYear(to)

	if err := db.Exec(ctx, "DROP DATABASE IF EXISTS "+benchDB); err != nil {
		return fmt.Errorf("drop %s: %w", benchDB, err)
	}
	if err := db.Exec(ctx, "CREATE DATABASE "+benchDB); err != nil {
		return fmt.Errorf("create %s: %w", benchDB, err)
	}
	defer func() { _ = db.Exec(context.Background(), "DROP DATABASE IF EXISTS "+benchDB) }()
	for _, k := range kinds {
		q := sqlText("copy", map[string]string{"Bench": benchDB, "Source": source, "Kind": k.Kind, "Order": k.Order, "Partition": k.Partition})
		if err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("copy %s: %w", k.Kind, err)
		}
	}
	args := []any{clickhouse.Named("from", from.Format("2006-01-02")), clickhouse.Named("to", to.Format("2006-01-02")), clickhouse.Named("fy", fy)}
	reference := func() (time.Duration, error) {
		var total time.Duration
		for _, k := range kinds {
			took, err := timeQuery(ctx, db, sqlText("ref_"+k.Kind, map[string]string{"Bench": benchDB}), args...)
			if err != nil {
				return 0, fmt.Errorf("reference %s: %w", k.Kind, err)
			}
			total += took
		}
		return total, nil
	}

	fmt.Printf("Server %s, database %s; period %s to %s, financial year %s; %d rounds, medians.\n\n", server, source, from.Format("2006-01"), to.Format("2006-01"), fy, rounds)
	var refs []time.Duration
	// Each request and the reference in each round, with the CPU time they
	// cost: this process's (spdash's Go) and the server's for their
	// statements (its query log). A machine whose speed varies from minute
	// to minute changes both sides of a ratio taken in the same round alike.
	pages, goCPU, serverCPU := map[string][]time.Duration{}, map[string][]time.Duration{}, map[string][]time.Duration{}
	statements := map[string]int{}
	var refCPUs []time.Duration
	for r := 0; r < rounds; r++ {
		var ref time.Duration
		_, cpu, err := serverCost(ctx, db, "-- coldbench:sql/ref_", func() (err error) { ref, err = reference(); return err })
		if err != nil {
			return err
		}
		refs, refCPUs = append(refs, ref), append(refCPUs, cpu)
		for _, u := range urls {
			var took, own time.Duration
			n, cpu, err := serverCost(ctx, db, "-- spdash:sql/", func() (err error) {
				runtime.GC() // the last request's garbage is not this one's to collect
				before := processCPU()
				took, err = coldRequest(db, quiet, u)
				own = processCPU() - before
				return err
			})
			if err != nil {
				return err
			}
			pages[u], goCPU[u], serverCPU[u] = append(pages[u], took), append(goCPU[u], own), append(serverCPU[u], cpu)
			statements[u] = max(statements[u], n) // answers side by side may share a read
		}
	}
	ref, refCPU := median(refs), median(refCPUs)
	fmt.Printf("ClickHouse's own time for the period's four aggregations (one GROUP BY per fact kind, PCN level, over plain MergeTree copies), summed: **%.0f ms** (runs %s); the server's CPU time for them: %.0f ms\n\n", ms(ref), list(refs), ms(refCPU))
	fmt.Println("| request | cold, median | runs | statements | ratio to the aggregations | CPU: spdash + server | CPU ratio |")
	fmt.Println("|---|--:|---|--:|--:|--:|--:|")
	var ratios, cpuRatios []float64
	for _, u := range urls {
		n := statements[u]
		m, own, server := median(pages[u]), median(goCPU[u]), median(serverCPU[u])
		ratio, cpuRatio := float64(m)/float64(ref), float64(own+server)/float64(refCPU)
		if n > 0 {
			ratios, cpuRatios = append(ratios, ratio), append(cpuRatios, cpuRatio)
		}
		fmt.Printf("| `%s` | %.0f ms | %s | %d | %.2f× | %.0f + %.0f ms | %.2f× |\n", u, ms(m), list(pages[u]), n, ratio, ms(own), ms(server), cpuRatio)
	}
	sort.Float64s(ratios)
	sort.Float64s(cpuRatios)
	if len(ratios) > 0 {
		fmt.Printf("\nRequests that read figures: ratio median %.2f×, highest %.2f×; CPU ratio median %.2f×, highest %.2f×.\n",
			ratios[len(ratios)/2], ratios[len(ratios)-1], cpuRatios[len(cpuRatios)/2], cpuRatios[len(cpuRatios)-1])
	}

	fmt.Println("\nAnalysts' views against the same statement over the plain copy (medians):")
	fmt.Println()
	fmt.Println("| view | statement | view | plain copy | ratio |")
	fmt.Println("|---|---|--:|--:|--:|")
	for _, k := range kinds {
		for _, stmt := range []string{"view_count", "view_group"} {
			var onView, onCopy []time.Duration
			for r := 0; r < rounds; r++ {
				for _, src := range []string{source, benchDB} {
					took, err := timeQuery(ctx, db, sqlText(stmt, map[string]string{"Source": src, "Kind": k.Kind, "Measure": k.Measure}))
					if err != nil {
						return fmt.Errorf("%s over %s.%s: %w", stmt, src, k.Kind, err)
					}
					if src == source {
						onView = append(onView, took)
					} else {
						onCopy = append(onCopy, took)
					}
				}
			}
			what := "`SELECT count()`"
			if stmt == "view_group" {
				what = "`GROUP BY area_code`"
			}
			fmt.Printf("| `%s` | %s | %.0f ms | %.0f ms | %.2f× |\n", k.Kind, what, ms(median(onView)), ms(median(onCopy)), float64(median(onView))/float64(median(onCopy)))
		}
	}
	return nil
}

// coldRequest answers one request from a new dashboard: nothing cached.
func coldRequest(db *queries.DB, log *slog.Logger, u string) (time.Duration, error) {
	h := dashboard.New(dashboard.Options{DB: db, Log: log})
	req := httptest.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, req)
	took := time.Since(start)
	if rec.Code != http.StatusOK {
		return 0, fmt.Errorf("%s: status %d: %s", u, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return took, nil
}

// serverCost runs fn and counts the statements starting with prefix that
// the server finished meanwhile, and the CPU time their threads used, from
// the server's query log (nothing else may use the server meanwhile).
func serverCost(ctx context.Context, db *queries.DB, prefix string, fn func() error) (int, time.Duration, error) {
	read := func() (uint64, uint64, error) {
		if err := db.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
			return 0, 0, fmt.Errorf("flush the query log: %w", err)
		}
		var n, us uint64
		err := db.QueryRow(ctx, sqlText("query_cpu", nil), clickhouse.Named("prefix", prefix)).Scan(&n, &us)
		if err != nil { // a current ClickHouse: its profile events are a Map
			err = db.QueryRow(ctx, sqlText("query_cpu_map", nil), clickhouse.Named("prefix", prefix)).Scan(&n, &us)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("read the query log: %w", err)
		}
		// The flush wrote parts: let their merges finish before the next
		// measurement (at most a second).
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			var merges uint64
			if err := db.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&merges); err != nil || merges == 0 {
				break
			}
		}
		return n, us, nil
	}
	n0, us0, err := read()
	if err != nil {
		return 0, 0, err
	}
	if err := fn(); err != nil {
		return 0, 0, err
	}
	n1, us1, err := read()
	return int(n1 - n0), time.Duration(us1-us0) * time.Microsecond, err
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func timeQuery(ctx context.Context, db *queries.DB, q string, args ...any) (time.Duration, error) {
	start := time.Now()
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func financialYear(m time.Time) string {
	y := m.Year()
	if m.Month() < time.April {
		y--
	}
	return fmt.Sprintf("%d-%02d", y, (y+1)%100)
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func list(d []time.Duration) string {
	parts := make([]string, len(d))
	for i, x := range d {
		parts[i] = fmt.Sprintf("%.0f", ms(x))
	}
	return strings.Join(parts, ", ")
}
