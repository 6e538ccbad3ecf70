package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"spdash/dashboard"
	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries/recompute"
	"spdash/queries/testdb"

	"golang.org/x/net/html"
)

type targetingDoc struct {
	Settings    map[string]float64 `json:"settings"`
	Allocated   float64            `json:"allocated"`
	Unallocated float64            `json:"unallocated"`
	Rounds      int                `json:"rounds"`
	Areas       []struct {
		Code                  string             `json:"code"`
		NeedIndex             float64            `json:"need_index"`
		GapCost               float64            `json:"gap_cost"`
		Priority              float64            `json:"priority"`
		Allocation            float64            `json:"allocation"`
		Capped                bool               `json:"capped"`
		ExpectedExtraPeople   float64            `json:"expected_extra_people"`
		ExpectedExtraOutcomes map[string]float64 `json:"expected_extra_outcomes"`
	} `json:"areas"`
}

// closeTo is sixFigures, with amounts below a penny (or a millionth of a
// person) taken as zero: a recomputed 1e-10 against 0 is the same answer.
func closeTo(a, b float64) bool {
	return sixFigures(a, b) || (a*a < 1e-12 && b*b < 1e-12)
}

// The targeting API agrees with an independent recomputation from the
// files (queries/recompute.Targeting: a water level, not rounds) on every
// area's need index, gap cost, priority, allocation, expected extra people
// and outcomes, and the unallocated budget, to 6 significant figures: for
// budgets that cap nobody, some areas over several rounds, and every area;
// before and after a correction load.
func TestTargetingAPIAgreesWithIndependentRecomputation(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 4242, Scale: sample.Demo, Months: 18, End: "2025-09"}); err != nil {
		t.Fatal(err)
	}
	etltest.MustLoad(t, db, dir)
	geo, err := db.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, dashboard.Options{DB: db, Log: quiet, DisclosureOff: true})

	check := func(t *testing.T, sel recompute.Selection, in recompute.TargetingInputs, wantCapped string) {
		england, areas, err := recompute.Compute(dir, sel)
		if err != nil {
			t.Fatal(err)
		}
		// The budget as a share of every gap: 0 is no budget.
		var gaps float64
		zero := in
		zero.Budget = 0
		all, _ := recompute.Targeting(england, areas, zero)
		for _, a := range all {
			if a.Priority > 0 {
				gaps += a.GapCost
			}
		}
		in.Budget *= gaps
		want, wantUnallocated := recompute.Targeting(england, areas, in)
		url := fmt.Sprintf("/api/v1/targeting?from=%s&to=%s&fy=%s&level=%s&budget=%s&caseload_standard=%g&fte_cost=%g&training_cost=%g&need_weight=%g",
			sel.From, sel.To, sel.FY, sel.Level, strconv.FormatFloat(in.Budget, 'f', -1, 64), in.CaseloadStandard, in.FTECost, in.TrainingCost, in.NeedWeight)
		if sel.Place != "" {
			url += "&place=" + sel.Place
		}
		status, _, body := get(t, srv, url)
		if status != 200 {
			t.Fatalf("%s: %d %s", url, status, body)
		}
		var doc targetingDoc
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Areas) != len(want) || len(want) == 0 {
			t.Fatalf("%d areas from the API, %d recomputed", len(doc.Areas), len(want))
		}
		if !closeTo(doc.Unallocated, wantUnallocated) {
			t.Errorf("unallocated %v, recomputed %v", doc.Unallocated, wantUnallocated)
		}
		capped := 0
		for _, a := range doc.Areas {
			w, ok := want[a.Code]
			if !ok {
				t.Fatalf("area %s not recomputed", a.Code)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{
				{"need_index", a.NeedIndex, w.NeedIndex}, {"gap_cost", a.GapCost, w.GapCost}, {"priority", a.Priority, w.Priority},
				{"allocation", a.Allocation, w.Allocation}, {"expected_extra_people", a.ExpectedExtraPeople, w.ExpectedExtraPeople},
			} {
				if !closeTo(f.got, f.want) {
					t.Errorf("%s %s = %.9g, recomputed %.9g", a.Code, f.name, f.got, f.want)
				}
			}
			for o, n := range w.ExpectedExtraOutcomes {
				if !closeTo(a.ExpectedExtraOutcomes[o], n) {
					t.Errorf("%s expected extra %s = %.9g, recomputed %.9g", a.Code, o, a.ExpectedExtraOutcomes[o], n)
				}
			}
			if a.Capped {
				capped++
			}
		}
		var withGap int
		for _, a := range all {
			if a.Priority > 0 {
				withGap++
			}
		}
		switch wantCapped {
		case "none":
			if capped != 0 || doc.Rounds != 1 {
				t.Errorf("%d capped over %d rounds, want none in one round", capped, doc.Rounds)
			}
		case "some":
			if capped == 0 || capped == withGap || doc.Rounds < 2 {
				t.Errorf("%d of %d capped over %d rounds, want some over several rounds", capped, withGap, doc.Rounds)
			}
		case "all":
			if capped != withGap || doc.Unallocated <= 0 {
				t.Errorf("%d of %d capped, %v unallocated: want every gap filled and some left", capped, withGap, doc.Unallocated)
			}
		}
	}
	cases := []struct {
		sel    recompute.Selection
		in     recompute.TargetingInputs
		capped string
	}{
		{recompute.Selection{From: "2024-10", To: "2025-09", FY: "2024-25", Level: "pcn"}, recompute.TargetingInputs{Budget: 0.0005, CaseloadStandard: 250, FTECost: 42000, TrainingCost: 600, NeedWeight: 1}, "none"},
		{recompute.Selection{From: "2024-10", To: "2025-09", FY: "2024-25", Level: "pcn"}, recompute.TargetingInputs{Budget: 0.9, CaseloadStandard: 250, FTECost: 42000, TrainingCost: 600, NeedWeight: 1}, "some"},
		{recompute.Selection{From: "2025-04", To: "2025-09", FY: "2025-26", Level: "pcn", Place: geo.Regions[0].Code}, recompute.TargetingInputs{Budget: 0.7, CaseloadStandard: 180, FTECost: 38000, TrainingCost: 950, NeedWeight: 2.5}, "some"},
		{recompute.Selection{From: "2024-10", To: "2025-09", FY: "2024-25", Level: "icb"}, recompute.TargetingInputs{Budget: 2.5, CaseloadStandard: 300, FTECost: 45000, TrainingCost: 500, NeedWeight: 0}, "all"},
	}
	run := func(stage string) {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s %s %s %s budget×%g", stage, c.sel.From, c.sel.Place, c.sel.Level, c.in.Budget), func(t *testing.T) {
				check(t, c.sel, c.in, c.capped)
			})
		}
	}
	run("loaded")

	// A correction: the latest three months of the first PCN's activity with
	// three times the referrals accepted. The API reads the newest rows; the
	// recomputation reads the files with the same rows replaced.
	activity := filepath.Join(dir, "activity.csv")
	b, err := os.ReadFile(activity)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	pcn := geo.PCNs[0].Code
	fix := []string{lines[0]}
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		if f[1] == pcn && f[0] >= "2025-07" {
			n, _ := strconv.Atoi(f[4])
			f[4] = strconv.Itoa(n*3 + 40)
			if r, _ := strconv.Atoi(f[3]); r < n*3+40 {
				f[3] = strconv.Itoa(n*3 + 40) // received ≥ accepted
			}
			lines[i+1] = strings.Join(f, ",")
			fix = append(fix, lines[i+1])
		}
	}
	if len(fix) < 2 {
		t.Fatalf("no activity rows of %s to correct", pcn)
	}
	fixDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(fixDir, "activity_correction.csv"), []byte(strings.Join(fix, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.MustLoad(t, db, fixDir)
	if err := os.WriteFile(activity, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run("corrected")
}

// Bad targeting parameters get 400 naming the parameter.
func TestTargetingAPIRefusesBadParameters(t *testing.T) {
	db := testdb.New(t)
	srv := newTestServer(t, dashboard.Options{DB: db, Log: quiet})
	for _, c := range []struct{ query, param string }{
		{"budget=-1", "budget"}, {"budget=1e13", "budget"}, {"budget=abc", "budget"}, {"budget=NaN", "budget"},
		{"budget=Inf", "budget"}, {"budget=0x10", "budget"}, {"budget=1&budget=2", "budget"},
		{"caseload_standard=0", "caseload_standard"}, {"fte_cost=-5", "fte_cost"}, {"training_cost=1e10", "training_cost"},
		{"need_weight=5.5", "need_weight"}, {"need_weight=-0.1", "need_weight"}, {"colour=red", "colour"},
		{"level=nation", "level"},
	} {
		status, _, body := get(t, srv, "/api/v1/targeting?"+c.query)
		if status != 400 || !strings.Contains(body, c.param) {
			t.Errorf("%s: %d %s, want 400 naming %s", c.query, status, body, c.param)
		}
	}
	status, _, body := get(t, srv, "/api/v1/targeting?budget=0&need_weight=0&caseload_standard=1e9")
	if status != 200 {
		t.Errorf("edge values: %d %s", status, body)
	}
}

func newTestServer(t *testing.T, opts dashboard.Options) *httptest.Server {
	srv := httptest.NewServer(dashboard.New(opts))
	t.Cleanup(srv.Close)
	return srv
}

// Every figure of the /targeting page's tables and headlines is the API's,
// formatted; with disclosure control on (the page server's default).
func TestTargetingPageFiguresAreTheAPIs(t *testing.T) {
	srv, db := pageServer(t)
	region, _, _ := firstAreas(t, db)
	query := "?place=" + region + "&level=pcn&budget=2500000&need_weight=1.5&fte_cost=40000"
	status, _, body := get(t, srv, "/targeting"+query)
	if status != 200 {
		t.Fatalf("/targeting: %d", status)
	}
	checkPage(t, "/targeting", body)
	_, _, raw := get(t, srv, "/api/v1/targeting"+query)
	var api struct {
		Allocated, Unallocated float64
		Totals                 struct {
			FundedFTE             float64            `json:"funded_fte"`
			TrainingPlaces        float64            `json:"training_places"`
			ExpectedExtraPeople   float64            `json:"expected_extra_people"`
			ExpectedExtraOutcomes map[string]float64 `json:"expected_extra_outcomes"`
		}
		Areas []struct {
			Code                string   `json:"code"`
			Rank                int      `json:"rank"`
			NeedIndex           float64  `json:"need_index"`
			CapacityGapFTE      *float64 `json:"capacity_gap_fte"`
			UntrainedStaff      float64  `json:"untrained_staff"`
			CapacityGapCost     *float64 `json:"capacity_gap_cost"`
			TrainingGapCost     float64  `json:"training_gap_cost"`
			GapCost             float64  `json:"gap_cost"`
			Priority            float64  `json:"priority"`
			Allocation          float64  `json:"allocation"`
			FundedFTE           float64  `json:"funded_fte"`
			TrainingPlaces      float64  `json:"training_places"`
			ExpectedExtraPeople float64  `json:"expected_extra_people"`
		}
	}
	if err := json.Unmarshal([]byte(raw), &api); err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, body)
	tbl := findFirst(doc, func(n *html.Node) bool { return attr(n, "id") == "targeting-table" })
	if tbl == nil {
		t.Fatal("no targeting-table")
	}
	rows := findAll(findFirst(tbl, func(n *html.Node) bool { return n.Data == "tbody" }), func(n *html.Node) bool { return n.Data == "tr" })
	if len(rows) != len(api.Areas) || len(rows) == 0 {
		t.Fatalf("%d rows on the page, %d areas in the API", len(rows), len(api.Areas))
	}
	oneDP := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	whole := func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
	for i, row := range rows {
		a := api.Areas[i]
		cells := findAll(row, func(n *html.Node) bool { return n.Data == "td" || n.Data == "th" })
		got := make([]string, len(cells))
		for j, c := range cells {
			got[j] = strings.ReplaceAll(text(c), ",", "")
		}
		link := findFirst(cells[1], func(n *html.Node) bool { return n.Data == "a" })
		if code := strings.TrimPrefix(strings.SplitN(attr(link, "href"), "?", 2)[0], "/areas/"); code != a.Code {
			t.Fatalf("row %d is %s, the API's is %s", i+1, code, a.Code)
		}
		gap, gapCost := "*", "*" // withheld by disclosure control
		if a.CapacityGapFTE != nil {
			gap = oneDP(*a.CapacityGapFTE)
		}
		if a.CapacityGapCost != nil {
			gapCost = whole(*a.CapacityGapCost)
		}
		// Rank, area, ICB, need index, gap FTE, untrained, capacity and training
		// gap costs, gap cost, priority, allocation, FTE funded, training places,
		// extra people, why.
		want := []string{strconv.Itoa(a.Rank), "", "", strconv.FormatFloat(math.Round(a.NeedIndex*1000)/1000, 'f', -1, 64), gap,
			whole(a.UntrainedStaff), gapCost, whole(a.TrainingGapCost), whole(a.GapCost), whole(a.Priority), whole(a.Allocation), oneDP(a.FundedFTE), oneDP(a.TrainingPlaces), whole(a.ExpectedExtraPeople)}
		for j, w := range want {
			if w != "" && got[j] != w {
				t.Errorf("%s column %d: page %q, API %q", a.Code, j+1, got[j], w)
			}
		}
		if why := got[len(got)-1]; !strings.Contains(why, "need index") && !strings.Contains(why, "nothing to fund") {
			t.Errorf("%s: no reason given: %q", a.Code, why)
		}
	}
	// Headlines: budget, what is allocated and left, FTE, people, outcomes.
	cards := map[string]string{}
	for _, card := range findAll(doc, func(n *html.Node) bool { return hasClass(n, "card") }) {
		label := findFirst(card, func(n *html.Node) bool { return hasClass(n, "card-label") })
		value := findFirst(card, func(n *html.Node) bool { return hasClass(n, "card-value") })
		cards[text(label)] = strings.ReplaceAll(text(value), ",", "")
	}
	for label, want := range map[string]string{
		"Budget": "£2500000", "Link-worker FTE funded": oneDP(api.Totals.FundedFTE), "Extra people supported": whole(api.Totals.ExpectedExtraPeople),
		"Training places":    strconv.FormatFloat(math.Floor(api.Totals.TrainingPlaces+1e-9), 'f', 0, 64), // whole places: the table's are to one decimal
		"Entered employment": whole(api.Totals.ExpectedExtraOutcomes["entered_employment"]),
		"Improved wellbeing": whole(api.Totals.ExpectedExtraOutcomes["improved_wellbeing"]),
	} {
		if cards[label] != want {
			t.Errorf("headline %s: page %q, API %q", label, cards[label], want)
		}
	}
	if !strings.Contains(body, "Whole places in employment support") {
		t.Error("the training places card does not say its places are whole (the table's add up to more)")
	}
}

// A second scenario: each is a URL, and the table of what moves lists every
// area with both allocations.
func TestTargetingScenariosAndSensitivity(t *testing.T) {
	srv, _ := pageServer(t)
	status, _, body := get(t, srv, "/targeting?level=pcn&budget=1000000&vs_budget=4000000&vs_need_weight=2")
	if status != 200 {
		t.Fatalf("%d", status)
	}
	doc := parseHTML(t, body)
	for _, id := range []string{"scenario-table", "sensitivity-table", "chart-scenarios", "chart-sensitivity", "chart-allocation"} {
		if findFirst(doc, func(n *html.Node) bool { return attr(n, "id") == id }) == nil {
			t.Errorf("no #%s", id)
		}
	}
	var links []string
	for _, a := range findAll(doc, func(n *html.Node) bool {
		return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "/targeting?") && !strings.Contains(attr(n, "href"), "table=")
	}) {
		links = append(links, attr(a, "href"))
	}
	joined := strings.Join(links, " ")
	if !strings.Contains(joined, "budget=1000000") || !strings.Contains(joined, "budget=4000000&") || strings.Contains(joined, "vs_") {
		t.Errorf("scenario links %v: want one per scenario, without the other's inputs", links)
	}
	status, _, body = get(t, srv, "/targeting?vs_need_weight=9")
	if status != 400 || !strings.Contains(body, "vs_need_weight") {
		t.Errorf("a bad second scenario: %d, want 400 naming vs_need_weight", status)
	}
}

