package dashboard_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"spdash/dashboard"
	"spdash/etl"
	"spdash/queries"
	"spdash/queries/testdb"
)

// pageServer serves the dashboard over the shared sample database.
func pageServer(t *testing.T) (*httptest.Server, *queries.DB) {
	t.Helper()
	db := sampleDB(t)
	// Warnings and errors go to the test's log, shown when it fails: a 503
	// then says which error the server met.
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: log}))
	t.Cleanup(srv.Close)
	return srv, db
}

// testLog writes log lines to a test's log.
type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// firstAreas returns the codes of a region, an ICB and a PCN of the sample.
func firstAreas(t *testing.T, db *queries.DB) (region, icb, pcn string) {
	t.Helper()
	geo, err := db.Places(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return geo.Regions[0].Code, geo.ICBs[0].Code, geo.PCNs[0].Code
}

var (
	inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>`)
	styleAttr    = regexp.MustCompile(`\sstyle\s*=`)
)

// checkPage asserts what every HTML page must be: the site's layout, no
// inline script (only src= scripts and JSON data), no style attribute.
func checkPage(t *testing.T, path, body string) {
	t.Helper()
	for _, tag := range inlineScript.FindAllString(body, -1) {
		if !strings.Contains(tag, `src="/static/`) && !strings.Contains(tag, `type="application/json"`) {
			t.Errorf("%s: inline script %s", path, tag)
		}
	}
	if styleAttr.MatchString(body) {
		t.Errorf("%s: has a style attribute (the CSP blocks it)", path)
	}
	for _, want := range []string{`<a class="skip-link" href="#main">`, `<main id="main"`, `About the data</a>`, `lang="en-GB"`} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: lacks %q", path, want)
		}
	}
	if strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
		t.Errorf("%s: shows a stack trace", path)
	}
}

func TestPagesRender(t *testing.T) {
	srv, db := pageServer(t)
	region, icb, pcn := firstAreas(t, db)
	pages := map[string][]string{
		"/":                                    {"<h1>Overview</h1>", "Headline figures", "Work and related outcomes", "Entered employment", "Improved wellbeing", "Referrals each month", "Link-worker FTE each month", "Outcome rates each month"},
		"/capacity":                            {"<h1>Link-worker capacity</h1>", "Link-worker FTE per 100,000 people", "Caseload per FTE", "Referrals accepted against capacity", "Areas ranked by capacity gap", "Waiting times"},
		"/training":                            {"<h1>Link-worker training</h1>", "Training coverage by module", "Work-related training coverage by area", "Training coverage over time"},
		"/outcomes":                            {"<h1>Work and related outcomes</h1>", "Outcome rates with their 95% intervals", "Routes into work, by area", "Funnel plot: entered employment", "Outcome rates each month"},
		"/outcomes?outcome=improved_wellbeing": {"Funnel plot: improved wellbeing"},
		"/about":                               {"<h1>About the data</h1>", "The data loaded", "How to load data", "spdash etl load FOLDER", "What the figures mean", "Latest load", `id="f-place"`},
		"/areas/" + pcn:                        {"profile:", "Capacity against the areas it is part of", "Every figure", "Part of:", "Referrals accepted against capacity", "Outcome rates each month"},
		"/areas/" + strings.ToLower(icb):       {"ICB profile", "Compare the PCNs in", "Statistical peers", "peers together", "Its rank among itself"},
		"/areas/" + region:                     {"Region profile", "Compare the ICBs in"},
		"/areas/" + queries.EnglandCode:        {"Country profile"},
		"/capacity?place=" + region:            {"by ICB"},
		"/training?place=" + icb:               {"by PCN"},
		"/outcomes?level=pcn":                  {"by PCN"},
		"/evidence":                            {"<h1>Evidence: work training and work outcomes</h1>", "not proof that training causes outcomes for any person", "Work training coverage and outcomes: odds ratios", "Entered employment", "Improved wellbeing", "/download/evidence.csv"},
		"/evidence?place=" + icb:               {"cannot be estimated", "it needs at least 20"},
		"/data-quality":                        {"<h1>Data quality: completeness of returns</h1>", "Completeness of returns each month", "Completeness by region and month", "Data as of", "/download/completeness.xlsx"},
	}
	for path, wants := range pages {
		status, hdr, body := get(t, srv, path)
		if status != 200 {
			t.Errorf("%s: status %d: %.300s", path, status, body)
			continue
		}
		if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		if !strings.Contains(hdr.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: no CSP", path)
		}
		checkPage(t, path, body)
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: lacks %q", path, want)
			}
		}
		doc := parseHTML(t, body)
		// Every chart: a heading, a summary, role=img with a label, JSON
		// options that parse, and a data table with real header cells.
		for _, block := range findAll(doc, func(n *html.Node) bool { return hasClass(n, "chart-block") }) {
			heading := findFirst(block, func(n *html.Node) bool { return n.Data == "h2" })
			summary := findFirst(block, func(n *html.Node) bool { return hasClass(n, "chart-summary") })
			if heading == nil || summary == nil || text(summary) == "" {
				t.Errorf("%s: a chart without heading or summary", path)
				continue
			}
			if findFirst(block, func(n *html.Node) bool { return n.Data == "caption" }) == nil {
				t.Errorf("%s: chart %q has no data table", path, text(heading))
			}
			chart := findFirst(block, func(n *html.Node) bool { return hasClass(n, "chart") })
			if chart == nil {
				continue // nothing to draw: the summary says why
			}
			if attr(chart, "role") != "img" || !strings.HasPrefix(attr(chart, "aria-label"), "Chart: ") {
				t.Errorf("%s: chart %q lacks role=img and its label", path, text(heading))
			}
			data := findFirst(doc, func(n *html.Node) bool { return attr(n, "id") == attr(chart, "data-chart") })
			if data == nil || attr(data, "type") != "application/json" {
				t.Errorf("%s: chart %q has no JSON options", path, text(heading))
				continue
			}
			var spec struct {
				Options map[string]any `json:"options"`
			}
			if err := json.Unmarshal([]byte(text(data)), &spec); err != nil || spec.Options["series"] == nil {
				t.Errorf("%s: chart %q options do not parse: %v", path, text(heading), err)
			}
		}
		for _, th := range findAll(doc, func(n *html.Node) bool { return n.Data == "th" }) {
			if s := attr(th, "scope"); s != "col" && s != "row" {
				t.Errorf("%s: a th without scope: %q", path, text(th))
				break
			}
		}
	}
}

