package queries

import (
	"math"
	"slices"
)

// Disclosure control, following NHS Digital's method for hospital statistics
// (METRICS.md): below England, counts of people using the service from 1 to 7
// are withheld and the others rounded to the nearest 5; rates, intervals,
// comparisons and costs beside them are recomputed from the rounded counts,
// and withheld when a count they use is withheld. Workforce and money are
// shown as they are. England's own figures are not controlled.

// Disclosure settings.
const (
	DisclosureOn  = "on"
	DisclosureOff = "off"
)

// ControlCount applies the rule to one count: ok is false when it must be
// withheld; otherwise the rounded value (zero stays zero).
func ControlCount(x float64) (rounded float64, ok bool) {
	r := math.Round(x/5) * 5
	if x > 0 && x < 7.5 { // counts that would show as 1 to 7
		return 0, false
	}
	return r, true
}

// Disclose applies disclosure control to every area of a report (not to
// England), in place. It is the one step between computing figures and
// showing them, on pages, in the API and in downloads alike.
func Disclose(rep *Report, set Settings) {
	for i := range rep.Areas {
		discloseMetrics(&rep.Areas[i].Metrics, rep.England, rep.Selection.Months(), set)
	}
}

// withholder applies ControlCount to named counts and keeps the names of
// what it withholds.
type withholder struct{ names []string }

// control rounds *v, or withholds it (0) and records its name.
func (w *withholder) control(name string, v *float64) bool {
	r, ok := ControlCount(*v)
	*v = r
	if !ok {
		w.names = append(w.names, name)
	}
	return ok
}

func (w *withholder) withhold(names ...string) { w.names = append(w.names, names...) }

// outcome controls an outcome's people and cohort and recomputes its rate
// from the rounded counts, or withholds the rate with them. It reports
// whether both counts are shown.
func (w *withholder) outcome(name string, o *OutcomeRate) bool {
	prefix := "outcomes." + name + "."
	peopleOK := w.control(prefix+"people", &o.People)
	cohortOK := w.control(prefix+"cohort", &o.Cohort)
	o.Rate = nil
	if !peopleOK || !cohortOK {
		w.withhold(prefix + "rate")
		return false
	}
	o.Rate = ratio(o.People, o.Cohort)
	return true
}

// sorted returns the names, sorted and without repeats, for IsSuppressed.
func (w *withholder) sorted() []string {
	slices.Sort(w.names)
	return slices.Compact(w.names)
}

func discloseMetrics(m *Metrics, england Metrics, months int, set Settings) {
	var w withholder
	control := w.control
	control("referrals", &m.Referrals)
	acceptedOK := control("accepted", &m.Accepted)
	control("people_supported", &m.PeopleSupported)
	caseloadOK := control("caseload", &m.Caseload)

	// Capacity figures derived from controlled counts.
	m.CaseloadPerFTE = nil
	if caseloadOK {
		m.CaseloadPerFTE = ratio(m.Caseload, m.FTE)
	} else {
		w.withhold("caseload_per_fte")
	}
	// annual_accepted is itself a count of people: from the rounded accepted,
	// then controlled; the capacity gap follows it.
	m.AnnualAccepted, m.CapacityGapFTE = 0, 0
	if !acceptedOK {
		w.withhold("annual_accepted", "capacity_gap_fte")
	} else {
		m.AnnualAccepted = m.Accepted * 12 / float64(months)
		if control("annual_accepted", &m.AnnualAccepted) {
			m.CapacityGapFTE = math.Max(0, m.AnnualAccepted/set.CaseloadStandard-m.FTE)
		} else {
			w.withhold("capacity_gap_fte")
		}
	}

	for _, name := range Outcomes {
		o := m.Outcomes[name]
		if o == nil {
			continue
		}
		prefix := "outcomes." + name + "."
		shown := w.outcome(name, o)
		o.CILow, o.CIHigh, o.Compared = nil, nil, nil
		switch {
		case !shown:
			w.withhold(prefix+"ci_low", prefix+"ci_high", prefix+"compared")
		case o.Cohort > 0:
			lo, hi, _ := Wilson(o.People, o.Cohort, Z95)
			o.CILow, o.CIHigh = ptr(lo), ptr(hi)
			if e := england.Outcomes[name]; e != nil && e.Rate != nil {
				o.Compared = ptr(Compare(lo, hi, *e.Rate, o.Cohort))
			} else {
				o.Compared = ptr(NotCompared)
			}
		default:
			o.Compared = ptr(NotCompared)
		}
		o.CostPerOutcome = nil
		fy, fyOK := ControlCount(o.FYPeople)
		o.FYPeople = fy
		switch {
		case !fyOK:
			w.withhold(prefix + "cost_per_outcome")
		case fy > 0 && m.Funding > 0:
			o.CostPerOutcome = ptr(m.Funding / fy)
		}
	}
	m.Suppressed = w.sorted()
}

// IsSuppressed reports whether a figure was withheld, by its name in Suppressed.
func (m *Metrics) IsSuppressed(name string) bool {
	_, found := slices.BinarySearch(m.Suppressed, name)
	return found
}

// DiscloseTrends applies disclosure control to the monthly figures of a place
// below England, in place: the same rules as Disclose, month by month.
func DiscloseTrends(months []MonthFigures) {
	for i := range months {
		t := &months[i]
		var w withholder
		control := w.control
		control("referrals", &t.Referrals)
		control("accepted", &t.Accepted)
		control("people_supported", &t.PeopleSupported)
		control("caseload", &t.Caseload)
		for _, name := range Outcomes {
			o := t.Outcomes[name]
			if o == nil {
				continue
			}
			w.outcome(name, o)
		}
		t.Suppressed = w.sorted()
	}
}
