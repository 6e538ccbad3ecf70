package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browserProblems collects what must not happen on any page: a console
// error, an exception, a browser log error (a CSP violation, a failed load)
// or a request that leaves the test server.
type browserProblems struct {
	mu     sync.Mutex
	origin string
	list   []string
}

func (b *browserProblems) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			problem = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		problem = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			problem += " " + ev.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			problem = "browser log: " + ev.Entry.Text + " " + ev.Entry.URL
		}
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		if !strings.HasPrefix(u, b.origin+"/") && !strings.HasPrefix(u, "data:") {
			problem = "request leaving the server: " + u
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.list = append(b.list, problem)
		b.mu.Unlock()
	}
}

// take returns the problems so far and forgets them.
func (b *browserProblems) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.list
	b.list = nil
	return out
}

// openBrowser starts headless Chromium for a test, stopped when it ends:
// problems collects what must not happen on pages of origin, motion is
// reduced (app.js then draws without animation, so screenshots and clicks
// see the final charts), and shots is the screenshots' folder.
func openBrowser(t *testing.T, origin string, timeout time.Duration) (ctx context.Context, problems *browserProblems, shots string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the browser tests need Chromium at %s: apt-get install -y chromium", chromiumPath)
	}
	shots, err := filepath.Abs(filepath.Join("..", "artifacts", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	problems = &browserProblems{origin: origin}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(problems.listen))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancelTimeout)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatal(err)
	}
	return ctx, problems, shots
}