// The sensitivity table's ranks are the API's at each need weight: the
// rankings are computed side by side, and each must land in its column.
func TestSensitivityRanksAreTheAPIsAtEachWeight(t *testing.T) {
	srv, _ := pageServer(t)
	const base = "level=pcn&budget=1500000&need_weight=0.6" // the chosen weight is not a column's
	status, _, body := get(t, srv, "/targeting?"+base)
	if status != 200 {
		t.Fatalf("%d", status)
	}
	doc := parseHTML(t, body)
	tbl := findFirst(doc, func(n *html.Node) bool { return attr(n, "id") == "sensitivity-table" })
	if tbl == nil {
		t.Fatal("no #sensitivity-table")
	}
	// The columns' weights, from their heads ("Weight 0.25").
	var weights []float64
	for _, th := range findAll(tbl, func(n *html.Node) bool { return n.Data == "th" && attr(n, "scope") == "col" }) {
		if w, ok := strings.CutPrefix(strings.TrimSpace(text(th)), "Weight "); ok {
			x, err := strconv.ParseFloat(w, 64)
			if err != nil {
				t.Fatalf("column %q", text(th))
			}
			weights = append(weights, x)
		}
	}
	if len(weights) < 5 {
		t.Fatalf("weights %v: want the table's columns", weights)
	}
	rows := findAll(tbl, func(n *html.Node) bool { return n.Data == "tr" })
	checked := 0
	for _, row := range rows[1:] { // after the head
		link := findFirst(row, func(n *html.Node) bool { return n.Data == "a" })
		cells := findAll(row, func(n *html.Node) bool { return n.Data == "td" })
		if link == nil || len(cells) != len(weights) {
			t.Fatalf("a row of %d cells, or with no link to its area", len(cells))
		}
		code := strings.TrimPrefix(strings.SplitN(attr(link, "href"), "?", 2)[0], "/areas/")
		for i, w := range weights {
			var answer struct {
				Areas []struct {
					Code string `json:"code"`
					Rank int    `json:"rank"`
				} `json:"areas"`
			}
			_, _, js := get(t, srv, fmt.Sprintf("/api/v1/targeting?level=pcn&budget=1500000&need_weight=%g", w))
			if err := json.Unmarshal([]byte(js), &answer); err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, a := range answer.Areas {
				if a.Code == code {
					want = a.Rank
				}
			}
			if got := strings.TrimSpace(text(cells[i])); got != strconv.Itoa(want) {
				t.Errorf("%s at need weight %g: rank %s in the table, %d in the API", code, w, got, want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("the sensitivity table has no rows")
	}
}
