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
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
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
	flag.Parse()
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
	pages := map[string][]time.Duration{}
	for r := 0; r < rounds; r++ {
		ref, err := reference()
		if err != nil {
			return err
		}
		refs = append(refs, ref)
		for _, u := range urls {
			took, err := coldRequest(db, quiet, u)
			if err != nil {
				return err
			}
			pages[u] = append(pages[u], took)
		}
	}
	ref := median(refs)
	fmt.Printf("ClickHouse's own time for the period's four aggregations (one GROUP BY per fact kind, PCN level, over plain MergeTree copies), summed: **%.0f ms** (runs %s)\n\n", ms(ref), list(refs))
	fmt.Println("| request | cold, median | runs | statements | ratio to the aggregations |")
	fmt.Println("|---|--:|---|--:|--:|")
	var ratios []float64
	for _, u := range urls {
		n, err := statementsOf(ctx, db, quiet, u)
		if err != nil {
			return err
		}
		m := median(pages[u])
		ratio := float64(m) / float64(ref)
		if n > 0 {
			ratios = append(ratios, ratio)
		}
		fmt.Printf("| `%s` | %.0f ms | %s | %d | %.2f× |\n", u, ms(m), list(pages[u]), n, ratio)
	}
	sort.Float64s(ratios)
	if len(ratios) > 0 {
		fmt.Printf("\nRequests that read figures: ratio median %.2f×, highest %.2f×.\n", ratios[len(ratios)/2], ratios[len(ratios)-1])
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

// statementsOf counts the product's statements one cold request runs, from
// the server's query log (nothing else may use the server meanwhile).
func statementsOf(ctx context.Context, db *queries.DB, log *slog.Logger, u string) (int, error) {
	count := func() (uint64, error) {
		if err := db.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
			return 0, fmt.Errorf("flush the query log: %w", err)
		}
		var n uint64
		err := db.QueryRow(ctx, sqlText("query_count", nil)).Scan(&n)
		return n, err
	}
	before, err := count()
	if err != nil {
		return 0, err
	}
	if _, err := coldRequest(db, log, u); err != nil {
		return 0, err
	}
	after, err := count()
	return int(after - before), err
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