func TestFilterStateRoundTrips(t *testing.T) {
	srv, db := pageServer(t)
	region, _, _ := firstAreas(t, db)
	data, _ := db.Range(context.Background(), queries.DataAsOf{})
	from := data.LastMonth.AddDate(0, -5, 0).Format("2006-01")
	to := data.LastMonth.AddDate(0, -1, 0).Format("2006-01")
	fy := data.FinancialYears[0]
	for _, path := range []string{"/", "/capacity", "/training", "/outcomes"} {
		query := "?from=" + from + "&to=" + to + "&place=" + strings.ToLower(region) + "&level=pcn&fy=" + fy
		status, _, body := get(t, srv, path+query)
		if status != 200 {
			t.Fatalf("%s: %d %.300s", path, status, body)
		}
		doc := parseHTML(t, body)
		form := findFirst(doc, func(n *html.Node) bool { return n.Data == "form" && hasClass(n, "filters") })
		if form == nil || attr(form, "method") != "get" || attr(form, "action") != path {
			t.Fatalf("%s: no GET filter form to %s", path, path)
		}
		for name, want := range map[string]string{"from": from, "to": to, "place": region, "level": "pcn"} {
			if got := selected(form, name); got != want {
				t.Errorf("%s: %s shows %q, want %q", path, name, got, want)
			}
		}
		hidden := findFirst(form, func(n *html.Node) bool { return attr(n, "name") == "fy" })
		if hidden == nil || attr(hidden, "value") != fy {
			t.Errorf("%s: fy=%s is not kept in the form", path, fy)
		}
		// Every label names its field, so the form works by keyboard and
		// screen reader.
		for _, sel := range findAll(form, func(n *html.Node) bool { return n.Data == "select" }) {
			id := attr(sel, "id")
			if findFirst(form, func(n *html.Node) bool { return n.Data == "label" && attr(n, "for") == id }) == nil {
				t.Errorf("%s: select %s has no label", path, id)
			}
		}
		// The nav keeps the selection.
		nav := findFirst(doc, func(n *html.Node) bool { return n.Data == "nav" && attr(n, "aria-label") == "Pages" })
		for _, a := range findAll(nav, func(n *html.Node) bool { return n.Data == "a" }) {
			if !strings.Contains(attr(a, "href"), "from="+from) {
				t.Errorf("%s: nav link %s drops the selection", path, attr(a, "href"))
			}
		}
	}
	// The form sends empty fields for "the default": pages take them so.
	status, _, body := get(t, srv, "/capacity?from=&to=&place="+region+"&level=")
	if status != 200 || !strings.Contains(body, "by ICB") {
		t.Errorf("empty fields: %d %.300s", status, body)
	}
}

