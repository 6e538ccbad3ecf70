package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"spdash/dashboard"
	"spdash/internal/users"
	"spdash/queries"
)

// A test of sign-in, roles, areas and the audit (issue 16), each against the
// real server over HTTP and the audit rows read back from ClickHouse.

const testPassword = "correct horse battery"

// accessFixture is a dashboard with sign-in on and a users file.
type accessFixture struct {
	srv       *httptest.Server
	db        *queries.DB
	usersFile string
	audit     *dashboard.Auditor
	logs      *syncBuffer
	prefix    string // of this test's user names: their audit rows are theirs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var fixtureSeq struct {
	sync.Mutex
	n int
}

// newAccessFixture serves the shared sample with the given users (their
// names prefixed to keep each test's audit rows apart), passwords
// testPassword, hashed at bcrypt's lowest cost to keep the test quick.
func newAccessFixture(t *testing.T, access dashboard.Access, disclosureOff bool, list ...users.User) *accessFixture {
	t.Helper()
	fixtureSeq.Lock()
	fixtureSeq.n++
	prefix := fmt.Sprintf("t%d%s-", fixtureSeq.n, strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]`).ReplaceAllString(t.Name(), "")))
	fixtureSeq.Unlock()
	if len(prefix) > 40 {
		prefix = prefix[:40] + "-"
	}
	for i := range list {
		list[i].Name = prefix + list[i].Name
		if list[i].PasswordHash == "-" {
			list[i].PasswordHash = ""
			continue
		}
		h, err := users.HashPassword(testPassword, 4)
		if err != nil {
			t.Fatal(err)
		}
		list[i].PasswordHash = h
	}
	f := &accessFixture{db: sampleDB(t), usersFile: filepath.Join(t.TempDir(), "users.json"), logs: &syncBuffer{}, prefix: prefix}
	if err := users.Write(f.usersFile, list); err != nil {
		t.Fatal(err)
	}
	store, err := users.NewStore(f.usersFile, 0)
	if err != nil {
		t.Fatal(err)
	}
	access.Users = store
	access.InsecureCookies = false
	log := slog.New(slog.NewJSONHandler(f.logs, nil))
	f.audit = dashboard.NewAuditor(f.db, log)
	f.srv = httptest.NewServer(dashboard.New(dashboard.Options{DB: f.db, Log: log, Access: access, Audit: f.audit, DisclosureOff: disclosureOff}))
	t.Cleanup(f.srv.Close)
	return f
}

// client does not follow redirects: the tests look at them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type answer struct {
	status int
	header http.Header
	body   string
}

func (f *accessFixture) do(t *testing.T, method, path string, cookie *http.Cookie, form url.Values, header map[string]string) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// signIn signs a user in and returns the session cookie.
func (f *accessFixture) signIn(t *testing.T, name string) *http.Cookie {
	t.Helper()
	a := f.do(t, "POST", "/login", nil, url.Values{"name": {f.prefix + name}, "password": {testPassword}, "next": {"/capacity"}}, nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/capacity" {
		t.Fatalf("sign in %s: %d %s, want 303 to /capacity: %.300s", name, a.status, a.header.Get("Location"), a.body)
	}
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == "spdash_session" {
			return c
		}
	}
	t.Fatalf("sign in %s: no session cookie in %v", name, a.header)
	return nil
}

type auditRow struct{ actor, role, action, object, outcome, detail, client, id string }

// auditRows stores what is pending and reads this fixture's rows back.
func (f *accessFixture) auditRows(t *testing.T) []auditRow {
	t.Helper()
	f.audit.Flush(context.Background())
	rows, err := f.db.Query(context.Background(), "SELECT actor, role, action, object, outcome, detail, client, request_id FROM audit WHERE startsWith(actor, ?) ORDER BY at, action", f.prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.actor, &r.role, &r.action, &r.object, &r.outcome, &r.detail, &r.client, &r.id); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (f *accessFixture) hasAudit(t *testing.T, action, actor, outcome string) auditRow {
	t.Helper()
	rows := f.auditRows(t)
	for _, r := range rows {
		if r.action == action && r.actor == f.prefix+actor && r.outcome == outcome {
			if r.id == "" {
				t.Errorf("audit %s of %s has no request id", action, actor)
			}
			return r
		}
	}
	t.Fatalf("no audit row %s by %s (%s) in %v", action, actor, outcome, rows)
	return auditRow{}
}

func TestSignInWithBuiltInUsers(t *testing.T) {
	f := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthUsers}, false,
		users.User{Name: "vera", Role: users.Viewer})

	// Nobody signed in: pages go to the sign-in page and come back; the API
	// and downloads are refused; health checks and static files are open.
	if a := f.do(t, "GET", "/outcomes?from=2024-01", nil, nil, nil); a.status != http.StatusSeeOther || a.header.Get("Location") != "/login?next="+url.QueryEscape("/outcomes?from=2024-01") {
		t.Errorf("page without a session: %d %q, want 303 to the sign-in page", a.status, a.header.Get("Location"))
	}
	for _, p := range []string{"/api/v1/metrics", "/api/v1/targeting", "/download/capacity.csv", "/admin"} {
		if a := f.do(t, "GET", p, nil, nil, nil); a.status != http.StatusUnauthorized && !(p == "/admin" && a.status == http.StatusSeeOther) {
			t.Errorf("%s without a session: %d, want 401", p, a.status)
		}
	}
	for _, p := range []string{"/healthz", "/static/app.css", "/login"} {
		if a := f.do(t, "GET", p, nil, nil, nil); a.status != http.StatusOK {
			t.Errorf("%s without a session: %d, want 200", p, a.status)
		}
	}
	login := f.do(t, "GET", "/login?next=/funding", nil, nil, nil)
	checkPage(t, "/login", login.body)
	if !strings.Contains(login.body, `name="next" value="/funding"`) || !strings.Contains(login.body, `type="password"`) {
		t.Errorf("sign-in page lacks the form: %.500s", login.body)
	}
	// next never leads off the site.
	if a := f.do(t, "GET", "/login?next=//evil.example/x", nil, nil, nil); !strings.Contains(a.body, `name="next" value="/"`) {
		t.Errorf("next=//evil.example kept: %.300s", a.body)
	}

	// A wrong password, an unknown name, and hostile input: 401, never 500.
	for _, form := range []url.Values{
		{"name": {f.prefix + "vera"}, "password": {"wrong password!"}},
		{"name": {f.prefix + "nobody"}, "password": {testPassword}},
		{"name": {strings.Repeat("x", 10000)}, "password": {"\x00"}},
		{"name": {"'; DROP TABLE audit; --"}, "password": {strings.Repeat("p", 100000)}},
		{"name": {"\u202e"}},
	} {
		a := f.do(t, "POST", "/login", nil, form, nil)
		if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "not right") {
			t.Errorf("sign in with %.40q: %d, want 401 saying so: %.300s", form.Get("name"), a.status, a.body)
		}
		if strings.Contains(a.header.Get("Set-Cookie"), "spdash_session=") {
			t.Errorf("a failed sign-in set a session cookie")
		}
	}
	f.hasAudit(t, queries.AuditSignInFailed, "vera", "failed")

	// The right password: a session cookie, HttpOnly, Secure, SameSite.
	cookie := f.signIn(t, "vera")
	set := f.do(t, "POST", "/login", nil, url.Values{"name": {f.prefix + "vera"}, "password": {testPassword}}, nil).header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie %q lacks %s", set, want)
		}
	}
	page := f.do(t, "GET", "/", cookie, nil, nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, "Signed in as <strong>"+f.prefix+"vera</strong>") {
		t.Fatalf("overview signed in: %d %.300s", page.status, page.body)
	}
	checkPage(t, "/", page.body)
	if a := f.do(t, "GET", "/api/v1/metrics", cookie, nil, nil); a.status != http.StatusOK {
		t.Errorf("API signed in: %d", a.status)
	}
	f.hasAudit(t, queries.AuditSignIn, "vera", "ok")

	// A tampered or foreign cookie is nobody.
	forged := *cookie
	payload, _, _ := strings.Cut(cookie.Value, ".")
	forged.Value = payload + ".AAAA"
	if a := f.do(t, "GET", "/", &forged, nil, nil); a.status != http.StatusSeeOther {
		t.Errorf("forged cookie: %d, want 303 to sign in", a.status)
	}

	// Signing out from another site is refused (CSRF); from the page, it works.
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
		if a := f.do(t, "POST", "/logout", cookie, url.Values{}, h); a.status != http.StatusForbidden || a.header.Get("Content-Security-Policy") == "" {
			t.Errorf("cross-origin sign-out %v: %d (CSP %q), want 403 with the security headers", h, a.status, a.header.Get("Content-Security-Policy"))
		}
	}
	if a := f.do(t, "POST", "/login", nil, url.Values{"name": {f.prefix + "vera"}, "password": {testPassword}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); a.status != http.StatusForbidden {
		t.Errorf("cross-origin sign-in: %d, want 403", a.status)
	}
	if a := f.do(t, "GET", "/", cookie, nil, nil); a.status != http.StatusOK {
		t.Errorf("the refused sign-out ended the session: %d", a.status)
	}
	out := f.do(t, "POST", "/logout", cookie, url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if out.status != http.StatusSeeOther || !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("sign out: %d %q", out.status, out.header.Get("Set-Cookie"))
	}
	f.hasAudit(t, queries.AuditSignOut, "vera", "ok")

	// Secrets stay out of the log: the password, the session.
	logs := f.logs.String()
	if strings.Contains(logs, testPassword) || strings.Contains(logs, cookie.Value) {
		t.Errorf("the log holds a password or a session")
	}
	if !strings.Contains(logs, `"msg":"audit"`) {
		t.Errorf("no audit lines in the log")
	}
}

func TestSessionsEndWhenTheUserChanges(t *testing.T) {
	f := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthUsers}, false,
		users.User{Name: "ana", Role: users.Analyst}, users.User{Name: "bo", Role: users.Viewer})
	ana, bo := f.signIn(t, "ana"), f.signIn(t, "bo")
	list, err := users.Read(f.usersFile)
	if err != nil {
		t.Fatal(err)
	}
	// ana becomes a viewer; bo is removed.
	var kept []users.User
	for _, u := range list {
		if u.Name == f.prefix+"ana" {
			u.Role = users.Viewer
			kept = append(kept, u)
		}
	}
	if err := users.Write(f.usersFile, kept); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*http.Cookie{"ana (role changed)": ana, "bo (removed)": bo} {
		if a := f.do(t, "GET", "/", c, nil, nil); a.status != http.StatusSeeOther {
			t.Errorf("%s: old session still answered: %d", name, a.status)
		}
	}
	if a := f.do(t, "POST", "/login", nil, url.Values{"name": {f.prefix + "bo"}, "password": {testPassword}}, nil); a.status != http.StatusUnauthorized {
		t.Errorf("removed user signs in: %d", a.status)
	}
	f.signIn(t, "ana")
}

func TestSignInIsRateLimited(t *testing.T) {
	f := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthUsers}, false,
		users.User{Name: "cy", Role: users.Viewer}, users.User{Name: "di", Role: users.Viewer})
	wrong := url.Values{"name": {f.prefix + "cy"}, "password": {"not the password"}}
	for i := 0; i < 5; i++ {
		if a := f.do(t, "POST", "/login", nil, wrong, nil); a.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, a.status)
		}
	}
	// The sixth, even with the right password, is refused without a check.
	a := f.do(t, "POST", "/login", nil, url.Values{"name": {f.prefix + "cy"}, "password": {testPassword}}, nil)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" || !strings.Contains(a.body, "Too many failed sign-ins") {
		t.Fatalf("after 5 failures: %d %q, want 429 with Retry-After: %.300s", a.status, a.header.Get("Retry-After"), a.body)
	}
	f.hasAudit(t, queries.AuditSignInFailed, "cy", "refused")
	// Another name from the same address still may (its limit is 20).
	f.signIn(t, "di")
	// ... until the address has failed 20 times, whatever the names.
	for i := 0; i < 20; i++ {
		f.do(t, "POST", "/login", nil, url.Values{"name": {fmt.Sprintf("%sguess%d", f.prefix, i)}, "password": {"x"}}, nil)
	}
	if a := f.do(t, "POST", "/login", nil, url.Values{"name": {f.prefix + "di"}, "password": {testPassword}}, nil); a.status != http.StatusTooManyRequests {
		t.Errorf("after 20 failures from one address: %d, want 429", a.status)
	}
}

func TestRolesDecideDisclosureAndAdmin(t *testing.T) {
	ctx := context.Background()
	geo, err := sampleDB(t).Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	icb := geo.ICBs[0].Code
	allowing := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthUsers}, true,
		users.User{Name: "viewer", Role: users.Viewer}, users.User{Name: "analyst", Role: users.Analyst},
		users.User{Name: "admin", Role: users.Admin}, users.User{Name: "scoped-analyst", Role: users.Analyst, ICBs: []string{icb}})
	viewer, analyst, admin := allowing.signIn(t, "viewer"), allowing.signIn(t, "analyst"), allowing.signIn(t, "admin")

	// Pages and the API stay under disclosure control for everyone.
	for _, c := range []*http.Cookie{viewer, analyst} {
		a := allowing.do(t, "GET", "/api/v1/metrics", c, nil, nil)
		var m struct{ Disclosure string }
		if err := json.Unmarshal([]byte(a.body), &m); err != nil || m.Disclosure != queries.DisclosureOn {
			t.Errorf("API with sign-in: disclosure %q (%v), want on", m.Disclosure, err)
		}
		if b := allowing.do(t, "GET", "/api/v1/metrics?disclosure=off", c, nil, nil); b.status != http.StatusBadRequest {
			t.Errorf("API disclosure=off: %d, want 400 (not a parameter there)", b.status)
		}
	}
	// A viewer may not download without it; an analyst may, and it is audited.
	if a := allowing.do(t, "GET", "/download/capacity.csv?disclosure=off", viewer, nil, nil); a.status != http.StatusForbidden {
		t.Errorf("viewer, disclosure=off: %d, want 403", a.status)
	}
	if a := allowing.do(t, "GET", "/download/capacity.csv", viewer, nil, nil); a.status != http.StatusOK || a.header.Get("X-Spdash-Disclosure") != "on" {
		t.Errorf("viewer download: %d, disclosure %q", a.status, a.header.Get("X-Spdash-Disclosure"))
	}
	on := allowing.do(t, "GET", "/download/outcomes.csv", analyst, nil, nil)
	off := allowing.do(t, "GET", "/download/outcomes.csv?disclosure=off", analyst, nil, nil)
	if off.status != http.StatusOK || off.header.Get("X-Spdash-Disclosure") != "off" || on.header.Get("X-Spdash-Disclosure") != "on" {
		t.Fatalf("analyst download: %d, disclosure %q / %q", off.status, off.header.Get("X-Spdash-Disclosure"), on.header.Get("X-Spdash-Disclosure"))
	}
	if on.body == off.body {
		t.Errorf("the download with disclosure control off equals the one with it on: nothing was withheld in the sample?")
	}
	if a := allowing.do(t, "GET", "/download/outcomes.csv?disclosure=maybe", analyst, nil, nil); a.status != http.StatusBadRequest || !strings.Contains(a.body, "disclosure") {
		t.Errorf("disclosure=maybe: %d %.200s, want 400 naming it", a.status, a.body)
	}
	row := allowing.hasAudit(t, queries.AuditDownload, "analyst", "ok")
	rows := allowing.auditRows(t)
	found := false
	for _, r := range rows {
		found = found || (r.actor == allowing.prefix+"analyst" && r.action == queries.AuditDownload && strings.Contains(r.object, "disclosure=off") && r.detail == "disclosure off")
	}
	if !found || row.client == "" {
		t.Errorf("no audit row of the disclosure-off download with its client: %v", rows)
	}

	// The downloads page offers it to the analyst, not to the viewer, and its
	// links then carry it.
	page := allowing.do(t, "GET", "/downloads", analyst, nil, nil)
	if !strings.Contains(page.body, `href="/downloads?disclosure=off"`) {
		t.Errorf("/downloads does not offer the analyst files without disclosure control")
	}
	if strings.Contains(allowing.do(t, "GET", "/downloads", viewer, nil, nil).body, "disclosure=off") {
		t.Errorf("/downloads offers a viewer files without disclosure control")
	}
	if a := allowing.do(t, "GET", "/downloads?disclosure=off", viewer, nil, nil); a.status != http.StatusForbidden {
		t.Errorf("viewer /downloads?disclosure=off: %d, want 403", a.status)
	}
	offPage := allowing.do(t, "GET", "/downloads?disclosure=off", analyst, nil, nil)
	if !strings.Contains(offPage.body, `href="/download/capacity.csv?disclosure=off"`) || !strings.Contains(offPage.body, `href="/downloads"`) {
		t.Errorf("/downloads?disclosure=off: its links do not carry it, or no way back: %.2000s", offPage.body)
	}

	// A deployment that does not allow it: not even for an analyst.
	strict := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthUsers}, false, users.User{Name: "analyst", Role: users.Analyst})
	if a := strict.do(t, "GET", "/download/outcomes.csv?disclosure=off", strict.signIn(t, "analyst"), nil, nil); a.status != http.StatusForbidden {
		t.Errorf("analyst, deployment with disclosure on: %d, want 403", a.status)
	}

	// /admin is the admins'.
	if a := allowing.do(t, "GET", "/admin", analyst, nil, nil); a.status != http.StatusForbidden {
		t.Errorf("/admin as analyst: %d, want 403", a.status)
	}
	a := allowing.do(t, "GET", "/admin", admin, nil, nil)
	if a.status != http.StatusOK {
		t.Fatalf("/admin as admin: %d %.300s", a.status, a.body)
	}
	checkPage(t, "/admin", a.body)
	for _, want := range []string{allowing.prefix + "scoped-analyst", "ICBs " + icb, "download", "The latest 20 loads", `href="/admin"`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("/admin lacks %q", want)
		}
	}
	if strings.Contains(a.body, "$2a$") {
		t.Errorf("/admin shows a password hash")
	}
	if strings.Contains(allowing.do(t, "GET", "/", viewer, nil, nil).body, `href="/admin"`) {
		t.Errorf("a viewer's pages link to /admin")
	}
}

// A viewer limited to one ICB reaches nothing of another area by any URL:
// every other code is 404, worded as for a code that does not exist, and no
// page, API answer or download they can reach names another ICB's PCN.
func TestScopedViewerSeesOnlyTheirICB(t *testing.T) {
	ctx := context.Background()
	db := sampleDB(t)
	geo, err := db.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(geo.ICBs) < 2 {
		t.Fatal("the sample needs two ICBs")
	}
	mine := geo.ICBs[len(geo.ICBs)/2]
	var ownPCNs, otherCodes []string
	for _, p := range geo.PCNs {
		_, parents, _ := geo.Area(p.Code)
		if parents[0].Code == mine.Code {
			ownPCNs = append(ownPCNs, p.Code)
		} else {
			otherCodes = append(otherCodes, p.Code)
		}
	}
	for _, i := range geo.ICBs {
		if i.Code != mine.Code {
			otherCodes = append(otherCodes, i.Code)
		}
	}
	for _, r := range geo.Regions {
		otherCodes = append(otherCodes, r.Code)
	}
	otherCodes = append(otherCodes, queries.EnglandCode)
	f := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthUsers}, false,
		users.User{Name: "icb-viewer", Role: users.Viewer, ICBs: []string{mine.Code}}, users.User{Name: "national", Role: users.Admin})
	viewer, national := f.signIn(t, "icb-viewer"), f.signIn(t, "national")

	// Their own figures: the default place is their ICB, every area theirs.
	var m dashboard.MetricsResponse
	a := f.do(t, "GET", "/api/v1/metrics?level=pcn", viewer, nil, nil)
	if err := json.Unmarshal([]byte(a.body), &m); err != nil || a.status != http.StatusOK {
		t.Fatalf("their API: %d %v", a.status, err)
	}
	if m.Place.Code != mine.Code || len(m.Areas) != len(ownPCNs) {
		t.Fatalf("their API: place %s with %d areas, want %s with %d", m.Place.Code, len(m.Areas), mine.Code, len(ownPCNs))
	}
	for _, ar := range m.Areas {
		if !slices.Contains(ownPCNs, ar.Code) {
			t.Errorf("their API lists %s, not theirs", ar.Code)
		}
	}

	// Every other code on every route: 404, the same words as for a code
	// that does not exist (so that codes do not leak).
	routes := []string{"/?place=%s", "/capacity?place=%s", "/training?place=%s", "/outcomes?place=%s", "/funding?place=%s",
		"/targeting?place=%s", "/downloads?place=%s", "/api/v1/metrics?place=%s", "/api/v1/targeting?place=%s",
		"/download/capacity.csv?place=%s", "/download/monthly.csv?place=%s", "/download/selection.xlsx?place=%s", "/areas/%s"}
	areaRoute := len(routes) - 1
	unknown := map[string]string{}
	for _, r := range routes {
		a := f.do(t, "GET", fmt.Sprintf(r, "ZZZ99"), viewer, nil, nil)
		if a.status != http.StatusNotFound {
			t.Fatalf("%s with an unknown code: %d, want 404", r, a.status)
		}
		unknown[r] = strings.ReplaceAll(a.body, "ZZZ99", "CODE")
	}
	tried := 0
	for _, code := range otherCodes {
		for i, r := range routes {
			if i == areaRoute && code == queries.EnglandCode {
				continue // England's own profile is every user's comparison (below)
			}
			a := f.do(t, "GET", fmt.Sprintf(r, url.QueryEscape(code)), viewer, nil, nil)
			tried++
			if a.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", fmt.Sprintf(r, code), a.status)
				continue
			}
			if got := strings.ReplaceAll(strings.ReplaceAll(a.body, code, "CODE"), strings.ToLower(code), "CODE"); got != unknown[r] {
				t.Errorf("%s: the 404 differs from an unknown code's: %.300s", fmt.Sprintf(r, code), a.body)
			}
		}
	}
	t.Logf("%d requests for %d other areas' codes: all 404", tried, len(otherCodes))

	// Everything they can reach from the overview, following links: pages,
	// profiles, downloads and the API, none names another area's PCN or ICB.
	others := regexp.MustCompile(`\b(` + strings.Join(otherCodes[:len(otherCodes)-len(geo.Regions)-1], "|") + `)\b`)
	seen := map[string]bool{}
	queue := []string{"/", "/api/v1/metrics?level=pcn", "/api/v1/targeting", "/download/monthly.csv", "/download/selection.xlsx"}
	href := regexp.MustCompile(`href="(/[^"#]*)"`)
	for len(queue) > 0 && len(seen) < 400 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		a := f.do(t, "GET", p, viewer, nil, nil)
		if a.status != http.StatusOK {
			t.Errorf("%s, linked from their pages: %d", p, a.status)
			continue
		}
		if strings.HasSuffix(strings.SplitN(p, "?", 2)[0], ".xlsx") {
			if found := xlsxText(t, []byte(a.body)); others.MatchString(found) {
				t.Errorf("%s names %s", p, others.FindString(found))
			}
			continue
		}
		if hit := others.FindString(a.body); hit != "" {
			t.Errorf("%s names %s, not theirs", p, hit)
		}
		for _, m := range href.FindAllStringSubmatch(a.body, -1) {
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.HasPrefix(link, "/static/") && !seen[link] && (strings.HasPrefix(link, "/areas/") || !strings.Contains(link, "table=")) {
				queue = append(queue, link)
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("crawled only %d addresses", len(seen))
	}
	t.Logf("crawled %d addresses from the scoped viewer's overview", len(seen))

	// England's own figures are theirs to compare with, but not England's
	// areas: its profile does not offer to compare its regions.
	eng := f.do(t, "GET", "/areas/"+queries.EnglandCode, viewer, nil, nil)
	if eng.status != http.StatusOK || strings.Contains(eng.body, "place="+queries.EnglandCode) {
		t.Errorf("England's profile for the scoped viewer: %d, or links to England's areas", eng.status)
	}

	// One cache, two scopes: what the national user was answered is never
	// given to the viewer, even when the viewer sends its tag.
	nat := f.do(t, "GET", "/api/v1/metrics?place="+queries.EnglandCode+"&level=pcn", national, nil, nil)
	if nat.status != http.StatusOK || !strings.Contains(nat.body, otherCodes[0]) {
		t.Fatalf("national API: %d", nat.status)
	}
	again := f.do(t, "GET", "/api/v1/metrics?place="+queries.EnglandCode+"&level=pcn", viewer, nil, map[string]string{"If-None-Match": nat.header.Get("ETag")})
	if again.status != http.StatusNotFound {
		t.Errorf("the viewer with the national answer's tag: %d, want 404", again.status)
	}
	own := f.do(t, "GET", "/capacity?place="+mine.Code, national, nil, nil)
	theirs := f.do(t, "GET", "/capacity?place="+mine.Code, viewer, nil, map[string]string{"If-None-Match": own.header.Get("ETag")})
	if theirs.status != http.StatusOK || own.header.Get("ETag") == theirs.header.Get("ETag") {
		t.Errorf("one page for two users shares a tag: %d", theirs.status)
	}
	if strings.Contains(theirs.body, `value="`+queries.EnglandCode+`"`) || !strings.Contains(own.body, `value="`+queries.EnglandCode+`"`) {
		t.Errorf("the place list: England offered to the scoped viewer, or not to the national user")
	}
}

// xlsxText is the shared strings and sheets of a workbook, for searching.
func xlsxText(t *testing.T, b []byte) string {
	t.Helper()
	wb, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer wb.Close()
	var out strings.Builder
	for _, sheet := range wb.GetSheetList() {
		rows, err := wb.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			out.WriteString(strings.Join(row, " "))
			out.WriteString("\n")
		}
	}
	return out.String()
}

