package queries_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// readCSV returns the rows of a file as maps from column to value.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, h := range header {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
}

func num(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// expected is an independent computation of METRICS.md for one ICB, written
// from the definitions, not from the code under test.
type expected struct {
	population, referrals, accepted, supported, fte, headcount, caseload float64
	waits                                                                []float64
	inPost, trained                                                      map[string]float64
	people, cohort, fyPeople                                             map[string]float64
	funding                                                              float64
}

// value is a figure's value, NaN when it has none (so that it equals nothing).
func value(f queries.Figure) float64 {
	if v, ok := f.Value(); ok {
		return v
	}
	return math.NaN()
}

func sig6(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 5e-7*math.Max(math.Abs(a), math.Abs(b))
}

func wilsonByHand(x, n float64) (float64, float64) {
	z := 1.959964
	p := x / n
	mid := (2*n*p + z*z) / (2 * (n + z*z))
	spread := z * math.Sqrt(z*z+4*n*p*(1-p)) / (2 * (n + z*z))
	return mid - spread, mid + spread
}

func TestMetricsAgreeWithIndependentComputation(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 11, Scale: sample.Demo, Months: 30, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, dir)

	from, to := "2024-07", "2025-06" // 12 months; stocks at 2025-06
	fy := "2024-25"                  // April 2024 to March 2025
	icbOf := map[string]string{}
	exp := map[string]*expected{}
	get := func(icb string) *expected {
		if exp[icb] == nil {
			exp[icb] = &expected{inPost: map[string]float64{}, trained: map[string]float64{}, people: map[string]float64{}, cohort: map[string]float64{}, fyPeople: map[string]float64{}}
		}
		return exp[icb]
	}
	for _, r := range readCSV(t, filepath.Join(dir, "areas.csv")) {
		icbOf[r["area_code"]] = r["icb_code"]
		get(r["icb_code"]).population += num(r["population"])
	}
	for _, r := range readCSV(t, filepath.Join(dir, "activity.csv")) {
		if r["month"] < from || r["month"] > to {
			continue
		}
		e := get(icbOf[r["area_code"]])
		e.referrals += num(r["referrals_received"])
		e.accepted += num(r["referrals_accepted"])
		e.supported += num(r["people_supported"])
		if r["month"] == to {
			e.fte += num(r["link_worker_fte"])
			e.headcount += num(r["link_worker_headcount"])
			e.caseload += num(r["active_caseload"])
		}
		if r["median_wait_days"] != "" {
			e.waits = append(e.waits, num(r["median_wait_days"]))
		}
	}
	for _, r := range readCSV(t, filepath.Join(dir, "training.csv")) {
		if r["month"] == to {
			e := get(icbOf[r["area_code"]])
			e.inPost[r["module"]] += num(r["staff_in_post"])
			e.trained[r["module"]] += num(r["staff_trained"])
		}
	}
	englandPeople, englandCohort := map[string]float64{}, map[string]float64{}
	for _, r := range readCSV(t, filepath.Join(dir, "outcomes.csv")) {
		e := get(icbOf[r["area_code"]])
		if r["month"] >= from && r["month"] <= to {
			e.people[r["outcome"]] += num(r["people"])
			e.cohort[r["outcome"]] += num(r["cohort"])
			englandPeople[r["outcome"]] += num(r["people"])
			englandCohort[r["outcome"]] += num(r["cohort"])
		}
		if r["month"] >= "2024-04" && r["month"] <= "2025-03" {
			e.fyPeople[r["outcome"]] += num(r["people"])
		}
	}
	for _, r := range readCSV(t, filepath.Join(dir, "funding.csv")) {
		if r["financial_year"] == fy {
			get(icbOf[r["area_code"]]).funding += num(r["amount_gbp"])
		}
	}

	month := func(s string) time.Time { tm, _ := time.Parse("2006-01", s); return tm }
	rep, err := db.Metrics(ctx, queries.Request{Selection: queries.Selection{From: month(from), To: month(to), Place: queries.England, Level: queries.LevelICB, FY: fy}, Settings: queries.DefaultSettings})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Areas) != len(exp) {
		t.Fatalf("%d ICBs in the report, %d in the files", len(rep.Areas), len(exp))
	}
	check := func(area, name string, fig queries.Figure, want float64, known bool) {
		t.Helper()
		got := fig.Ptr()
		switch {
		case !known && got != nil:
			t.Errorf("%s %s = %v, want unknown", area, name, *got)
		case known && got == nil:
			t.Errorf("%s %s unknown, want %v", area, name, want)
		case known && !sig6(*got, want):
			t.Errorf("%s %s = %.9g, want %.9g", area, name, *got, want)
		}
	}
	val := func(f queries.Figure) queries.Figure { return f }
	compared := 0
	for _, a := range rep.Areas {
		e := exp[a.Code]
		if e == nil {
			t.Fatalf("unexpected area %s", a.Code)
		}
		check(a.Code, "population", val(a.Population), e.population, true)
		check(a.Code, "referrals", val(a.Referrals), e.referrals, true)
		check(a.Code, "accepted", val(a.Accepted), e.accepted, true)
		check(a.Code, "people_supported", val(a.PeopleSupported), e.supported, true)
		check(a.Code, "fte", val(a.FTE), e.fte, true)
		check(a.Code, "headcount", val(a.Headcount), e.headcount, true)
		check(a.Code, "caseload", val(a.Caseload), e.caseload, true)
		check(a.Code, "fte_per_100k", a.FTEPer100k, e.fte/e.population*100000, true)
		check(a.Code, "caseload_per_fte", a.CaseloadPerFTE, e.caseload/e.fte, e.fte > 0)
		annual := e.accepted * 12 / 12
		check(a.Code, "annual_accepted", val(a.AnnualAccepted), annual, true)
		check(a.Code, "capacity_gap_fte", val(a.CapacityGapFTE), math.Max(0, annual/250-e.fte), true)
		sort.Float64s(e.waits)
		var med float64
		if n := len(e.waits); n > 0 {
			if n%2 == 1 {
				med = e.waits[n/2]
			} else {
				med = (e.waits[n/2-1] + e.waits[n/2]) / 2
			}
		}
		check(a.Code, "median_wait_days", a.MedianWaitDays, med, len(e.waits) > 0)
		for mod, in := range e.inPost {
			check(a.Code, "coverage "+mod, a.Training[mod].Coverage, e.trained[mod]/in, in > 0)
		}
		check(a.Code, "work_training_coverage", a.WorkTrainingCoverage, e.trained["employment_support"]/e.inPost["employment_support"], e.inPost["employment_support"] > 0)
		check(a.Code, "untrained_staff", val(a.UntrainedStaff), e.inPost["employment_support"]-e.trained["employment_support"], true)
		check(a.Code, "funding", val(a.Funding), e.funding, true)
		check(a.Code, "funding_per_1k", a.FundingPer1k, e.funding/e.population*1000, true)
		for _, o := range queries.Outcomes {
			got := a.Outcomes[o]
			n, x := e.cohort[o], e.people[o]
			check(a.Code, "rate "+o, got.Rate, x/n, n > 0)
			if n > 0 {
				lo, hi := wilsonByHand(x, n)
				check(a.Code, "ci_low "+o, got.CILow, lo, true)
				check(a.Code, "ci_high "+o, got.CIHigh, hi, true)
				eng := englandPeople[o] / englandCohort[o]
				want := "similar"
				switch {
				case n < 10:
					want = "not compared"
				case lo > eng:
					want = "higher"
				case hi < eng:
					want = "lower"
				}
				if cmp, _ := got.Compared.Text(); got.Compared == nil || cmp != want {
					t.Errorf("%s %s compared = %v, want %s", a.Code, o, got.Compared, want)
				}
				if want == "higher" || want == "lower" {
					compared++
				}
			}
			check(a.Code, "cost_per_outcome "+o, got.CostPerOutcome, e.funding/e.fyPeople[o], e.fyPeople[o] > 0 && e.funding > 0)
		}
	}
	if compared == 0 {
		t.Error("no ICB differs from England on any outcome: the comparison is not exercised")
	}
	// England is the sum of all areas, and has no comparison.
	var pop float64
	for _, e := range exp {
		pop += e.population
	}
	if !sig6(value(rep.England.Population), pop) {
		t.Errorf("England population %v, want %v", rep.England.Population, pop)
	}
	for o, r := range rep.England.Outcomes {
		if r.Compared != nil {
			t.Errorf("England %s has a comparison", o)
		}
	}
}

