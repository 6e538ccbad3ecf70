package dashboard

import (
	"context"
	"fmt"

	"spdash/queries"
)

// Pages show what disclosure control withheld (METRICS.md) as "*": a count of
// 1 to 7 people below England, and every rate, interval and comparison
// computed from it. A withheld queries.Figure has no value, so the
// formatters below write "*" for it, "unknown" for a figure with nothing to
// compute it from, and charts (Figure.Ptr) draw nothing for either.

const withheldMark = "*"

// disclosureNote says which rule applied, for the foot of each page.
func disclosureNote(setting string) string {
	if setting == queries.DisclosureOff {
		return "Disclosure control is off: counts are shown as they are."
	}
	return "Disclosure control is on: below England, counts of people are rounded to the nearest 5, and * marks a count of 1 to 7 that is withheld, with the rates worked out from it."
}

// figureText formats a known figure with format, "*" when withheld and
// "unknown" otherwise.
func figureText(f queries.Figure, format func(float64) string) string {
	if f.IsWithheld() {
		return withheldMark
	}
	v, ok := f.Value()
	if !ok {
		return unknown
	}
	return format(v)
}

// countOf is a count of people or staff.
func countOf(f queries.Figure) string { return figureText(f, fmtCount) }

// numOf is a figure with one decimal place (FTE, caseload per FTE, the capacity gap).
func numOf(f queries.Figure) string { return figureText(f, fmtNum) }

// pctOf is a proportion as a percentage.
func pctOf(f queries.Figure) string {
	return figureText(f, func(v float64) string { return fmtPct(&v) })
}

// daysOf is a wait in days.
func daysOf(f queries.Figure) string {
	return figureText(f, func(v float64) string { return fmtDays(&v) })
}

// intervalOf is a 95% interval as "4.1% to 6.0%".
func intervalOf(lo, hi queries.Figure) string {
	if lo.IsWithheld() || hi.IsWithheld() {
		return withheldMark
	}
	return fmtInterval(lo.Ptr(), hi.Ptr())
}

func outcomeWithheld(m *queries.Metrics, o string) bool { return m.Outcomes[o].Rate.IsWithheld() }

func rateText(m *queries.Metrics, o string) string { return pctOf(m.Outcomes[o].Rate) }

func intervalText(m *queries.Metrics, o string) string {
	return intervalOf(m.Outcomes[o].CILow, m.Outcomes[o].CIHigh)
}

func comparedOf(m *queries.Metrics, o string) string { return comparedText(m.Outcomes[o].Compared) }

// comparedText is a comparison's word: "*" when withheld, "not compared"
// when there is none (England).
func comparedText(c *queries.Comparison) string {
	if c == nil {
		return queries.NotCompared
	}
	text, ok := c.Text()
	if !ok {
		return withheldMark
	}
	return text
}

// trendMonth is one month of a trend, as shown.
type trendMonth struct {
	queries.MonthFigures
}

func (t trendMonth) rate(o string) *float64 { return t.Outcomes[o].Rate.Ptr() }

func (t trendMonth) rateText(o string) string { return pctOf(t.Outcomes[o].Rate) }

// trends reads the selected place's months, with disclosure control below
// England when it is on (the period's rules, month by month).
func (s *Server) trends(ctx context.Context, v *View) ([]trendMonth, error) {
	months, err := s.monthly(ctx, s.request(ctx, v.Selection))
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	out := make([]trendMonth, len(months))
	for i, m := range months {
		out[i] = trendMonth{MonthFigures: m}
	}
	return out, nil
}
