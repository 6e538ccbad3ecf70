package dashboard

import (
	"context"
	"fmt"

	"spdash/queries"
)

// Pages show what disclosure control withheld (METRICS.md) as "*": a count of
// 1 to 7 people below England, and every rate, interval and comparison
// computed from it. A withheld figure holds 0 or nil in queries.Metrics, so
// each is formatted here by its name in Metrics.Suppressed.

const withheldMark = "*"

// disclosureNote says which rule applied, for the foot of each page.
func disclosureNote(setting string) string {
	if setting == queries.DisclosureOff {
		return "Disclosure control is off: counts are shown as they are."
	}
	return "Disclosure control is on: below England, counts of people are rounded to the nearest 5, and * marks a count of 1 to 7 that is withheld, with the rates worked out from it."
}

func countText(m *queries.Metrics, name string, v float64) string {
	if m.IsSuppressed(name) {
		return withheldMark
	}
	return fmtCount(v)
}

// numText is a derived figure with one decimal place (caseload per FTE, the
// capacity gap), "*" when withheld.
func numText(m *queries.Metrics, name string, v *float64) string {
	if m.IsSuppressed(name) {
		return withheldMark
	}
	return fmtNumPtr(v)
}

// shown is a figure for a chart: nil (no bar, no point) when withheld.
func shown(m *queries.Metrics, name string, v *float64) *float64 {
	if m.IsSuppressed(name) {
		return nil
	}
	return v
}

func outcomeWithheld(m *queries.Metrics, o string) bool {
	return m.IsSuppressed("outcomes." + o + ".rate")
}

func rateText(m *queries.Metrics, o string) string {
	if outcomeWithheld(m, o) {
		return withheldMark
	}
	return fmtPct(m.Outcomes[o].Rate)
}

func intervalText(m *queries.Metrics, o string) string {
	if outcomeWithheld(m, o) {
		return withheldMark
	}
	return fmtInterval(m.Outcomes[o].CILow, m.Outcomes[o].CIHigh)
}

func comparedOf(m *queries.Metrics, o string) string {
	if outcomeWithheld(m, o) {
		return withheldMark
	}
	return comparedText(m.Outcomes[o].Compared)
}

func comparedText(c *string) string {
	if c == nil {
		return queries.NotCompared
	}
	return *c
}

// trendMonth is one month of a trend after disclosure control.
type trendMonth struct {
	queries.MonthFigures
}

func (t trendMonth) count(name string, v float64) string {
	if t.IsSuppressed(name) {
		return withheldMark
	}
	return fmtCount(v)
}

// value is a count for a chart: nil when withheld.
func (t trendMonth) value(name string, v float64) *float64 {
	if t.IsSuppressed(name) {
		return nil
	}
	return ptr(v)
}

func (t trendMonth) rate(o string) *float64 {
	if t.IsSuppressed("outcomes." + o + ".rate") {
		return nil
	}
	return t.Outcomes[o].Rate
}

func (t trendMonth) rateText(o string) string {
	if t.IsSuppressed("outcomes." + o + ".rate") {
		return withheldMark
	}
	return fmtPct(t.Outcomes[o].Rate)
}

// trends reads the selected place's months, with disclosure control below
// England when it is on (queries.DiscloseTrends: the period's rules, month by
// month).
func (s *Server) trends(ctx context.Context, v *View) ([]trendMonth, error) {
	months, err := s.db.Trends(ctx, v.Selection)
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	if v.Disclosure == queries.DisclosureOn && v.Selection.Place.Level != queries.LevelEngland {
		queries.DiscloseTrends(months)
	}
	out := make([]trendMonth, len(months))
	for i, m := range months {
		out[i] = trendMonth{MonthFigures: m}
	}
	return out, nil
}
