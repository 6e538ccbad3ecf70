package dashboard_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"spdash/dashboard"
	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// The real samples of the published NHS files, loaded as a new user would
// (the sample areas, the census and the appointments as downloaded, nothing
// else): the API, /capacity, the area profile, /data-quality and the
// capacity download show EXPECTED.md's figures.
func TestPublishedSamplesShown(t *testing.T) {
	db := testdb.New(t)
	e := etltest.ReadExpected(t)
	etltest.MustLoad(t, db, etltest.PublishedSamples(t))
	// Served with disclosure control off (serve --disclosure off, no
	// sign-in): the exact figures; and on, below.
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet, DisclosureOff: true}))
	defer srv.Close()

	type apiArea struct {
		Code                  string
		CensusFTE             *float64 `json:"census_fte"`
		CensusFTEMentalHealth *float64 `json:"census_fte_mental_health"`
		CensusHeadcount       *float64 `json:"census_headcount"`
		CensusMonth           *string  `json:"census_month"`
		FTEDifference         *float64 `json:"fte_difference"`
		SPAppointments        *struct {
			Attended, DNA, Unknown *float64
		} `json:"sp_appointments"`
		DNARate *float64 `json:"dna_rate"`
	}
	on := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer on.Close()
	api := func(srv *httptest.Server, path string) (areas []apiArea, england apiArea) {
		status, _, body := get(t, srv, path)
		if status != 200 {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		var doc struct {
			England apiArea
			Areas   []apiArea
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"census_fte":`, `"census_headcount":`, `"sp_appointments":`, `"sp_appointments_per_1k":`, `"dna_rate":`, `"fte_difference_share":`} {
			if !strings.Contains(body, key) {
				t.Errorf("%s lacks %s", path, key)
			}
		}
		return doc.Areas, doc.England
	}
	eq := func(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-6 }

	pcns, _ := api(srv, "/api/v1/metrics?level=pcn")
	if len(pcns) != len(e.FTE) {
		t.Fatalf("%d PCNs in the API, %d in EXPECTED.md", len(pcns), len(e.FTE))
	}
	for _, a := range pcns {
		if !eq(a.CensusFTE, e.FTE[a.Code]) || !eq(a.CensusFTEMentalHealth, e.FTEMH[a.Code]) || !eq(a.CensusHeadcount, e.HC[a.Code]) ||
			a.CensusMonth == nil || *a.CensusMonth != "2025-11" || a.FTEDifference != nil {
			t.Errorf("API %s: %+v; EXPECTED.md FTE %g (MH %g), headcount %g, November 2025, no difference without a return",
				a.Code, a, e.FTE[a.Code], e.FTEMH[a.Code], e.HC[a.Code])
		}
		if att, ok := e.Attended[a.Code]; ok {
			if a.SPAppointments == nil || !eq(a.SPAppointments.Attended, att) || !eq(a.SPAppointments.DNA, e.DNA[a.Code]) || !eq(a.SPAppointments.Unknown, e.Unknown[a.Code]) {
				t.Errorf("API %s appointments %+v; EXPECTED.md %g, %g, %g", a.Code, a.SPAppointments, att, e.DNA[a.Code], e.Unknown[a.Code])
			}
		} else if a.SPAppointments != nil || a.DNARate != nil {
			t.Errorf("API %s has appointments but none are published for it", a.Code)
		}
	}
	icbs, england := api(srv, "/api/v1/metrics?level=icb")
	people := 0.0
	for _, a := range icbs {
		if !eq(a.CensusFTE, e.ICBFTE[a.Code]) || !eq(a.CensusHeadcount, e.ICBPeople[a.Code]) {
			t.Errorf("API ICB %s: census FTE %v, headcount %v; EXPECTED.md %g, %g distinct people", a.Code, a.CensusFTE, a.CensusHeadcount, e.ICBFTE[a.Code], e.ICBPeople[a.Code])
		}
		people += e.ICBPeople[a.Code]
	}
	if !eq(england.CensusHeadcount, people) {
		t.Errorf("API England headcount %v, want %g", england.CensusHeadcount, people)
	}
	// Disclosure control on: counts of appointments rounded or withheld.
	shown, _ := api(on, "/api/v1/metrics?level=pcn")
	for _, a := range shown {
		att, ok := e.Attended[a.Code]
		if !ok {
			continue
		}
		for _, c := range []struct {
			got  *float64
			want float64
		}{{a.SPAppointments.Attended, att}, {a.SPAppointments.DNA, e.DNA[a.Code]}, {a.SPAppointments.Unknown, e.Unknown[a.Code]}} {
			r, ok := queries.ControlCount(c.want)
			if ok != (c.got != nil) || (ok && *c.got != r) {
				t.Errorf("API %s with disclosure control: %v for %g, want %g (shown %v)", a.Code, c.got, c.want, r, ok)
			}
		}
	}

	// /capacity: the census table and the appointments table, by PCN.
	status, _, body := get(t, srv, "/capacity?level=pcn")
	if status != 200 {
		t.Fatalf("/capacity: %d", status)
	}
	checkPage(t, "/capacity", body)
	doc := parseHTML(t, body)
	rowsOf := func(id string) map[string][]string {
		tbl := findFirst(doc, func(n *html.Node) bool { return n.Data == "table" && attr(n, "id") == id })
		if tbl == nil {
			t.Fatalf("/capacity has no table %s", id)
		}
		out := map[string][]string{}
		for _, tr := range findAll(tbl, func(n *html.Node) bool { return n.Data == "tr" }) {
			var cells []string
			var code string
			for _, td := range findAll(tr, func(n *html.Node) bool { return n.Data == "td" || n.Data == "th" }) {
				cells = append(cells, strings.TrimSpace(text(td)))
				if a := findFirst(td, func(n *html.Node) bool { return n.Data == "a" }); a != nil && code == "" {
					if href := attr(a, "href"); strings.HasPrefix(href, "/areas/") {
						code = strings.SplitN(strings.TrimPrefix(href, "/areas/"), "?", 2)[0]
					}
				}
			}
			if code != "" {
				out[code] = cells
			}
		}
		return out
	}
	one := func(v float64) string { return fmt.Sprintf("%.1f", v) }
	// count writes a whole number as the pages do: 1,365.
	count := func(v float64) string {
		s := fmt.Sprint(int64(v))
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	census := rowsOf("census-table")
	for code, fte := range e.FTE {
		row := census[code]
		// PCN, ICB, census month, returned FTE, census FTE, of which MH, headcount, difference.
		if len(row) != 8 || row[2] != "Nov 2025" || row[4] != one(fte) || row[5] != one(e.FTEMH[code]) || row[6] != fmt.Sprint(e.HC[code]) {
			t.Errorf("/capacity census row of %s: %q; want Nov 2025, %s FTE (%s MH), %g people", code, row, one(fte), one(e.FTEMH[code]), e.HC[code])
		}
	}
	appts := rowsOf("appointments-table")
	for code, att := range e.Attended {
		row := appts[code]
		if len(row) != 7 || row[2] != count(att) || row[3] != count(e.DNA[code]) || row[4] != count(e.Unknown[code]) {
			t.Errorf("/capacity appointments row of %s: %q; want %g, %g, %g", code, row, att, e.DNA[code], e.Unknown[code])
		}
	}

	// The area profile lists the same figures.
	status, _, body = get(t, srv, "/areas/U75549")
	if status != 200 {
		t.Fatalf("profile: %d", status)
	}
	checkPage(t, "/areas/U75549", body)
	for _, want := range []string{"Census link-worker FTE", one(e.FTE["U75549"]), "Social prescribing appointments attended", count(e.Attended["U75549"])} {
		if !strings.Contains(body, want) {
			t.Errorf("the profile of U75549 lacks %q", want)
		}
	}
	// /data-quality: the census section, with nothing to compare.
	status, _, body = get(t, srv, "/data-quality?level=pcn")
	if status != 200 || !strings.Contains(body, "Returned FTE against the workforce census") || !strings.Contains(body, "0 of the 0 PCNs with both a return and a census row differ by more than 20% of the census FTE, furthest first") {
		t.Errorf("/data-quality (%d) lacks the census section with nothing to compare", status)
	}
	// The capacity download: the same figures.
	_, rows := readCSVDownload(t, srv.URL, func(p string) (int, map[string][]string, string) {
		s, h, b := get(t, srv, p)
		return s, h, b
	}, "/download/capacity.csv?level=pcn&disclosure=off")
	for _, r := range rows {
		code := r["code"]
		if code == queries.EnglandCode {
			continue
		}
		if r["census_fte"] != fmt.Sprint(e.FTE[code]) || r["census_headcount"] != fmt.Sprint(e.HC[code]) || r["census_month"] != "2025-11" {
			t.Errorf("capacity.csv %s: census %s FTE, %s people, month %s; EXPECTED.md %g, %g", code, r["census_fte"], r["census_headcount"], r["census_month"], e.FTE[code], e.HC[code])
		}
		if att, ok := e.Attended[code]; ok && r["sp_appointments_attended"] != fmt.Sprint(att) {
			t.Errorf("capacity.csv %s: attended %s, want %g", code, r["sp_appointments_attended"], att)
		}
	}
}

// /data-quality lists exactly the areas whose returned FTE is more than 20%
// off the census, as the API has them, furthest first.
func TestDataQualityListsCensusDifferences(t *testing.T) {
	db := sampleDB(t)
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer srv.Close()
	_, _, body := get(t, srv, "/api/v1/metrics?level=pcn")
	var doc struct {
		Areas []struct {
			Name  string
			Share *float64 `json:"fte_difference_share"`
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	most := 0.0
	for _, a := range doc.Areas {
		if a.Share != nil && math.Abs(*a.Share) > 0.2 {
			want = append(want, a.Name)
			if math.Abs(*a.Share) > most {
				most = math.Abs(*a.Share)
				want[0], want[len(want)-1] = want[len(want)-1], want[0]
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("the sample has no PCN more than 20% off the census: nothing to check")
	}
	status, _, page := get(t, srv, "/data-quality?level=pcn")
	if status != 200 {
		t.Fatalf("/data-quality: %d", status)
	}
	list := findFirst(parseHTML(t, page), func(n *html.Node) bool { return n.Data == "ul" && hasClass(n, "census-differs") })
	if list == nil {
		t.Fatal("/data-quality has no list of census differences")
	}
	items := findAll(list, func(n *html.Node) bool { return n.Data == "li" })
	if len(items) != len(want) {
		t.Errorf("%d areas listed, the API has %d more than 20%% off the census", len(items), len(want))
	}
	if len(items) > 0 && !strings.HasPrefix(text(items[0]), want[0]+":") {
		t.Errorf("first listed %q, want the furthest, %s", text(items[0]), want[0])
	}
}

// An ICB's /capacity: the census and appointments summaries give the ICB's
// own figures (those of the PCNs the tables list), not England's.
func TestAPlacesCapacitySummariesAreItsOwn(t *testing.T) {
	db, _ := freshSample(t, sample.Options{Seed: 10, Scale: sample.Demo, Months: 15, End: "2025-06"})
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet, DisclosureOff: true}))
	defer srv.Close()
	type icbArea struct {
		Code, Name       string
		CensusFTE        *float64 `json:"census_fte"`
		SPAppointments1k *float64 `json:"sp_appointments_per_1k"`
	}
	var icbDoc struct {
		England icbArea
		Areas   []icbArea
	}
	if status, _, body := get(t, srv, "/api/v1/metrics?level=icb"); status != 200 || json.Unmarshal([]byte(body), &icbDoc) != nil || len(icbDoc.Areas) == 0 {
		t.Fatalf("/api/v1/metrics?level=icb: %d %.200s", status, body)
	}
	icb := icbDoc.Areas[0]
	if icb.CensusFTE == nil || icbDoc.England.CensusFTE == nil || *icb.CensusFTE == *icbDoc.England.CensusFTE || *icb.CensusFTE >= 1000 {
		t.Fatalf("the samples' first ICB %+v against England %+v: want a census FTE of its own, under 1,000", icb, icbDoc.England)
	}
	status, _, body := get(t, srv, "/capacity?level=pcn&place="+icb.Code)
	if status != 200 {
		t.Fatalf("/capacity?place=%s: %d", icb.Code, status)
	}
	censusText := fmt.Sprintf("%s has %.1f link-worker FTE", html.EscapeString(icb.Name), *icb.CensusFTE)
	if !strings.Contains(body, censusText) || !strings.Contains(body, "; its returns give ") {
		t.Errorf("/capacity?place=%s: the census summary does not say %q (the ICB's own census)", icb.Code, censusText)
	}
	if icb.SPAppointments1k != nil {
		booked := fmt.Sprintf("%s&#39;s GP practices booked %.1f social prescribing", html.EscapeString(icb.Name), *icb.SPAppointments1k)
		if !strings.Contains(body, booked) {
			t.Errorf("/capacity?place=%s: the appointments summary does not say %q", icb.Code, booked)
		}
	}
}
