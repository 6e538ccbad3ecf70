package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"spdash/dashboard"
	"spdash/etl"
	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/localch"
	"spdash/queries/testdb"
)

// Cluster mode on two local ClickHouse servers as two shards: after the
// same files are loaded, every API answer equals the single server's; the
// facts are spread over both shards; a shard stopped in the middle of a load
// leaves nothing of it visible, and the same load completes once the shard
// is back (issue 17).
func TestClusterOfTwoShardsAnswersAsOneServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	const name, database = "spdash_shards", "spdash_cluster"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := localch.StartCluster(ctx, t.TempDir(), name, database, 2, log)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	clustered, err := queries.OpenCluster(ctx, c.Servers[0].DSN(database), name, log)
	if err != nil {
		t.Fatal(err)
	}
	defer clustered.Close()
	if _, err := clustered.Migrate(ctx); err != nil {
		t.Fatalf("migrate the cluster: %v", err)
	}
	single := testdb.New(t)

	// A database first made without --cluster is refused in cluster mode.
	plain, err := queries.Open(ctx, c.Servers[0].DSN("spdash_plain"), log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	plain.Close()
	if db, err := queries.OpenCluster(ctx, c.Servers[0].DSN("spdash_plain"), name, log); err == nil || !strings.Contains(err.Error(), "was made without --cluster") {
		if db != nil {
			db.Close()
		}
		t.Errorf("cluster mode on a database made without it: %v", err)
	}

	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 17, Scale: sample.Demo, Months: 18, End: "2025-12"}); err != nil {
		t.Fatal(err)
	}
	etltest.MustLoad(t, clustered, dir)
	etltest.MustLoad(t, single, dir)

	// The facts are on both shards, and only there.
	shardRows := func(table string) []uint64 {
		var out []uint64
		for _, s := range c.Servers {
			out = append(out, localRows(t, ctx, s, database, table, log))
		}
		return out
	}
	for _, table := range []string{"activity_rows", "training_rows", "outcomes_rows", "funding_rows", "workforce_published_rows", "appointments_published_rows"} {
		var total uint64
		if err := single.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&total); err != nil {
			t.Fatal(err)
		}
		got := shardRows(table)
		if got[0] == 0 || got[1] == 0 || got[0]+got[1] != total {
			t.Errorf("%s: the shards hold %v rows, want %d spread over both", table, got, total)
		}
	}

	onCluster := httptest.NewServer(dashboard.New(dashboard.Options{DB: clustered, Log: log, DisclosureOff: true}))
	defer onCluster.Close()
	onSingle := httptest.NewServer(dashboard.New(dashboard.Options{DB: single, Log: log, DisclosureOff: true}))
	defer onSingle.Close()
	geo, err := single.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	icb, pcn := geo.ICBs[0].Code, geo.PCNs[0].Code
	paths := []string{
		"/api/v1/metrics",
		"/api/v1/metrics?level=pcn",
		"/api/v1/metrics?place=" + icb + "&from=2025-01&to=2025-03",
		"/api/v1/metrics?level=icb&from=2024-08&to=2025-07&fy=2024-25",
		"/api/v1/peers?area=" + pcn,
		"/api/v1/inequality",
		"/api/v1/completeness?level=icb",
		"/api/v1/evidence?level=pcn",
		"/api/v1/targeting?level=pcn&budget=1000000",
	}
	same := func(when string) {
		t.Helper()
		for _, p := range paths {
			a, b := clusterAnswer(t, onCluster.URL+p), clusterAnswer(t, onSingle.URL+p)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s, %s: the cluster's answer differs from one server's:\ncluster: %.600s\nsingle:  %.600s", when, p, jsonText(a), jsonText(b))
			}
		}
	}
	same("after the sample")
	// The default period's answers came from their builds' packs (migration
	// 014), which the primary holds with the builds.
	var packReads uint64
	if err := clustered.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		t.Fatal(err)
	}
	if err := clustered.QueryRow(ctx, "SELECT count() FROM system.query_log WHERE type = 2 AND query LIKE '-- spdash:sql/packs_read.sql%' AND result_rows > 0").Scan(&packReads); err != nil {
		t.Fatal(err)
	}
	if packReads == 0 {
		t.Error("no page read a build's packs on the cluster's primary")
	}
	firstAnswer := clusterAnswer(t, onSingle.URL+paths[1])

	// A correction of the outcomes, loaded in batches; the second shard
	// stopped once the first rows of the load are stored on the first.
	lines := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "outcomes.csv"))), "\n")
	var corrected []string
	for i, l := range lines {
		f := strings.Split(l, ",")
		if i > 0 && i%3 == 0 { // people (≤ cohort): one fewer where there are any
			if f[4] != "0" {
				f[4] = fmt.Sprint(atoi(t, f[4]) - 1)
			}
		}
		corrected = append(corrected, strings.Join(f, ","))
	}
	fix := filepath.Join(t.TempDir(), "outcomes_corrected.csv")
	if err := os.WriteFile(fix, []byte(strings.Join(corrected, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := shardRows("outcomes_rows")[0]
	stopped := make(chan error, 1)
	go func() {
		probe, err := queries.Open(ctx, c.Servers[0].DSN(database), log)
		if err != nil {
			stopped <- err
			return
		}
		defer probe.Close()
		for ctx.Err() == nil {
			var n uint64
			if err := probe.QueryRow(ctx, "SELECT count() FROM outcomes_rows_local").Scan(&n); err == nil && n > before {
				stopped <- c.Servers[1].Stop()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		stopped <- ctx.Err()
	}()
	res, loadErr := loadWith(ctx, clustered, fix, 200)
	if err := <-stopped; err != nil {
		t.Fatalf("stopping shard 2: %v", err)
	}
	if loadErr == nil || res.Status != etl.ResultFailed {
		t.Fatalf("the load with a shard stopped: %s, %v; want failed", res.Status, loadErr)
	}
	t.Logf("the load with shard 2 stopped failed as it should: %v", loadErr)
	if after := localRows(t, ctx, c.Servers[0], database, "outcomes_rows", log); after <= before {
		t.Fatalf("shard 1 holds %d outcome rows, %d before: the shard was not stopped in the middle of the load", after, before)
	}
	// Shard 2 back (same ports, same data); nothing of the failed load shows.
	again, err := localch.Start(ctx, filepath.Dir(c.Servers[1].Dir), log)
	if err != nil {
		t.Fatal(err)
	}
	c.Servers[1] = again
	same("after a load failed with a shard stopped")

	// Cleanup deletes the failed load's rows from each shard's local table.
	var out strings.Builder
	if err := etl.Cleanup(ctx, clustered, time.Hour, time.Hour, &out); err != nil {
		t.Fatalf("cleanup: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "outcomes: deleting the stored rows of 1 failed loads") {
		t.Errorf("cleanup said:\n%s", out.String())
	}
	for deadline := time.Now().Add(time.Minute); localRows(t, ctx, c.Servers[0], database, "outcomes_rows", log) != before; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("shard 1 still holds %d outcome rows a minute after cleanup, want %d", localRows(t, ctx, c.Servers[0], database, "outcomes_rows", log), before)
		}
	}
	same("after cleanup")

	// The same command again completes it; one server given the same file agrees.
	if res, err := loadWith(ctx, clustered, fix, 0); err != nil || res.Status != etl.ResultLoaded {
		t.Fatalf("the load run again: %s, %v", res.Status, err)
	}
	etltest.MustLoad(t, single, fix)
	same("after the correction, run again")

	// Cleanup reclaims the rows the correction superseded, from each shard's
	// own part; the shards then hold only current rows, and nothing changes.
	time.Sleep(1100 * time.Millisecond) // commits are stamped to the second; keep 0 s
	out.Reset()
	if err := etl.Cleanup(ctx, clustered, time.Hour, 0, &out); err != nil {
		t.Fatalf("cleanup: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "outcomes: deleting ") {
		t.Errorf("cleanup said:\n%s", out.String())
	}
	var current uint64
	if err := single.QueryRow(ctx, "SELECT count() FROM outcomes").Scan(&current); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		got := shardRows("outcomes_rows")
		if got[0]+got[1] == current {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shards hold %v outcome rows a minute after cleanup, want the %d current ones", got, current)
		}
	}
	same("after reclaiming superseded rows")
	// And once reclaimed, a row is not deleted again.
	out.Reset()
	if err := etl.Cleanup(ctx, clustered, time.Hour, 0, &out); err != nil || strings.Contains(out.String(), "outcomes: deleting") {
		t.Errorf("cleanup again: %v\n%s", err, out.String())
	}
	// The correction changed the figures compared: the check above compares something.
	if reflect.DeepEqual(clusterAnswer(t, onSingle.URL+paths[1]), firstAnswer) {
		t.Error("the correction changed none of the PCNs' figures")
	}
}

// loadWith loads one file into db with a quiet loader, batchRows rows per
// insert (0: the default).
func loadWith(ctx context.Context, db *queries.DB, path string, batchRows int) (etl.Result, error) {
	pl, err := etl.NewProblemLog(io.Discard, filepath.Join(os.TempDir(), fmt.Sprintf("spdash-cluster-%d.csv", time.Now().UnixNano())), false)
	if err != nil {
		return etl.Result{}, err
	}
	defer pl.Close()
	files, problems := etl.ExpandPaths([]string{path}, nil)
	if len(problems) > 0 {
		return etl.Result{}, fmt.Errorf("%v", problems)
	}
	l := &etl.Loader{DB: db, Problems: pl, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BatchRows: batchRows}
	res, err := l.LoadAll(ctx, files, io.Discard)
	if len(res) == 0 {
		return etl.Result{}, err
	}
	return res[0], err
}

// localRows counts the rows of a sharded table's local part on one server.
func localRows(t *testing.T, ctx context.Context, s *localch.Server, database, table string, log *slog.Logger) uint64 {
	t.Helper()
	db, err := queries.Open(ctx, s.DSN(database), log)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n uint64
	if err := db.QueryRow(ctx, "SELECT count() FROM "+table+"_local").Scan(&n); err != nil {
		t.Fatalf("%s: %v", s.Addr(), err)
	}
	return n
}

// clusterAnswer fetches a JSON answer without what names the data version (load
// sequence numbers and times differ between the two databases).
func clusterAnswer(t *testing.T, url string) any {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %v %.300s", url, r.StatusCode, err, resp)
	}
	var v any
	if err := json.Unmarshal(resp, &v); err != nil {
		t.Fatalf("%s: %v: %.300s", url, err, resp)
	}
	return withoutVersion(v)
}

func withoutVersion(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			if k == "data_version" || k == "data_loaded_at" {
				delete(x, k)
				continue
			}
			x[k] = withoutVersion(x[k])
		}
	case []any:
		for i := range x {
			x[i] = withoutVersion(x[i])
		}
	}
	return v
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
