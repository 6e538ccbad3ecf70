package queries

import (
	"math"
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

func testMetrics() Metrics {
	m := emptyMetrics()
	m.Population, m.FTE, m.Headcount, m.Funding = 50000, 4.5, 5, 90000
	m.Referrals, m.Accepted, m.PeopleSupported, m.Caseload = 123, 101, 3, 242
	m.Outcomes["entered_employment"] = &OutcomeRate{People: 6, Cohort: 120, FYPeople: 9}
	m.Outcomes["improved_wellbeing"] = &OutcomeRate{People: 83, Cohort: 121, FYPeople: 88}
	m.Outcomes["entered_volunteering"] = &OutcomeRate{People: 0, Cohort: 0}
	derive(&m, 12, DefaultSettings)
	return m
}

func TestDiscloseRoundsWithholdsAndRecomputes(t *testing.T) {
	england := testMetrics()
	england.Outcomes["improved_wellbeing"].Rate = ptr(0.5)
	rep := &Report{Selection: Selection{From: mustMonth("2024-01"), To: mustMonth("2024-12")}, England: england,
		Areas: []AreaMetrics{{Code: "A", Metrics: testMetrics()}}}
	Disclose(rep, DefaultSettings)
	m := rep.Areas[0].Metrics

	if m.Referrals != 125 || m.Accepted != 100 || m.Caseload != 240 || m.PeopleSupported != 0 {
		t.Errorf("counts %v %v %v %v, want 125 100 240 0 (withheld)", m.Referrals, m.Accepted, m.Caseload, m.PeopleSupported)
	}
	if m.FTE != 4.5 || m.Headcount != 5 || m.Funding != 90000 {
		t.Error("workforce or money was changed")
	}
	if m.CaseloadPerFTE == nil || math.Abs(*m.CaseloadPerFTE-240/4.5) > 1e-12 {
		t.Errorf("caseload_per_fte %v, want from the rounded caseload", m.CaseloadPerFTE)
	}
	if m.AnnualAccepted != 100 || math.Abs(m.CapacityGapFTE-0) > 1e-12 {
		t.Errorf("annual_accepted %v gap %v", m.AnnualAccepted, m.CapacityGapFTE)
	}
	emp := m.Outcomes["entered_employment"]
	if emp.Rate != nil || emp.CILow != nil || emp.Compared != nil || emp.People != 0 || emp.Cohort != 120 {
		t.Errorf("employment with 6 people: %+v, want people and rate withheld", emp)
	}
	if emp.CostPerOutcome == nil || *emp.CostPerOutcome != 90000.0/10 {
		t.Errorf("cost per employment %v, want from the rounded 9 -> 10", emp.CostPerOutcome)
	}
	wb := m.Outcomes["improved_wellbeing"]
	lo, hi, _ := Wilson(85, 120, Z95)
	if wb.People != 85 || wb.Cohort != 120 || *wb.Rate != 85.0/120 || *wb.CILow != lo || *wb.CIHigh != hi || *wb.Compared != Higher {
		t.Errorf("wellbeing %+v (rate %v), want 85/120 with its interval, higher than 0.5", wb, *wb.Rate)
	}
	if *m.Outcomes["entered_volunteering"].Compared != NotCompared {
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
	if rep.England.Referrals != 123 || rep.England.Outcomes["entered_employment"].People != 6 || rep.England.Suppressed != nil {
		t.Error("England's figures were controlled")
	}
}

func TestDiscloseWithholdsAnnualAcceptedWithAccepted(t *testing.T) {
	m := testMetrics()
	m.Accepted = 5
	derive(&m, 12, DefaultSettings)
	discloseMetrics(&m, testMetrics(), 12, DefaultSettings)
	for _, name := range []string{"accepted", "annual_accepted", "capacity_gap_fte"} {
		if !m.IsSuppressed(name) {
			t.Errorf("%s not suppressed: %v", name, m.Suppressed)
		}
	}
	if m.AnnualAccepted != 0 || m.CapacityGapFTE != 0 {
		t.Errorf("annual %v gap %v leak a withheld count", m.AnnualAccepted, m.CapacityGapFTE)
	}
}

func mustMonth(s string) time.Time {
	m, err := time.Parse("2006-01", s)
	if err != nil {
		panic(err)
	}
	return m
}

func TestDiscloseTrends(t *testing.T) {
	months := []MonthFigures{{Referrals: 12, Accepted: 3, Caseload: 0, Outcomes: map[string]*OutcomeRate{
		"entered_employment": {People: 2, Cohort: 40, Rate: ptr(0.05)},
		"improved_wellbeing": {People: 23, Cohort: 41, Rate: ptr(23.0 / 41)},
	}}}
	DiscloseTrends(months)
	m := months[0]
	if m.Referrals != 10 || m.Accepted != 0 || !m.IsSuppressed("accepted") || m.IsSuppressed("caseload") || m.Caseload != 0 {
		t.Errorf("counts %+v", m)
	}
	if e := m.Outcomes["entered_employment"]; e.Rate != nil || !m.IsSuppressed("outcomes.entered_employment.rate") {
		t.Errorf("employment with 2 people: rate %v", e.Rate)
	}
	if w := m.Outcomes["improved_wellbeing"]; w.People != 25 || w.Cohort != 40 || *w.Rate != 25.0/40 {
		t.Errorf("wellbeing %+v, want 25/40 from the rounded counts", w)
	}
}