// Trends agree with Metrics: monthly flows add up to the period's, the last
// month's stocks are the period's stocks; and Area finds a PCN's parents.
func TestTrendsAgreeWithMetricsAndAreaParents(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 12, Scale: sample.Demo}); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, dir)
	geo, err := db.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pcn := geo.PCNs[0]
	p, parents, ok := geo.Area(strings.ToLower(pcn.Code))
	if !ok || p.Code != pcn.Code || len(parents) != 3 || parents[0].Level != "icb" || parents[1].Level != "region" || parents[2].Code != queries.EnglandCode {
		t.Fatalf("Area(%s) = %+v %+v %v", pcn.Code, p, parents, ok)
	}
	if geo.RegionOf(parents[0].Code) != parents[1].Code {
		t.Fatalf("RegionOf(%s) = %s, want %s", parents[0].Code, geo.RegionOf(parents[0].Code), parents[1].Code)
	}
	if _, _, ok := geo.Area("NOPE"); ok {
		t.Fatal("Area found an unknown code")
	}

	data, _ := db.Range(ctx, queries.DataAsOf{})
	// Months as the pages parse them (time.UTC), not the driver's (Etc/UTC).
	lastMonth := time.Date(data.LastMonth.Year(), data.LastMonth.Month(), 1, 0, 0, 0, 0, time.UTC)
	sel := queries.Selection{From: lastMonth.AddDate(0, -5, 0), To: lastMonth, Place: parents[1], Level: "icb", FY: data.FinancialYears[0]}
	trend, err := db.Trends(ctx, queries.Request{Selection: sel})
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 6 || !trend[0].Month.Equal(sel.From) {
		t.Fatalf("%d months from %v", len(trend), trend[0].Month)
	}
	ruleOf := queries.Selection{From: sel.From, To: sel.To, Place: queries.England, Level: "region", FY: sel.FY}
	rep, err := db.Metrics(ctx, queries.Request{Selection: ruleOf, Settings: queries.DefaultSettings})
	if err != nil {
		t.Fatal(err)
	}
	var region *queries.AreaMetrics
	for i := range rep.Areas {
		if rep.Areas[i].Code == parents[1].Code {
			region = &rep.Areas[i]
		}
	}
	var referrals, people float64
	for _, m := range trend {
		referrals += value(m.Referrals)
		people += value(m.Outcomes["entered_employment"].People)
	}
	last := trend[len(trend)-1]
	if referrals == 0 {
		t.Fatal("trends are all zero")
	}
	pcnTrend, err := db.Trends(ctx, queries.Request{Selection: queries.Selection{From: sel.From, To: sel.To, Place: p}})
	if err != nil {
		t.Fatal(err)
	}
	var pcnReferrals float64
	for _, m := range pcnTrend {
		pcnReferrals += value(m.Referrals)
	}
	if pcnReferrals <= 0 || pcnReferrals >= referrals {
		t.Errorf("PCN %s referrals %v, want some and fewer than its region's %v", p.Code, pcnReferrals, referrals)
	}
	if !sig6(referrals, value(region.Referrals)) || !sig6(people, value(region.Outcomes["entered_employment"].People)) ||
		!sig6(value(last.FTE), value(region.FTE)) || !sig6(value(last.Training["employment_support"].Trained), value(region.Training["employment_support"].Trained)) {
		t.Errorf("trends (referrals %v, people %v, last fte %v) disagree with metrics (%v, %v, %v)",
			referrals, people, last.FTE, region.Referrals, region.Outcomes["entered_employment"].People, region.FTE)
	}
}

