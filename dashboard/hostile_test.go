package dashboard_test

import (
	"encoding/json"
	"html"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Every route, every parameter, hostile values: each answer is a 400 that
// names the parameter (never a 500, never a figure computed from it), and
// the value is never echoed unescaped. Values: very long, SQL and quotes,
// control and bidirectional characters, NUL, huge, negative, NaN and Inf
// numbers, an empty value where one is required, and a parameter repeated.
func TestHostileParametersOnEveryRoute(t *testing.T) {
	srv, db := pageServer(t)
	_, _, pcn := firstAreas(t, db)
	hostile := []string{
		strings.Repeat("9", 10000), "'; DROP TABLE areas; --", `"><script>alert(1)</script>`,
		"\x00", "\x1b[31m", "\u202eevil", "é\u0301", "-1", "1e309", "-1e309", "NaN", "Inf", "0x10", "2025-13", "0001-01",
	}
	type route struct {
		path   string
		params []string // the parameters the route takes
	}
	selection := []string{"from", "to", "place", "level", "fy"}
	targeting := []string{"budget", "caseload_standard", "fte_cost", "training_cost", "need_weight"}
	routes := []route{
		{"/", selection}, {"/capacity", selection}, {"/training", selection}, {"/outcomes", append([]string{"outcome"}, selection...)},
		{"/funding", selection}, {"/targeting", append(append([]string{}, selection...), targeting...)},
		{"/areas/" + pcn, []string{"from", "to"}},
		{"/api/v1/metrics", selection}, {"/evidence", selection}, {"/api/v1/evidence", selection},
		{"/download/evidence.csv", selection}, {"/data-quality", selection}, {"/api/v1/completeness", selection},
		{"/download/completeness.xlsx", selection}, {"/inequality", selection}, {"/api/v1/inequality", selection},
		{"/download/inequality.csv", selection}, {"/api/v1/peers", append([]string{"area"}, selection...)},
		{"/download/peers.csv", append([]string{"area"}, selection...)}, {"/api/v1/targeting", append(append([]string{}, selection...), targeting...)},
		{"/download/capacity.csv", append([]string{"disclosure"}, selection...)}, {"/download/outcomes.xlsx", append([]string{"outcome", "disclosure"}, selection...)},
		{"/download/targeting.csv", append(append([]string{}, selection...), targeting...)},
		{"/download/monthly.csv", append(append([]string{"outcome"}, selection...), targeting...)},
		{"/download/selection.xlsx", append(append([]string{"outcome"}, selection...), targeting...)},
		{"/downloads", append(append([]string{"outcome", "disclosure"}, selection...), targeting...)},
	}
	tried := 0
	for _, r := range routes {
		for _, p := range r.params {
			for _, v := range hostile {
				q := url.Values{p: {v}}
				checkHostile(t, srv, r.path, q, p)
				tried++
			}
			// Repeated, and (for all but place and level, where empty means
			// the default on pages) empty.
			checkHostile(t, srv, r.path, url.Values{p: {"2025-01", "2025-02"}}, p)
			tried++
		}
		// A parameter the route does not take.
		checkHostile(t, srv, r.path, url.Values{"budget'); --": {"1"}}, "budget'); --")
		tried++
	}
	t.Logf("%d hostile requests, all refused with 400 naming the parameter", tried)
}

func checkHostile(t *testing.T, srv *httptest.Server, path string, q url.Values, param string) {
	t.Helper()
	status, hdr, body := get(t, srv, path+"?"+q.Encode())
	if status != 400 {
		t.Errorf("%s?%s: %d, want 400: %.200s", path, q.Encode(), status, body)
		return
	}
	quoted, _ := json.Marshal(param)
	if !strings.Contains(body, param) && !strings.Contains(body, html.EscapeString(param)) && !strings.Contains(body, strings.Trim(string(quoted), `"`)) {
		t.Errorf("%s?%s: the 400 does not name %q: %.300s", path, q.Encode(), param, body)
	}
	// Plain text and JSON (with nosniff) are never rendered as HTML; a page is.
	if strings.HasPrefix(hdr.Get("Content-Type"), "text/html") && strings.Contains(body, "<script>alert(1)") {
		t.Errorf("%s?%s: the value is echoed unescaped in HTML", path, q.Encode())
	}
	if hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s?%s: no nosniff", path, q.Encode())
	}
}