func TestBadParametersGive400Page(t *testing.T) {
	srv, _ := pageServer(t)
	cases := map[string]string{
		"/capacity?from=2025-13":            "from: must be a month YYYY-MM",
		"/?place=QQQ":                       "place: &#34;QQQ&#34; is not a loaded region or ICB code",
		"/training?level=galaxy":            "level: must be region, icb or pcn",
		"/outcomes?outcome=happiness":       "outcome: must be one of",
		"/outcomes?from=2025-06&to=2025-01": "from: must not be after to",
		"/?colour=blue":                     "colour: is not a parameter here",
		"/areas/XYZ?to=1999-01":             "to: must be a month",
	}
	for path, want := range cases {
		status, hdr, body := get(t, srv, path)
		if status != 400 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s, want a 400 page", path, status, hdr.Get("Content-Type"))
			continue
		}
		checkPage(t, path, body)
		if !strings.Contains(body, want) || !strings.Contains(body, "There is a problem with the address") {
			t.Errorf("%s: lacks %q: %.600s", path, want, body)
		}
	}
}

func TestUnknownAreaAndPageGive404(t *testing.T) {
	srv, _ := pageServer(t)
	for path, want := range map[string]string{
		"/areas/NOPE42":     "There is no area with the code &#34;NOPE42&#34;",
		"/no-such-page":     "Page not found",
		"/static/nope.js":   "There is no such file",
		"/static/../go.mod": "Page not found",
	} {
		status, hdr, body := get(t, srv, path)
		if status != 404 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, want) {
			t.Errorf("%s: %d %s, want a 404 page saying %q: %.300s", path, status, hdr.Get("Content-Type"), want, body)
			continue
		}
		checkPage(t, path, body)
	}
}