// One data version per answer (METRICS.md): an answer reads only the loads
// committed by its version, so a request for an older version still gives
// the older figures after a correction, and every answer says its version.
func TestAnswersReadOneDataVersion(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 31, Scale: sample.Demo, Months: 6, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, dir)
	month := func(s string) time.Time { m, _ := time.Parse("2006-01", s); return m }
	req := queries.Request{Selection: queries.Selection{From: month("2025-01"), To: month("2025-06"), Place: queries.England, Level: queries.LevelICB}, Settings: queries.DefaultSettings}
	before, err := db.Metrics(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := db.DataVersion(ctx)
	if before.AsOf.Version != v1 || v1 == 0 || before.AsOf.LoadedAt.IsZero() {
		t.Fatalf("answer as of %+v, data version %d", before.AsOf, v1)
	}
	// A correction: every activity row of June with twice the referrals.
	lines := readCSV(t, filepath.Join(dir, "activity.csv"))
	var b strings.Builder
	b.WriteString("month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n")
	for _, r := range lines {
		if r["month"] != "2025-06" {
			continue
		}
		n, _ := strconv.Atoi(r["referrals_received"])
		fmt.Fprintf(&b, "%s,%s,%s,%d,%s,%s,%s,%s,%s,%s\n", r["month"], r["area_code"], r["provider_code"], 2*n, r["referrals_accepted"],
			r["people_supported"], r["active_caseload"], r["link_worker_headcount"], r["link_worker_fte"], r["median_wait_days"])
	}
	fix := filepath.Join(t.TempDir(), "activity_fix.csv")
	if err := os.WriteFile(fix, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, fix)
	after, err := db.Metrics(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Version = v1
	pinned, err := db.Metrics(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if after.AsOf.Version <= v1 || pinned.AsOf.Version != v1 {
		t.Fatalf("versions: after %d, pinned %d, first %d", after.AsOf.Version, pinned.AsOf.Version, v1)
	}
	if value(after.England.Referrals) <= value(before.England.Referrals) {
		t.Errorf("the correction did not show: %v then %v", before.England.Referrals, after.England.Referrals)
	}
	for i := range before.Areas {
		if pinned.Areas[i].Referrals != before.Areas[i].Referrals || pinned.Areas[i].FTE != before.Areas[i].FTE {
			t.Errorf("%s at version %d: %v referrals, first answer %v", before.Areas[i].Code, v1, pinned.Areas[i].Referrals, before.Areas[i].Referrals)
		}
	}
	trend, err := db.Trends(ctx, req)
	if err != nil || len(trend) != 6 || value(trend[5].Referrals) != value(before.England.Referrals)-sumReferrals(trend[:5]) {
		t.Errorf("the trend at version %d does not add up to the first answer (%v)", v1, err)
	}
}

func sumReferrals(months []queries.MonthFigures) float64 {
	var s float64
	for _, m := range months {
		s += value(m.Referrals)
	}
	return s
}