func TestProxySignIn(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	f := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthProxy, ProxyHeader: "X-Remote-User", TrustedProxies: loopback}, false,
		users.User{Name: "pat", Role: users.Viewer, PasswordHash: "-"})
	as := func(name string, extra map[string]string) answer {
		h := map[string]string{"X-Remote-User": name}
		for k, v := range extra {
			h[k] = v
		}
		return f.do(t, "GET", "/", nil, nil, h)
	}
	a := as(f.prefix+"pat", map[string]string{"X-Forwarded-For": "203.0.113.7"})
	if a.status != http.StatusOK || !strings.Contains(a.body, "Signed in as <strong>"+f.prefix+"pat</strong>") || strings.Contains(a.body, "Sign out</button>") {
		t.Fatalf("through the proxy: %d %.300s", a.status, a.body)
	}
	as(f.prefix+"pat", nil) // audited once, not per request
	if a := as(f.prefix+"stranger", nil); a.status != http.StatusForbidden || !strings.Contains(a.body, "not a user of this dashboard") {
		t.Errorf("unknown proxy user: %d %.200s", a.status, a.body)
	}
	if a := as("", nil); a.status != http.StatusForbidden {
		t.Errorf("no identity header: %d, want 403", a.status)
	}
	// A proxy user has no password: the sign-in form does not exist here.
	if a := f.do(t, "POST", "/login", nil, url.Values{"name": {f.prefix + "pat"}, "password": {""}}, nil); a.status != http.StatusNotFound {
		t.Errorf("POST /login in proxy mode: %d, want 404", a.status)
	}
	var signIns int
	for _, r := range f.auditRows(t) {
		if r.action == queries.AuditSignIn && r.actor == f.prefix+"pat" {
			signIns++
			if r.client != "203.0.113.7" {
				t.Errorf("audit client %q, want the address the proxy forwarded for", r.client)
			}
		}
	}
	if signIns != 1 {
		t.Errorf("%d sign-in rows for two requests, want 1", signIns)
	}
	f.hasAudit(t, queries.AuditSignInFailed, "stranger", "refused")

	// From anywhere but the proxy: refused, header or not.
	far := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthProxy, ProxyHeader: "X-Remote-User",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, false, users.User{Name: "pat", Role: users.Admin, PasswordHash: "-"})
	for _, p := range []string{"/", "/api/v1/metrics", "/download/capacity.csv"} {
		if a := far.do(t, "GET", p, nil, nil, map[string]string{"X-Remote-User": far.prefix + "pat", "X-Forwarded-For": "10.0.0.1"}); a.status != http.StatusForbidden {
			t.Errorf("%s not through the proxy: %d, want 403", p, a.status)
		}
	}
}

// With sign-in off and disclosure control off (an analysts' deployment),
// every answer given without disclosure control is audited.
func TestDisclosureOffViewsAreAudited(t *testing.T) {
	f := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthOff}, true)
	a := f.do(t, "GET", "/outcomes", nil, nil, nil)
	if a.status != http.StatusOK {
		t.Fatalf("/outcomes: %d", a.status)
	}
	id := a.header.Get("X-Request-Id")
	f.audit.Flush(context.Background())
	var n uint64
	if err := f.db.QueryRow(context.Background(), "SELECT count() FROM audit WHERE action = ? AND request_id = ? AND object = '/outcomes' AND actor = 'anonymous'",
		queries.AuditDisclosureOff, id).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit rows of the disclosure-off view %s: %d %v, want 1", id, n, err)
	}
}
