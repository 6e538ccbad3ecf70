package queries

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestControlCount(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want float64
		ok   bool
	}{
		{0, 0, true}, {1, 0, false}, {7, 0, false}, {7.4, 0, false}, {8, 10, true}, {12, 10, true},
		{12.5, 15, true}, {13, 15, true}, {17, 15, true}, {18, 20, true}, {1003, 1005, true},
	} {
		got, ok := ControlCount(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ControlCount(%v) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func testCounts() *counts {
	c := newCounts()
	c.population, c.fte, c.headcount, c.funding, c.hasFunding = 50000, 4.5, 5, 90000, true
	c.referrals, c.accepted, c.supported, c.caseload = 123, 101, 3, 242
	employment, wellbeing := slices.Index(Outcomes, "entered_employment"), slices.Index(Outcomes, "improved_wellbeing")
	c.people[employment], c.cohort[employment], c.fyPeople[employment] = 6, 120, 9
	c.people[wellbeing], c.cohort[wellbeing], c.fyPeople[wellbeing] = 83, 121, 88
	return c
}

// val is a figure's value, NaN when it has none.
func val(f Figure) float64 {
	if v, ok := f.Value(); ok {
		return v
	}
	return math.NaN()
}

func TestFiguresWithDisclosureRoundWithholdAndRecompute(t *testing.T) {
	england := figures(testCounts(), 12, DefaultSettings, false)
	england.Outcomes["improved_wellbeing"].Rate = Known(0.5)
	m := figures(testCounts(), 12, DefaultSettings, true)
	compareWithEngland(&m, england)
	m.Suppressed = suppressedNames(&m)

	if val(m.Referrals) != 125 || val(m.Accepted) != 100 || val(m.Caseload) != 240 || !m.PeopleSupported.IsWithheld() {
		t.Errorf("counts %v %v %v %v, want 125 100 240 withheld", m.Referrals, m.Accepted, m.Caseload, m.PeopleSupported)
	}
	if val(m.FTE) != 4.5 || val(m.Headcount) != 5 || val(m.Funding) != 90000 {
		t.Error("workforce or money was changed")
	}
	if math.Abs(val(m.CaseloadPerFTE)-240/4.5) > 1e-12 {
		t.Errorf("caseload_per_fte %v, want from the rounded caseload", m.CaseloadPerFTE)
	}
	if val(m.AnnualAccepted) != 100 || math.Abs(val(m.CapacityGapFTE)-0) > 1e-12 {
		t.Errorf("annual_accepted %v gap %v", m.AnnualAccepted, m.CapacityGapFTE)
	}
	emp := m.Outcomes["entered_employment"]
	if !emp.Rate.IsWithheld() || !emp.CILow.IsWithheld() || !emp.Compared.IsWithheld() || !emp.People.IsWithheld() || val(emp.Cohort) != 120 {
		t.Errorf("employment with 6 people: %+v, want people and rate withheld", emp)
	}
	if val(emp.CostPerOutcome) != 90000.0/10 {
		t.Errorf("cost per employment %v, want from the rounded 9 -> 10", emp.CostPerOutcome)
	}
	wb := m.Outcomes["improved_wellbeing"]
	lo, hi, _ := Wilson(85, 120, Z95)
	if cmp, _ := wb.Compared.Text(); val(wb.People) != 85 || val(wb.Cohort) != 120 || val(wb.Rate) != 85.0/120 || val(wb.CILow) != lo || val(wb.CIHigh) != hi || cmp != Higher {
		t.Errorf("wellbeing %+v, want 85/120 with its interval, higher than 0.5", wb)
	}
	if cmp, _ := m.Outcomes["entered_volunteering"].Compared.Text(); cmp != NotCompared {
		t.Error("a zero cohort should not be compared")
	}
	for _, name := range []string{"people_supported", "outcomes.entered_employment.people", "outcomes.entered_employment.rate", "outcomes.entered_employment.compared"} {
		if !m.IsSuppressed(name) {
			t.Errorf("%s not listed as suppressed (%v)", name, m.Suppressed)
		}
	}
	for _, name := range []string{"referrals", "fte", "outcomes.improved_wellbeing.rate", "outcomes.entered_employment.cohort"} {
		if m.IsSuppressed(name) {
			t.Errorf("%s listed as suppressed", name)
		}
	}
	// England is not controlled.
	if val(england.Referrals) != 123 || val(england.Outcomes["entered_employment"].People) != 6 || len(suppressedNames(&england)) != 0 {
		t.Error("England's figures were controlled")
	}
}

// A withheld figure is null in JSON and cannot be read as a number.
func TestWithheldFiguresAreNullNotZero(t *testing.T) {
	m := figures(testCounts(), 12, DefaultSettings, true)
	compareWithEngland(&m, figures(testCounts(), 12, DefaultSettings, false))
	if v, ok := m.PeopleSupported.Value(); ok || m.PeopleSupported.Ptr() != nil {
		t.Errorf("withheld people_supported reads as %v", v)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if v, present := doc["people_supported"]; !present || v != nil {
		t.Errorf("people_supported in JSON = %v (present %v), want null", v, present)
	}
	emp := doc["outcomes"].(map[string]any)["entered_employment"].(map[string]any)
	for _, k := range []string{"people", "rate", "ci_low", "ci_high", "compared"} {
		if v, present := emp[k]; !present || v != nil {
			t.Errorf("entered_employment.%s = %v (present %v), want null", k, v, present)
		}
	}
	if doc["referrals"] != 125.0 || !strings.Contains(string(b), `"cohort":120`) {
		t.Errorf("shown counts not numbers: %s", b)
	}
}

func TestDisclosureWithholdsAnnualAcceptedWithAccepted(t *testing.T) {
	c := testCounts()
	c.accepted = 5
	m := figures(c, 12, DefaultSettings, true)
	m.Suppressed = suppressedNames(&m)
	for _, name := range []string{"accepted", "annual_accepted", "capacity_gap_fte"} {
		if !m.IsSuppressed(name) {
			t.Errorf("%s not suppressed: %v", name, m.Suppressed)
		}
	}
	// And a shown accepted whose annual figure rounds into 1 to 7 withholds it too.
	c.accepted = 10 // 10 × 12 / 24 = 5 a year
	m = figures(c, 24, DefaultSettings, true)
	if val(m.Accepted) != 10 || !m.AnnualAccepted.IsWithheld() || !m.CapacityGapFTE.IsWithheld() {
		t.Errorf("accepted %v annual %v gap %v", m.Accepted, m.AnnualAccepted, m.CapacityGapFTE)
	}
}

func mustMonth(s string) time.Time {
	m, err := time.Parse("2006-01", s)
	if err != nil {
		panic(err)
	}
	return m
}

func TestMonthFiguresWithDisclosure(t *testing.T) {
	c := newCounts()
	c.referrals, c.accepted, c.caseload = 12, 3, 0
	employment, wellbeing := slices.Index(Outcomes, "entered_employment"), slices.Index(Outcomes, "improved_wellbeing")
	c.people[employment], c.cohort[employment] = 2, 40
	c.people[wellbeing], c.cohort[wellbeing] = 23, 41
	m := monthFigures(mustMonth("2024-01"), c, control{on: true})
	if val(m.Referrals) != 10 || !m.Accepted.IsWithheld() || m.Caseload.IsWithheld() || val(m.Caseload) != 0 {
		t.Errorf("counts %+v", m)
	}
	if e := m.Outcomes["entered_employment"]; !e.Rate.IsWithheld() {
		t.Errorf("employment with 2 people: rate %v", e.Rate)
	}
	if w := m.Outcomes["improved_wellbeing"]; val(w.People) != 25 || val(w.Cohort) != 40 || val(w.Rate) != 25.0/40 {
		t.Errorf("wellbeing %+v, want 25/40 from the rounded counts", w)
	}
	exact := monthFigures(mustMonth("2024-01"), c, control{})
	if val(exact.Accepted) != 3 || val(exact.Outcomes["entered_employment"].Rate) != 0.05 {
		t.Errorf("without control %+v", exact)
	}
}

// An area with no funding row for the year has unknown funding, not £0, and
// so no funding per 1,000 people or cost per outcome; one with rows adding to
// £0 has £0.
func TestNoFundingRowsIsUnknownFunding(t *testing.T) {
	c := testCounts()
	c.funding, c.hasFunding = 0, false
	m := figures(c, 12, DefaultSettings, false)
	if m.Funding.IsKnown() || m.FundingPer1k.IsKnown() || m.Outcomes["improved_wellbeing"].CostPerOutcome.IsKnown() {
		t.Errorf("no funding rows: funding %v, per 1k %v, cost %v", m.Funding, m.FundingPer1k, m.Outcomes["improved_wellbeing"].CostPerOutcome)
	}
	c.hasFunding = true
	m = figures(c, 12, DefaultSettings, false)
	if v, ok := m.Funding.Value(); !ok || v != 0 || val(m.FundingPer1k) != 0 {
		t.Errorf("rows adding to £0: funding %v, per 1k %v", m.Funding, m.FundingPer1k)
	}
}

func TestFigureArithmetic(t *testing.T) {
	k, u, w := Known(6), Unknown(), Withheld()
	for _, c := range []struct {
		name string
		got  Figure
		want string
	}{
		{"known/known", Div(k, Known(3)), "2"}, {"by zero", Div(k, Known(0)), "unknown"},
		{"withheld wins", Div(w, u), "withheld"}, {"unknown", Sub(k, u), "unknown"},
		{"scale", Scale(k, 0.5), "3"}, {"at least zero", AtLeastZero(Known(-2)), "0"},
		{"zero value", Figure{}, "unknown"},
	} {
		if c.got.String() != c.want {
			t.Errorf("%s = %v, want %s", c.name, c.got, c.want)
		}
	}
}

// Every figure has a definition in the catalogue, and every definition is
// of a figure that exists (or of the targeting's).
func TestCatalogueCoversEveryFigure(t *testing.T) {
	m := figures(testCounts(), 12, DefaultSettings, false)
	used := map[string]bool{}
	m.Each(func(name string, _ Figure) {
		d, ok := Def(name)
		if !ok {
			t.Errorf("%s has no definition in the catalogue", name)
		}
		used[d.Name] = true
	})
	if _, ok := Def("outcomes.entered_employment.compared"); !ok {
		t.Error("compared has no definition")
	}
	used["outcomes.*.compared"] = true
	used["outcomes.*.trend"], used["training.*.trend"] = true, true // strings beside the figures (WithTrends)
	// The evidence's figures are its JSON keys (METRICS.md's API).
	b, _ := json.Marshal(OutcomeEvidence{})
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for k := range keys {
		if _, ok := Def("evidence.entered_employment." + k); !ok {
			t.Errorf("evidence's %s has no definition in the catalogue", k)
		}
		used["evidence.*."+k] = true
	}
	// The SII's figures are its JSON keys.
	b, _ = json.Marshal(SII{})
	var skeys map[string]any
	if err := json.Unmarshal(b, &skeys); err != nil {
		t.Fatal(err)
	}
	for k := range skeys {
		if _, ok := Def("sii." + k); !ok {
			t.Errorf("the SII's %s has no definition in the catalogue", k)
		}
		used["sii."+k] = true
	}
	// The completeness's figures are its JSON keys.
	b, _ = json.Marshal(Returns{})
	var rkeys map[string]any
	if err := json.Unmarshal(b, &rkeys); err != nil {
		t.Fatal(err)
	}
	for k := range rkeys {
		if k == "month" {
			continue
		}
		if _, ok := Def("completeness." + k); !ok {
			t.Errorf("completeness's %s has no definition in the catalogue", k)
		}
		used["completeness."+k] = true
	}
	for _, d := range Catalogue {
		if d.Label == "" || d.Meaning == "" || d.Unit == "" {
			t.Errorf("%s: incomplete definition %+v", d.Name, d)
		}
		targeting := map[string]bool{"need_index": true, "capacity_gap_cost": true, "training_gap_cost": true, "gap_cost": true, "priority": true,
			"allocation": true, "funded_fte": true, "training_places": true, "expected_extra_people": true, "expected_extra_outcomes.*": true}
		if !used[d.Name] && !targeting[d.Name] {
			t.Errorf("%s is defined but no figure has that name", d.Name)
		}
	}
}