type chartState struct {
	ID     string `json:"id"`
	Drawn  bool   `json:"drawn"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// TestBrowser loads every page in headless Chromium against the sample data:
// no console error, no request off the server, every chart drawn; the filter
// form changes the URL and the charts; a table link and a chart click open an
// area's profile. It saves a screenshot of each page in
// artifacts/screenshots/ under the repository root.
func TestBrowser(t *testing.T) {
	srv, db := pageServer(t)
	region, _, pcn := firstAreas(t, db)
	// A bound against a hang, not a timing target: on 2 cores, beside the
	// other packages' tests, the visits take one to two minutes.
	ctx, problems, shots := openBrowser(t, srv.URL, 4*time.Minute)

	// visit opens a page, waits for app.js, checks every chart is drawn on a
	// canvas of non-zero size, and saves a screenshot.
	visit := func(t *testing.T, path, shot string) []chartState {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return checkLoaded(t, ctx, path, shot, shots)
	}
	checkProblems := func(t *testing.T, where string) {
		t.Helper()
		for _, p := range problems.take() {
			t.Errorf("%s: %s", where, p)
		}
	}

	pages := []struct{ path, shot string }{
		{"/", "overview"},
		{"/capacity", "capacity"},
		{"/training", "training"},
		{"/outcomes", "outcomes"},
		{"/outcomes?level=pcn&outcome=improved_work_readiness", "outcomes-pcn"},
		{"/areas/" + pcn, "area-pcn"},
		{"/about", "about"},
		{"/funding?level=pcn", "funding"},
		{"/evidence", "evidence"},
		{"/data-quality?level=icb", "data-quality"},
		{"/inequality", "inequality"},
		{"/targeting?level=pcn", "targeting"},
		{"/targeting?level=pcn&budget=2000000&vs_budget=6000000&vs_need_weight=2", "targeting-scenarios"},
		{"/capacity?from=2099-12", "error-400"},
	}
	for _, p := range pages {
		charts := visit(t, p.path, p.shot)
		errorPage := strings.Contains(p.path, "2099")
		if p.path != "/about" && !errorPage && len(charts) == 0 {
			t.Errorf("%s: no charts", p.path)
		}
		if errorPage { // the browser logs the page's own status 400
			for _, pr := range problems.take() {
				if !strings.Contains(pr, "status of 400") {
					t.Errorf("%s: %s", p.path, pr)
				}
			}
		}
		checkProblems(t, p.path)
	}

	t.Run("the new pages are reachable by keyboard", func(t *testing.T) {
		// Tab from the top: focus must reach a data table's summary and a
		// download link on each page, through visible elements only.
		for _, p := range []string{"/evidence", "/inequality", "/data-quality", "/areas/" + pcn} {
			visit(t, p, "")
			reached := map[string]bool{}
			for i := 0; i < 80 && !(reached["summary"] && reached["download"]); i++ {
				if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
					t.Fatal(err)
				}
				el, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(() => {
					const el = document.activeElement;
					const r = el.getBoundingClientRect();
					return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href') || '', visible: r.width > 0 && r.height > 0};
				})()`))
				if err != nil {
					t.Fatal(err)
				}
				if v, _ := el["visible"].(bool); !v && el["tag"] != "body" {
					t.Errorf("%s: focus on an invisible %v", p, el)
				}
				if el["tag"] == "summary" {
					reached["summary"] = true
				}
				if href, _ := el["href"].(string); strings.HasPrefix(href, "/download/") || strings.Contains(href, "table=") {
					reached["download"] = true
				}
			}
			if !reached["summary"] || !reached["download"] {
				t.Errorf("%s: the keyboard reached %v of a data table and a download", p, reached)
			}
			checkProblems(t, p+" by keyboard")
		}
	})

	t.Run("tooltips show within the CSP", func(t *testing.T) {
		// Hover over the middle of every chart: ECharts shows its tooltip,
		// which must set no style attribute the CSP would block.
		for _, p := range []string{"/", "/capacity", "/outcomes", "/funding", "/targeting?vs_budget=1"} {
			visit(t, p, "")
			charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.chart')).map(el => el.id)`))
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range charts {
				xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
					const el = document.getElementById(%q);
					el.scrollIntoView({block: 'center'});
					const r = el.getBoundingClientRect();
					return [r.left + r.width / 2, r.top + r.height / 2];
				})()`, id)))
				if err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, xy[0], xy[1]), chromedp.Sleep(80*time.Millisecond)); err != nil {
					t.Fatal(err)
				}
			}
			checkProblems(t, p+" tooltips")
		}
	})

	t.Run("200% zoom reflows", func(t *testing.T) {
		// 640 CSS pixels wide is a 1280-pixel window at 200%.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(640, 900, chromedp.EmulateScale(2))); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)) }()
		for p, shot := range map[string]string{"/": "zoom200-overview", "/capacity": "zoom200-capacity", "/outcomes": "zoom200-outcomes",
			"/funding": "zoom200-funding", "/targeting": "zoom200-targeting"} {
			visit(t, p, shot)
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil || overflow {
				t.Errorf("%s at 200%%: the page scrolls sideways (%v)", p, err)
			}
		}
		checkProblems(t, "zoom")
	})

	t.Run("choosing an ICB while showing regions resets the level", func(t *testing.T) {
		visit(t, "/capacity?level=region", "")
		level, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const place = document.getElementById('f-place');
			place.value = place.querySelector('option[data-level="icb"]').value;
			place.dispatchEvent(new Event('change'));
			return document.getElementById('f-level').value;
		})()`))
		if err != nil || level != "" {
			t.Errorf("the level is %q (%v), want the default", level, err)
		}
	})

	t.Run("changing the place updates the URL and the charts", func(t *testing.T) {
		visit(t, "/capacity", "")
		before := chartCategories(t, ctx, "chart-fte-per-100k")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("f-place"), region)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
			chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)))); err != nil {
			t.Fatal(err)
		}
		checkLoaded(t, ctx, "after the filter", "capacity-region", shots)
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(loc)
		if u.Path != "/capacity" || u.Query().Get("place") != region {
			t.Errorf("after choosing %s the URL is %s", region, loc)
		}
		after := chartCategories(t, ctx, "chart-fte-per-100k")
		if strings.Join(before, "|") == strings.Join(after, "|") || len(after) == 0 {
			t.Errorf("the chart did not change: %v, then %v", before, after)
		}
		geo, _ := db.Places(context.Background())
		for _, name := range after {
			found := false
			for _, icb := range geo.ICBs {
				found = found || (icb.Name == name && geo.RegionOf(icb.Code) == region)
			}
			if !found {
				t.Errorf("the chart of %s shows %q, not one of its ICBs", region, name)
			}
		}
		checkProblems(t, "filter")
	})

	t.Run("changing the budget updates the URL, the table and the chart", func(t *testing.T) {
		visit(t, "/targeting?level=pcn&budget=100000", "")
		type state struct {
			Total float64  `json:"total"`
			Bars  []string `json:"bars"`
			First string   `json:"first"`
		}
		read := func() state {
			t.Helper()
			st, err := chromedp.Run(ctx, chromedp.Evaluate[state](`(() => {
				const chart = echarts.getInstanceByDom(document.getElementById('chart-allocation'));
				const o = chart.getOption();
				let total = 0;
				o.series.forEach(s => s.data.forEach(d => { total += (typeof d === 'object' ? d.value : d) || 0; }));
				const cells = document.querySelectorAll('#targeting-table tbody tr:first-child td');
				return {total: total, bars: o.yAxis[0].data, first: cells[cells.length - 5].textContent};
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		before := read()
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("t-budget"), "5000000")); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
			chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)))); err != nil {
			t.Fatal(err)
		}
		checkLoaded(t, ctx, "after the budget", "targeting-budget", shots)
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(loc)
		if u.Path != "/targeting" || u.Query().Get("budget") != "5000000" || u.Query().Get("level") != "pcn" {
			t.Errorf("after the budget the URL is %s", loc)
		}
		after := read()
		if math.Abs(before.Total-100000) > 1 || math.Abs(after.Total-5000000) > 1 {
			t.Errorf("the chart's bars add to %v and then %v, want 100,000 and 5,000,000", before.Total, after.Total)
		}
		if before.First == after.First {
			t.Errorf("the table's first allocation stayed %q", after.First)
		}
		checkProblems(t, "targeting budget")
	})

	t.Run("a download link gives the report's CSV file", func(t *testing.T) {
		visit(t, "/capacity?place="+region+"&level=pcn", "")
		dir := t.TempDir()
		if _, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`section[aria-labelledby="chart-gap-title"] p.download a`), chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
		// The browser saves the file under the name the server gave it.
		var name string
		for deadline := time.Now().Add(15 * time.Second); name == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if !strings.HasSuffix(e.Name(), ".crdownload") {
					name = e.Name()
				}
			}
		}
		if name == "" {
			t.Fatal("no file arrived")
		}
		if !strings.HasPrefix(name, "spdash-capacity-"+region+"-pcn-") || !strings.HasSuffix(name, ".csv") {
			t.Errorf("downloaded as %q", name)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "code,name,level,parent_code,parent_name,period_from,period_to,population,referrals") {
			t.Errorf("the file starts %.120q", b)
		}
		checkProblems(t, "download")
	})

	t.Run("a link in a chart's table opens the area's profile", func(t *testing.T) {
		visit(t, "/capacity?place="+region, "")
		// The table is in a closed <details>: open it as a reader would.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`section[aria-labelledby="chart-gap-title"] details > summary`))); err != nil {
			t.Fatal(err)
		}
		link := `#capacity-gap-table tbody tr:first-child a`
		name, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(link)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(link)))); err != nil {
			t.Fatal(err)
		}
		checkLoaded(t, ctx, "profile from the table", "", shots)
		assertProfile(t, ctx, "", name)
		checkProblems(t, "table link")
	})

	t.Run("clicking a chart opens the area's profile", func(t *testing.T) {
		visit(t, "/capacity?place="+region, "")
		var spec struct {
			Codes [][]string `json:"codes"`
		}
		raw, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID("chart-gap-data")))
		if err != nil || json.Unmarshal([]byte(raw), &spec) != nil || len(spec.Codes) == 0 || len(spec.Codes[0]) == 0 {
			t.Fatalf("chart-gap's options: %v %.200s", err, raw)
		}
		first := spec.Codes[0][0]

		// A real mouse click on the first bar: ECharts hit-tests it and calls
		// the handler app.js registered with chart.on('click').
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
			const el = document.getElementById('chart-gap');
			el.scrollIntoView({block: 'center'});
			const chart = echarts.getInstanceByDom(el);
			const value = chart.getOption().series[0].data[0].value;
			const p = chart.convertToPixel({seriesIndex: 0}, [value / 2, 0]);
			const r = el.getBoundingClientRect();
			return [r.left + p[0], r.top + p[1]];
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.MouseClickXY(xy[0], xy[1]))); err != nil {
			t.Fatal(err)
		}
		assertProfile(t, ctx, first, "")

		// The same handler called directly, as app.js exposes it for tests
		// (window.spdash.click calls the function given to chart.on('click')):
		// the second bar's area.
		visit(t, "/capacity?place="+region, "")
		if len(spec.Codes[0]) > 1 {
			if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Evaluate[chromedp.Void](
				`window.spdash.click('chart-gap', {componentType: 'series', seriesIndex: 0, dataIndex: 1})`))); err != nil {
				t.Fatal(err)
			}
			assertProfile(t, ctx, spec.Codes[0][1], "")
		}
		checkProblems(t, "chart click")
	})
}

