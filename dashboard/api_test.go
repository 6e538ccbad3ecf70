package dashboard_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"spdash/dashboard"
	"spdash/etl"
	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// loadedDB is a database with the demo sample loaded, shared by the tests of
// this package that only read.
var (
	loadedOnce sync.Once
	loaded     *queries.DB
)

func sampleDB(t *testing.T) *queries.DB {
	t.Helper()
	loadedOnce.Do(func() {
		ctx := context.Background()
		db, err := queries.Open(ctx, testdb.DSN(t), quiet)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := sample.Generate(sample.Options{Out: dir, Seed: 21, Scale: sample.Demo}); err != nil {
			t.Fatal(err)
		}
		pl, _ := etl.NewProblemLog(io.Discard, filepath.Join(dir, "report.csv"), false)
		files, _ := etl.ExpandPaths([]string{dir}, nil)
		if _, err := (&etl.Loader{DB: db, Problems: pl, Log: quiet}).LoadAll(ctx, files, io.Discard); err != nil {
			t.Fatal(err)
		}
		loaded = db
	})
	if loaded == nil {
		t.Fatal("sample database unavailable")
	}
	return loaded
}

// freshSample generates a sample and loads it into a database of its own.
func freshSample(t *testing.T, opts sample.Options) (*queries.DB, string) {
	t.Helper()
	db, dir := testdb.New(t), t.TempDir()
	opts.Out = dir
	if _, err := sample.Generate(opts); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, dir)
	return db, dir
}

func get(t *testing.T, srv *httptest.Server, path string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestMetricsAPIDefaultsAndShape(t *testing.T) {
	db := sampleDB(t)
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer srv.Close()

	status, hdr, body := get(t, srv, "/api/v1/metrics")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"period", "place", "level", "fy", "disclosure", "england", "areas"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("response lacks %q", key)
		}
	}
	var r dashboard.MetricsResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	asOf, err := db.DataAsOf(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, err := db.Range(context.Background(), asOf)
	if err != nil {
		t.Fatal(err)
	}
	if r.Period.To != data.LastMonth.Format("2006-01") || r.Period.Months != 12 {
		t.Errorf("default period %+v, want 12 months to %s", r.Period, data.LastMonth.Format("2006-01"))
	}
	if r.Place.Code != queries.EnglandCode || r.Level != "region" || r.FY != data.FinancialYears[len(data.FinancialYears)-1] {
		t.Errorf("defaults: place %+v level %s fy %s", r.Place, r.Level, r.FY)
	}
	// Unknown values are null with the key present, numbers are numbers.
	eng := raw["england"].(map[string]any)
	if _, ok := eng["median_wait_days"]; !ok {
		t.Error("england lacks median_wait_days")
	}
	if _, isNum := eng["referrals"].(float64); !isNum {
		t.Errorf("referrals is %T, want a JSON number", eng["referrals"])
	}
	if _, has := eng["outcomes"].(map[string]any)["entered_employment"].(map[string]any)["compared"]; has {
		t.Error("england's outcomes carry 'compared'")
	}

	// The API's figures are DB.Metrics's, for an ICB's PCNs too.
	icb := r.Areas[0].Code
	status, _, body = get(t, srv, "/api/v1/metrics?place="+strings.ToLower(r.Areas[0].Code)+"&from=2025-01&to=2025-06")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var region dashboard.MetricsResponse
	json.Unmarshal([]byte(body), &region)
	if region.Place.Code != icb || region.Level != "icb" || region.Period.Months != 6 {
		t.Fatalf("region selection: %+v level %s", region.Place, region.Level)
	}
	geo, _ := db.Places(context.Background())
	place, _ := geo.Lookup(icb)
	sel := queries.Selection{From: mustMonth("2025-01"), To: mustMonth("2025-06"), Place: place, Level: "icb", FY: r.FY}
	rep, err := db.Metrics(context.Background(), queries.Request{Selection: sel, Settings: queries.DefaultSettings})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Areas) != len(region.Areas) {
		t.Fatalf("%d areas from the API, %d from Metrics", len(region.Areas), len(rep.Areas))
	}
	for i := range rep.Areas {
		if rep.Areas[i].Referrals != region.Areas[i].Referrals || rep.Areas[i].FTE != region.Areas[i].FTE {
			t.Errorf("area %s differs between API and Metrics", rep.Areas[i].Code)
		}
	}
}

func mustMonth(s string) time.Time {
	m, err := time.Parse("2006-01", s)
	if err != nil {
		panic(err)
	}
	return m
}

func TestMetricsAPIBadParameters(t *testing.T) {
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: sampleDB(t), Log: quiet}))
	defer srv.Close()
	cases := map[string]string{
		"?place=QQQ":                  "place",
		"?from=1999-12":               "from",
		"?to=2100-01":                 "to",
		"?from=2025-13":               "from",
		"?from=2025-06&to=2025-01":    "from: must not be after to",
		"?level=galaxy":               "level",
		"?level=england":              "level",
		"?fy=2024-26":                 "fy",
		"?fy=24-25":                   "fy",
		"?from=2025-01&from=2025-02":  "from: may be given only once",
		"?colour=blue":                "colour: is not a parameter here",
		"?place=Y56&level=region&x=1": "x",
	}
	for query, want := range cases {
		status, _, body := get(t, srv, "/api/v1/metrics"+query)
		var e map[string]string
		if status != 400 || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e["error"], want) {
			t.Errorf("%s: %d %s, want 400 naming %q", query, status, body, want)
		}
	}
	// An ICB's level may not be above it.
	geo, _ := sampleDB(t).Places(context.Background())
	status, _, body := get(t, srv, "/api/v1/metrics?place="+geo.ICBs[0].Code+"&level=region")
	if status != 400 || !strings.Contains(body, "at or below") {
		t.Errorf("ICB with level=region: %d %s", status, body)
	}
}

