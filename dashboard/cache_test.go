package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

func TestFigureCacheComputesOnceAndEvicts(t *testing.T) {
	c := newFigureCache(10)
	var runs atomic.Int64
	release := make(chan struct{})
	compute := func(context.Context) (any, error) {
		runs.Add(1)
		<-release
		return "answer", nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.get(context.Background(), "k", compute, func(any) int { return 4 })
			if v != "answer" || err != nil {
				t.Errorf("got %v, %v", v, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them all arrive while the first computes
	close(release)
	wg.Wait()
	if runs.Load() != 1 {
		t.Errorf("20 concurrent requests computed %d times, want 1", runs.Load())
	}
	// Weight 4 each in a budget of 10: a third entry evicts the least recently used.
	c.get(context.Background(), "a", func(context.Context) (any, error) { return 1, nil }, func(any) int { return 4 })
	c.get(context.Background(), "k", compute, func(any) int { return 4 }) // k is used again
	c.get(context.Background(), "b", func(context.Context) (any, error) { return 2, nil }, func(any) int { return 4 })
	if _, ok := c.held.entries["a"]; ok || c.len() != 2 {
		t.Errorf("after eviction: %d entries, a kept %v", c.len(), ok)
	}
	if _, ok := c.held.entries["k"]; !ok {
		t.Error("the recently used entry was evicted")
	}
	// Errors are not kept; an entry heavier than the budget is served, not kept.
	boom := errors.New("boom")
	if _, err := c.get(context.Background(), "e", func(context.Context) (any, error) { return nil, boom }, func(any) int { return 1 }); err != boom {
		t.Errorf("error %v", err)
	}
	if _, ok := c.held.entries["e"]; ok {
		t.Error("an error was cached")
	}
	if v, _ := c.get(context.Background(), "huge", func(context.Context) (any, error) { return 3, nil }, func(any) int { return 11 }); v != 3 || c.held.entries["huge"] != nil {
		t.Error("an entry heavier than the cache was kept")
	}
}

// Pages and the API between loads come from memory; the first request after
// a load computes afresh at the new data version.
func TestCacheAnswersRepeatsAndRecomputesAfterALoad(t *testing.T) {
	db, dir := testdb.New(t), sampleDir(t, 8, 6)
	etltest.Load(t, db, dir)
	s, srv := cacheServer(t, db)
	type answer struct {
		DataVersion string `json:"data_version"`
		England     struct {
			Referrals float64 `json:"referrals"`
		} `json:"england"`
	}
	fetch := func(path string) answer {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a answer
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&a) != nil {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return a
	}
	const path = "/api/v1/metrics?level=pcn&from=2025-01&to=2025-06"
	first := fetch(path)
	computed := s.cache.computes.Load()
	again := fetch(path)
	if s.cache.computes.Load() != computed || again != first {
		t.Errorf("the same request computed again (%d then %d) or differs", computed, s.cache.computes.Load())
	}
	// Pages share the answers: the capacity page of the same selection
	// computes only its trend, and what every page says about the data
	// (each kind's latest load, the latest month's completeness).
	if resp, err := http.Get(srv.URL + "/capacity?level=pcn&from=2025-01&to=2025-06"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("capacity: %v", err)
	}
	if n := s.cache.computes.Load() - computed; n != 3 {
		t.Errorf("the capacity page computed %d answers, want 3 (its trend, the kinds' loads, the latest month's returns; the report is cached)", n)
	}
	if resp, err := http.Get(srv.URL + "/training?level=pcn&from=2025-01&to=2025-06"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("training: %v", err)
	}
	if n := s.cache.computes.Load() - computed; n != 3 {
		t.Errorf("the training page computed %d more answers, want none (the API's answer computed its areas' trends; the rest is kept)", n-3)
	}

	// A load: the next request reads the new version and computes.
	var b strings.Builder
	b.WriteString("month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n")
	codes := sample.AreaCodes(8, sample.Demo)
	fmt.Fprintf(&b, "2025-06,%s,NEWPROV,500,400,10,10,1,1,\n", codes[0])
	fix := filepath.Join(t.TempDir(), "activity_new.csv")
	if err := os.WriteFile(fix, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, fix)
	before := s.cache.computes.Load()
	after := fetch(path)
	if s.cache.computes.Load() == before || after.DataVersion == first.DataVersion || after.England.Referrals != first.England.Referrals+500 {
		t.Errorf("after a load: version %s (was %s), referrals %v (was %v), computes %d→%d",
			after.DataVersion, first.DataVersion, after.England.Referrals, first.England.Referrals, before, s.cache.computes.Load())
	}
	if v, _ := strconv.ParseUint(after.DataVersion, 10, 64); v == 0 {
		t.Errorf("data_version %q", after.DataVersion)
	}
}

// A client holding the current answer gets 304 without a computation; after
// a load its tag no longer matches.
func TestETagsFollowTheDataVersion(t *testing.T) {
	db, dir := testdb.New(t), sampleDir(t, 9, 3)
	etltest.Load(t, db, filepath.Join(dir, "areas.csv"), filepath.Join(dir, "activity.csv"))
	s, srv := cacheServer(t, db)
	get := func(path, inm string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("ETag")
	}
	for _, path := range []string{"/capacity", "/api/v1/metrics", "/download/capacity.csv"} {
		status, tag := get(path, "")
		if status != 200 || tag == "" {
			t.Fatalf("%s: %d, ETag %q", path, status, tag)
		}
		computes := s.cache.computes.Load()
		if status, _ := get(path, tag); status != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", path, status)
		}
		if s.cache.computes.Load() != computes {
			t.Errorf("%s: a 304 computed figures", path)
		}
		if status, other := get(path+"?level=icb", tag); status != 200 || other == tag {
			t.Errorf("%s?level=icb with the other URL's tag: %d, tag %q", path, status, other)
		}
	}
	_, tag := get("/capacity", "")
	etltest.Load(t, db, filepath.Join(dir, "training.csv"))
	if status, newTag := get("/capacity", tag); status != 200 || newTag == tag {
		t.Errorf("after a load: %d, tag %q (was %q)", status, newTag, tag)
	}
	if status, tag := get("/static/app.css", ""); status != 200 || tag != "" {
		t.Errorf("static files keep their own caching: %d, ETag %q", status, tag)
	}
}

func TestResponseCacheIsBoundedInBytes(t *testing.T) {
	rc := newResponseCache(100)
	rc.put(&savedResponse{key: "a", body: make([]byte, 10)})
	rc.put(&savedResponse{key: "big", body: make([]byte, 13)}) // over budget/8: not kept
	if _, ok := rc.get("big"); ok {
		t.Error("a response over an eighth of the budget was kept")
	}
	for i := 0; i < 12; i++ {
		rc.put(&savedResponse{key: strconv.Itoa(i), body: make([]byte, 10)})
	}
	if rc.held.weight > 100 || len(rc.held.entries) != 10 {
		t.Errorf("%d bytes in %d entries, budget 100", rc.held.weight, len(rc.held.entries))
	}
	if _, ok := rc.get("a"); ok {
		t.Error("the least recently used response stayed")
	}
}

// A page asked again is written from memory, byte for byte, with its ETag.
func TestPagesAskedAgainComeFromMemory(t *testing.T) {
	db, dir := testdb.New(t), sampleDir(t, 10, 3)
	etltest.Load(t, db, dir)
	s, srv := cacheServer(t, db)
	read := func(path string) (string, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return string(b), resp.Header.Get("ETag")
	}
	for _, path := range []string{"/outcomes?level=pcn", "/api/v1/metrics?level=icb", "/targeting?budget=2000000"} {
		first, tag := read(path)
		if _, ok := s.responses.get(tag + "|gzip"); !ok { // Go's client asks for gzip
			t.Fatalf("%s was not kept", path)
		}
		again, tag2 := read(path)
		if again != first || tag2 != tag {
			t.Errorf("%s asked again differs", path)
		}
	}
	// An error page is not kept.
	kept := len(s.responses.held.entries)
	resp, err := http.Get(srv.URL + "/capacity?level=nation")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || len(s.responses.held.entries) != kept {
		t.Errorf("a bad request: %d, %d responses kept (was %d)", resp.StatusCode, len(s.responses.held.entries), kept)
	}
}

// A computation that panics releases everyone waiting for it, and the next
// request computes afresh.
func TestFigureCacheSurvivesAPanic(t *testing.T) {
	c := newFigureCache(10)
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		defer func() { _ = recover() }()
		c.get(context.Background(), "k", func(context.Context) (any, error) {
			close(started)
			<-release
			panic("boom")
		}, func(any) int { return 1 })
	}()
	<-started
	waited := make(chan error, 1)
	go func() {
		_, err := c.get(context.Background(), "k", func(context.Context) (any, error) { return "never", nil }, func(any) int { return 1 })
		waited <- err
	}()
	time.Sleep(20 * time.Millisecond)
	close(release)
	select {
	case err := <-waited:
		if err == nil {
			t.Error("the waiter got no error from a computation that panicked")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter was left waiting")
	}
	if v, err := c.get(context.Background(), "k", func(context.Context) (any, error) { return "fresh", nil }, func(any) int { return 1 }); v != "fresh" || err != nil {
		t.Errorf("after the panic: %v, %v", v, err)
	}
}

// sampleDir writes the demo sample of seed for the months to 2025-06.
func sampleDir(t *testing.T, seed int64, months int) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: seed, Scale: sample.Demo, Months: months, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cacheServer serves db, giving the Server to look into its caches.
func cacheServer(t *testing.T, db *queries.DB) (*Server, *httptest.Server) {
	t.Helper()
	s, e := newServer(Options{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return s, srv
}

// With VersionEvery (as spdash serve runs), a data version read is used for
// that long: a load shows once it has passed, and not before; without it,
// the next request shows the load.
func TestVersionReadEvery(t *testing.T) {
	db, dir := testdb.New(t), sampleDir(t, 9, 3)
	etltest.Load(t, db, dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	every, e1 := newServer(Options{DB: db, Log: quiet, VersionEvery: time.Hour})
	_, e0 := newServer(Options{DB: db, Log: quiet})
	version := func(e http.Handler) string {
		t.Helper()
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/metrics", nil))
		var a struct {
			DataVersion string `json:"data_version"`
		}
		if rec.Code != 200 || json.NewDecoder(rec.Body).Decode(&a) != nil || a.DataVersion == "" {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		return a.DataVersion
	}
	first := version(e1)
	if v := version(e0); v != first {
		t.Fatalf("two servers on one database: versions %s and %s", first, v)
	}
	fix := filepath.Join(t.TempDir(), "activity_fix.csv")
	codes := sample.AreaCodes(9, sample.Demo)
	text := "month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n" +
		"2026-09," + codes[0] + ",NEWPROV,5,4,1,1,1,1,\n"
	if err := os.WriteFile(fix, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, fix)
	if v := version(e0); v == first {
		t.Errorf("without VersionEvery the next request still shows version %s", v)
	}
	if v := version(e1); v != first {
		t.Errorf("within VersionEvery the version moved from %s to %s", first, v)
	}
	every.lastVersion.Lock()
	every.lastVersion.read = time.Now().Add(-2 * time.Hour) // the hour has passed
	every.lastVersion.Unlock()
	if v := version(e1); v == first {
		t.Errorf("after VersionEvery the version is still %s", v)
	}
}

// /about is kept like the data pages, but its tag also follows load events
// of any status: a failed load changes no data, yet /about shows it at once.
func TestAboutFollowsLoadEvents(t *testing.T) {
	db, dir := testdb.New(t), sampleDir(t, 10, 3)
	etltest.MustLoad(t, db, dir)
	_, srv := cacheServer(t, db)
	get := func(etag string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/about", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("ETag"), string(b)
	}
	code, tag, _ := get("")
	if code != 200 || tag == "" {
		t.Fatalf("/about: %d, ETag %q", code, tag)
	}
	if code, _, _ := get(tag); code != http.StatusNotModified {
		t.Errorf("/about with its current tag: %d, want 304", code)
	}
	bad := filepath.Join(t.TempDir(), "activity_broken.csv")
	if err := os.WriteFile(bad, []byte("month,area_code\n2026-09,X\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := etltest.Load(t, db, bad); r[0].Status != "invalid" {
		t.Fatalf("broken file: %s, want invalid", r[0].Status)
	}
	code, tag2, body := get(tag)
	if code != 200 || tag2 == tag || !strings.Contains(body, "activity_broken.csv") || !strings.Contains(body, "failed") {
		t.Errorf("/about after a failed load: %d, tag %s (was %s), shows the failed load: %v", code, tag2, tag, strings.Contains(body, "activity_broken.csv"))
	}
}

// The areas are kept by the areas load they are: a load of any other kind
// leaves them kept (pages after it read no areas), and an areas load shows
// on the next page. A new server reads the newest areas beside the version.
func TestTheAreasAreKeptUntilAnAreasLoad(t *testing.T) {
	db, dir := testdb.New(t), sampleDir(t, 8, 6)
	etltest.Load(t, db, dir)
	s, srv := cacheServer(t, db)
	areasKept := func() []string {
		s.cache.mu.Lock()
		defer s.cache.mu.Unlock()
		var keys []string
		for k := range s.cache.held.entries {
			if strings.HasPrefix(k, "areas|") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		return keys
	}
	page := func(path string) string {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, %v", path, resp.StatusCode, err)
		}
		return string(b)
	}
	const path = "/capacity?level=pcn&from=2025-01&to=2025-06"
	page(path)
	first := areasKept()
	if len(first) != 1 {
		t.Fatalf("areas kept after the first page: %q, want one", first)
	}

	// Another kind's load: the same areas serve the new version.
	codes := sample.AreaCodes(8, sample.Demo)
	fix := filepath.Join(t.TempDir(), "activity_new.csv")
	if err := os.WriteFile(fix, []byte("month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n"+
		"2025-06,"+codes[0]+",NEWPROV,500,400,10,10,1,1,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, fix)
	computes := s.cache.computes.Load()
	page(path)
	if got := areasKept(); !slices.Equal(got, first) || s.cache.computes.Load() == computes {
		t.Errorf("after an activity load: areas kept %q (were %q), computes %d→%d", got, first, computes, s.cache.computes.Load())
	}

	// An areas load renaming a PCN: the next page reads and shows it.
	b, err := os.ReadFile(filepath.Join(dir, "areas.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", 3)
	cells := strings.Split(lines[1], ",")
	old := cells[1]
	cells[1] = "Renamed Test PCN"
	renamed := filepath.Join(t.TempDir(), "areas.csv")
	if err := os.WriteFile(renamed, []byte(lines[0]+"\n"+strings.Join(cells, ",")+"\n"+lines[2]), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, renamed)
	got := page(path)
	if kept := areasKept(); len(kept) != 2 || !strings.Contains(got, "Renamed Test PCN") || strings.Contains(got, ">"+old+"<") {
		t.Errorf("after an areas load renaming %q: areas kept %q; the page names the new name %v, the old %v",
			old, kept, strings.Contains(got, "Renamed Test PCN"), strings.Contains(got, ">"+old+"<"))
	}

	// A new server reads the newest areas beside the version, and keeps
	// them under the load the version names.
	s2, srv2 := cacheServer(t, db)
	if resp, err := http.Get(srv2.URL + path); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("new server: %v", err)
	}
	asOf := s2.lastVersion.asOf
	if _, ok := s2.cache.lookup(areasKey(asOf)); !ok || asOf.AreasLoad() == 0 {
		t.Errorf("a new server did not keep the areas of load %d", asOf.AreasLoad())
	}
}