// checkLoaded waits for app.js to finish, checks each chart has a canvas of
// non-zero size and saves a full-page screenshot when shot is named.
func checkLoaded(t *testing.T, ctx context.Context, where, shot, dir string) []chartState {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.spdash !== undefined && window.spdash.ready === true`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("%s: app.js did not start: %v", where, err)
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chartState](`Array.from(document.querySelectorAll('.chart')).map(el => {
		const c = el.querySelector('canvas');
		return {id: el.id, drawn: el.dataset.drawn === 'true', width: c ? c.width : 0, height: c ? c.height : 0};
	})`))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, c := range charts {
		if !c.Drawn || c.Width == 0 || c.Height == 0 {
			t.Errorf("%s: chart %s not drawn (%+v)", where, c.ID, c)
		}
	}
	if shot != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", where, err)
		}
		if err := os.WriteFile(filepath.Join(dir, shot+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return charts
}

// chartCategories are the area names a drawn horizontal chart shows.
func chartCategories(t *testing.T, ctx context.Context, id string) []string {
	t.Helper()
	names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`echarts.getInstanceByDom(document.getElementById(%q)).getOption().yAxis[0].data`, id)))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// assertProfile checks the browser is on an area's profile: that of code,
// or the one whose heading is name.
func assertProfile(t *testing.T, ctx context.Context, code, name string) {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	if !strings.HasPrefix(u.Path, "/areas/") || (code != "" && u.Path != "/areas/"+code) {
		t.Errorf("on %s, want the profile of %s", loc, code+name)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if name != "" && h1 != name {
		t.Errorf("the profile's heading is %q, want %q", h1, name)
	}
}