func TestStaticFilesAreServedAndCached(t *testing.T) {
	srv, _ := pageServer(t)
	_, _, page := get(t, srv, "/capacity")
	for _, name := range []string{"app.js", "app.css", "vendor/echarts/echarts.min.js"} {
		m := regexp.MustCompile(`"(/static/` + regexp.QuoteMeta(name) + `\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Errorf("the page does not link %s with a version", name)
			continue
		}
		status, hdr, body := get(t, srv, m[1])
		if status != 200 || len(body) < 100 || !strings.Contains(hdr.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d, %d bytes, Cache-Control %q", m[1], status, len(body), hdr.Get("Cache-Control"))
		}
	}
	if _, hdr, _ := get(t, srv, "/static/app.js"); !strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js Content-Type %q", hdr.Get("Content-Type"))
	}
	if status, _, body := get(t, srv, "/static/vendor/echarts/LICENSE"); status != 200 || !strings.Contains(body, "Apache License") {
		t.Errorf("ECharts licence: %d", status)
	}
}

func TestPagesWithoutData(t *testing.T) {
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: testdb.New(t), Log: quiet}))
	defer srv.Close()
	for _, path := range []string{"/", "/capacity", "/training", "/outcomes", "/about", "/areas/E92000001", "/areas/ANY"} {
		status, _, body := get(t, srv, path)
		if status != 200 {
			t.Errorf("%s: %d %.300s", path, status, body)
			continue
		}
		checkPage(t, path, body)
		if !strings.Contains(body, "No data is loaded yet") || !strings.Contains(body, "spdash etl load FOLDER") {
			t.Errorf("%s: does not say how to load data", path)
		}
		if strings.Contains(body, `class="chart"`) || strings.Contains(body, "echarts.min.js") {
			t.Errorf("%s: draws charts with no data", path)
		}
	}
}

// TestPageFigureMatchesAPI: the capacity table's referrals are the API's for
// the same selection, area by area (disclosure control included).
func TestPageFigureMatchesAPI(t *testing.T) {
	srv, db := pageServer(t)
	region, _, _ := firstAreas(t, db)
	query := "?place=" + region + "&level=pcn"
	_, _, body := get(t, srv, "/capacity"+query)
	var api dashboard.MetricsResponse
	_, _, raw := get(t, srv, "/api/v1/metrics"+query)
	var doc map[string]any
	if err := json.Unmarshal([]byte(raw), &api); err != nil || json.Unmarshal([]byte(raw), &doc) != nil {
		t.Fatal(err)
	}
	apiReferrals := map[string]any{}
	for _, a := range doc["areas"].([]any) {
		obj := a.(map[string]any)
		apiReferrals[obj["code"].(string)] = obj["referrals"]
	}
	tbl := findFirst(parseHTML(t, body), func(n *html.Node) bool { return attr(n, "id") == "capacity-gap-table" })
	if tbl == nil {
		t.Fatal("no capacity-gap-table")
	}
	col := -1
	for i, th := range findAll(findFirst(tbl, func(n *html.Node) bool { return n.Data == "thead" }), func(n *html.Node) bool { return n.Data == "th" }) {
		if text(th) == "Referrals received" {
			col = i
		}
	}
	rows := findAll(findFirst(tbl, func(n *html.Node) bool { return n.Data == "tbody" }), func(n *html.Node) bool { return n.Data == "tr" })
	if col < 0 || len(rows) != len(api.Areas) || len(rows) == 0 {
		t.Fatalf("column %d, %d rows on the page, %d areas in the API", col, len(rows), len(api.Areas))
	}
	for _, row := range rows {
		cells := findAll(row, func(n *html.Node) bool { return n.Data == "td" || n.Data == "th" })
		link := findFirst(cells[0], func(n *html.Node) bool { return n.Data == "a" })
		code := strings.TrimPrefix(strings.SplitN(attr(link, "href"), "?", 2)[0], "/areas/")
		want, ok := apiReferrals[code]
		if !ok {
			t.Errorf("area %s is on the page but not in the API", code)
			continue
		}
		shown := text(cells[col])
		if want == nil {
			if shown != "*" {
				t.Errorf("%s: page shows %q, the API withheld it", code, shown)
			}
			continue
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(shown, ",", ""), 64)
		if err != nil || n != want.(float64) {
			t.Errorf("%s: page shows %q referrals, the API %v", code, shown, want)
		}
	}
}

const hostile = `</script><img src=x onerror=alert(1)>`

// TestHostileNamesAreEscaped loads areas named like markup and checks that
// no page lets the name out unescaped, in its HTML or its chart options.
func TestHostileNamesAreEscaped(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	files := map[string]string{
		"areas.csv": "area_code,area_name,icb_code,icb_name,region_code,region_name,population,working_age_population,imd_score,long_term_sick_rate\n" +
			"U1," + q(hostile+" PCN") + ",QX1," + q(hostile+" ICB") + ",YX1," + q(hostile+" region") + ",50000,30000,20.5,4.0\n" +
			"U2," + q(`Quote "' & PCN`) + ",QX1," + q(hostile+" ICB") + ",YX1," + q(hostile+" region") + ",40000,25000,,\n",
		"activity.csv": "month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n" +
			"2025-01,U1,P1,120,100,90,300,4,3.5,12\n2025-02,U1,P1,130,110,95,310,4,3.5,11\n" +
			"2025-01,U2,P2,80,70,60,200,2,2.0,\n2025-02,U2,P2,90,75,65,210,3,2.5,20\n",
		"training.csv": "month,area_code,provider_code,module,staff_in_post,staff_trained\n" +
			"2025-02,U1,P1,employment_support,4,2\n2025-02,U2,P2,employment_support,3,3\n",
		"outcomes.csv": "month,area_code,provider_code,outcome,people,cohort\n" +
			"2025-01,U1,P1,entered_employment,12,100\n2025-02,U1,P1,improved_wellbeing,60,100\n" +
			"2025-01,U2,P2,entered_employment,9,80\n2025-02,U2,P2,improved_wellbeing,40,80\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pl, _ := etl.NewProblemLog(io.Discard, filepath.Join(t.TempDir(), "report.csv"), false)
	paths, problems := etl.ExpandPaths([]string{dir}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	results, err := (&etl.Loader{DB: db, Problems: pl, Log: quiet}).LoadAll(context.Background(), paths, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Status != etl.ResultLoaded {
			t.Fatalf("%s: %s", r.Path, r.Status)
		}
	}
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet, DisclosureOff: true}))
	defer srv.Close()
	period := "from=2025-01&to=2025-02"
	for _, path := range []string{
		"/?" + period, "/?" + period + "&place=QX1", "/capacity?" + period + "&place=qx1&level=pcn", "/capacity?" + period + "&level=pcn",
		"/training?" + period + "&place=YX1&level=pcn", "/outcomes?" + period + "&place=QX1", "/outcomes?" + period + "&level=pcn",
		"/areas/U1?" + period, "/areas/qx1?" + period, "/areas/YX1?" + period, "/about",
	} {
		status, _, body := get(t, srv, path)
		if status != 200 {
			t.Errorf("%s: %d %.300s", path, status, body)
			continue
		}
		checkPage(t, path, body)
		if strings.Contains(body, "<img") || strings.Contains(body, "</script><") || strings.Contains(body, "onerror=alert(1)>") {
			t.Errorf("%s: the hostile name is in the page unescaped", path)
		}
		if path != "/about" && !strings.Contains(body, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the hostile name is not shown (escaped) at all", path)
		}
		if strings.Contains(path, "level=pcn") && !strings.Contains(body, `\u003c/script\u003e\u003cimg src=x onerror=alert(1)\u003e PCN`) {
			t.Errorf("%s: the chart options lack the (escaped) PCN name", path)
		}
	}
}