func TestMetricsAPINoData(t *testing.T) {
	db := testdb.New(t)
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer srv.Close()
	status, _, body := get(t, srv, "/api/v1/metrics")
	if status != 200 || !strings.Contains(body, "No data is loaded yet") || !strings.Contains(body, `"areas":[]`) {
		t.Fatalf("no data: %d %s", status, body)
	}
}

// proxy forwards to the database until closed, so a test can take the
// database away from a running server.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// proxiedServer serves the sample database through a proxy the test can
// close, to take the database away from a running server.
func proxiedServer(t *testing.T) (*httptest.Server, *proxy) {
	t.Helper()
	db := sampleDB(t)
	p := startProxy(t, db.Addr())
	viaProxy, err := queries.Open(context.Background(), "clickhouse://default@"+p.ln.Addr().String()+"/"+db.Database()+"?dial_timeout=1s", quiet)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: viaProxy, Log: quiet}))
	t.Cleanup(func() { srv.Close(); viaProxy.Close() })
	return srv, p
}

func TestUnreachableDatabaseGives503(t *testing.T) {
	srv, p := proxiedServer(t)
	if status, _, body := get(t, srv, "/readyz"); status != 200 {
		t.Fatalf("readyz before: %d %s", status, body)
	}
	p.close()
	if status, _, body := get(t, srv, "/api/v1/metrics"); status != 503 || !strings.Contains(body, "cannot be reached") {
		t.Errorf("API with the database gone: %d %s", status, body)
	}
	if status, _, body := get(t, srv, "/readyz"); status != 503 {
		t.Errorf("readyz with the database gone: %d %s", status, body)
	}
	if status, _, _ := get(t, srv, "/healthz"); status != 200 {
		t.Errorf("healthz with the database gone: %d, want 200 (the process is up)", status)
	}
}

func TestMetricsAPIDisclosure(t *testing.T) {
	db := sampleDB(t)
	on := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer on.Close()
	off := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet, DisclosureOff: true}))
	defer off.Close()
	geo, _ := db.Places(context.Background())
	query := "/api/v1/metrics?place=" + geo.ICBs[0].Code + "&from=2026-09&to=2026-09" // one month of PCNs: small counts

	_, _, body := get(t, on, query)
	var doc struct {
		Disclosure string
		England    map[string]any
		Areas      []map[string]any
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Disclosure != "on" {
		t.Fatalf("disclosure %q, want on by default", doc.Disclosure)
	}
	withheld := 0
	for _, a := range doc.Areas {
		names, _ := a["suppressed"].([]any)
		for _, n := range names {
			withheld++
			path := strings.Split(n.(string), ".")
			var v any = a
			for _, p := range path {
				v = v.(map[string]any)[p]
			}
			if v != nil {
				t.Errorf("%s: %s is listed as suppressed but is %v", a["code"], n, v)
			}
		}
		for _, name := range []string{"referrals", "accepted", "people_supported", "caseload"} {
			if v, ok := a[name].(float64); ok && math.Mod(v, 5) != 0 {
				t.Errorf("%s %s = %v, not a multiple of 5", a["code"], name, v)
			}
		}
		for o, r := range a["outcomes"].(map[string]any) {
			for _, name := range []string{"people", "cohort"} {
				if v, ok := r.(map[string]any)[name].(float64); ok && math.Mod(v, 5) != 0 {
					t.Errorf("%s %s %s = %v, not a multiple of 5", a["code"], o, name, v)
				}
			}
		}
	}
	if withheld == 0 {
		t.Error("no figure withheld in a month of PCNs: the sample should have small cohorts")
	}

	_, _, body = get(t, off, query)
	var exact dashboard.MetricsResponse
	if err := json.Unmarshal([]byte(body), &exact); err != nil {
		t.Fatal(err)
	}
	if exact.Disclosure != "off" {
		t.Fatalf("disclosure %q, want off", exact.Disclosure)
	}
	place, _ := geo.Lookup(geo.ICBs[0].Code)
	rep, err := db.Metrics(context.Background(), queries.Request{Selection: queries.Selection{From: mustMonth("2026-09"), To: mustMonth("2026-09"), Place: place, Level: "pcn", FY: exact.FY}, Settings: queries.DefaultSettings})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range rep.Areas {
		if exact.Areas[i].Referrals != a.Referrals || exact.Areas[i].Outcomes["entered_employment"].People != a.Outcomes["entered_employment"].People {
			t.Errorf("%s: with disclosure off the API differs from Metrics", a.Code)
		}
	}
}

// The security headers every answer carries, and HSTS only when the request
// came over TLS (here: through a proxy that terminated it).
func TestSecurityHeaders(t *testing.T) {
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: sampleDB(t), Log: quiet}))
	defer srv.Close()
	for _, viaTLS := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/capacity", nil)
		if viaTLS {
			req.Header.Set("X-Forwarded-Proto", "https")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
		} {
			if h.Get(name) != want {
				t.Errorf("%s = %q, want %q", name, h.Get(name), want)
			}
		}
		csp := h.Get("Content-Security-Policy")
		for _, part := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, part) {
				t.Errorf("CSP %q lacks %q", csp, part)
			}
		}
		if hsts := h.Get("Strict-Transport-Security"); viaTLS != strings.HasPrefix(hsts, "max-age=31536000") {
			t.Errorf("over TLS %v: Strict-Transport-Security = %q", viaTLS, hsts)
		}
	}
}