// HTML helpers.

func parseHTML(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if n == nil {
		return nil
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func findFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func attr(n *html.Node, name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// selected is the value of the chosen option of a form's select.
func selected(form *html.Node, name string) string {
	sel := findFirst(form, func(n *html.Node) bool { return n.Data == "select" && attr(n, "name") == name })
	for _, o := range findAll(sel, func(n *html.Node) bool { return n.Data == "option" }) {
		for _, a := range o.Attr {
			if a.Key == "selected" {
				return attr(o, "value")
			}
		}
	}
	return ""
}

func TestPagesWhenTheDatabaseIsDownGive503Page(t *testing.T) {
	srv, p := proxiedServer(t)
	if status, _, _ := get(t, srv, "/capacity"); status != 200 {
		t.Fatalf("before: %d", status)
	}
	p.close()
	for _, path := range []string{"/", "/capacity", "/areas/E92000001", "/about"} {
		status, hdr, body := get(t, srv, path)
		if status != 503 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, "cannot be reached") {
			t.Errorf("%s with the database gone: %d %.300s", path, status, body)
			continue
		}
		checkPage(t, path, body)
	}
}

// TestTrendsWithAnExplicitPeriod: a period given in the URL gives the same
// months as the default one (a month parsed from the URL must match the
// database's months).
func TestTrendsWithAnExplicitPeriod(t *testing.T) {
	srv, db := pageServer(t)
	region, _, _ := firstAreas(t, db)
	data, _ := db.Range(context.Background(), queries.DataAsOf{})
	from, to := data.LastMonth.AddDate(0, -11, 0).Format("2006-01"), data.LastMonth.Format("2006-01")
	tableOf := func(path string) string {
		_, _, body := get(t, srv, path)
		tbl := findFirst(parseHTML(t, body), func(n *html.Node) bool { return attr(n, "id") == "chart-referrals-table" })
		if tbl == nil {
			t.Fatalf("%s: no referrals table", path)
		}
		return text(tbl)
	}
	for _, place := range []string{"", "&place=" + region} {
		byDefault := tableOf("/?level=region" + place)
		explicit := tableOf("/?level=region&from=" + from + "&to=" + to + place)
		if byDefault != explicit {
			t.Errorf("place %q: the months differ with from=%s&to=%s:\n%s\n%s", place, from, to, byDefault, explicit)
		}
		if !regexp.MustCompile(`[1-9]`).MatchString(strings.SplitN(explicit, "People supported", 2)[1]) {
			t.Errorf("place %q: every month is 0", place)
		}
	}
}

// A profile's monthly trend is the area's own: with disclosure off, a PCN's
// accepted referrals month by month add up to the API's figure for it.
func TestProfileTrendIsTheAreas(t *testing.T) {
	db := sampleDB(t)
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet, DisclosureOff: true}))
	defer srv.Close()
	geo, err := db.Places(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, parents, _ := geo.Area(geo.PCNs[0].Code)
	pcn, icb := geo.PCNs[0].Code, parents[0].Code
	period := "from=2026-04&to=2026-09"
	_, _, body := get(t, srv, "/api/v1/metrics?place="+icb+"&level=pcn&"+period)
	var api dashboard.MetricsResponse
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		t.Fatal(err)
	}
	var want float64 = -1
	for _, a := range api.Areas {
		if v, ok := a.Accepted.Value(); a.Code == pcn && ok {
			want = v
		}
	}
	status, _, page := get(t, srv, "/areas/"+pcn+"?"+period)
	if status != 200 || want < 0 {
		t.Fatalf("profile %d, API accepted %v", status, want)
	}
	// The demand chart's table (Month, received, accepted, FTE, capacity),
	// found by its caption.
	caption := findFirst(parseHTML(t, page), func(n *html.Node) bool {
		return n.Data == "caption" && text(n) == "Referrals accepted against capacity each month"
	})
	if caption == nil {
		t.Fatal("no demand table on the profile")
	}
	var sum float64
	rows := 0
	for _, tr := range findAll(caption.Parent, func(n *html.Node) bool { return n.Data == "tr" }) {
		cells := findAll(tr, func(n *html.Node) bool { return n.Data == "td" || n.Data == "th" })
		if len(cells) != 5 || text(cells[0]) == "Month" {
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(text(cells[2]), ",", ""), 64)
		if err != nil {
			t.Fatalf("accepted cell %q: %v", text(cells[2]), err)
		}
		sum += v
		rows++
	}
	if rows != 6 || sum != want {
		t.Fatalf("profile trend: %d months summing to %v accepted, want 6 months and the API's %v", rows, sum, want)
	}
}

// Charts that no report holds link to their own table as shown: the CSV is
// the page's table, cell by cell.
func TestChartTablesAsCSV(t *testing.T) {
	srv, db := pageServer(t)
	_, _, pcn := firstAreas(t, db)
	for _, c := range []struct{ page, chart string }{
		{"/areas/" + pcn, "chart-demand"},
		{"/areas/" + pcn + "?from=2026-01&to=2026-06", "chart-area-outcomes"},
		{"/targeting?budget=3000000&vs_need_weight=2", "chart-sensitivity"},
		{"/targeting?budget=3000000&vs_need_weight=2", "chart-scenarios"},
	} {
		status, _, page := get(t, srv, c.page)
		if status != 200 {
			t.Fatalf("%s: %d", c.page, status)
		}
		doc := parseHTML(t, page)
		section := findFirst(doc, func(n *html.Node) bool { return attr(n, "aria-labelledby") == c.chart+"-title" })
		if section == nil {
			t.Fatalf("%s: no %s", c.page, c.chart)
		}
		link := findFirst(section, func(n *html.Node) bool { return n.Data == "a" && strings.Contains(attr(n, "href"), "table="+c.chart) })
		if link == nil {
			t.Fatalf("%s %s: no link to its table", c.page, c.chart)
		}
		status, header, body := get(t, srv, attr(link, "href"))
		if status != 200 || !strings.HasPrefix(header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s", attr(link, "href"), status, header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		rows := findAll(findFirst(section, func(n *html.Node) bool { return n.Data == "tbody" }), func(n *html.Node) bool { return n.Data == "tr" })
		if len(recs) != len(rows)+1 || len(rows) == 0 {
			t.Fatalf("%s: %d CSV rows, %d table rows", c.chart, len(recs)-1, len(rows))
		}
		for i, row := range rows {
			cells := findAll(row, func(n *html.Node) bool { return n.Data == "td" || n.Data == "th" })
			for j, cell := range cells {
				if text(cell) != recs[i+1][j] {
					t.Errorf("%s row %d col %d: table %q, CSV %q", c.chart, i, j, text(cell), recs[i+1][j])
				}
			}
		}
	}
	if status, _, _ := get(t, srv, "/areas/"+pcn+"?table=chart-nope"); status != 404 {
		t.Errorf("an unknown chart's table: %d, want 404", status)
	}
}
