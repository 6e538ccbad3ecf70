package queries

import (
	"context"
	"fmt"
	"time"
)

// MonthFigures are one month's figures for the selected place.
type MonthFigures struct {
	Month           time.Time                  `json:"month"`
	Referrals       Figure                     `json:"referrals"`
	Accepted        Figure                     `json:"accepted"`
	PeopleSupported Figure                     `json:"people_supported"`
	FTE             Figure                     `json:"fte"`      // stock in that month
	Caseload        Figure                     `json:"caseload"` // stock in that month
	Training        map[string]*ModuleCoverage `json:"training"`
	Outcomes        map[string]*OutcomeRate    `json:"outcomes"` // people, cohort and rate only
}

// monthKey identifies a month whatever the time.Location: the driver returns
// Dates in "Etc/UTC", parsed selections are in time.UTC, and time.Time keys
// compare the location too.
func monthKey(t time.Time) string { return t.Format("2006-01") }

// Trends returns the selected place's figures month by month over the
// request's period, every month present (zeros where nothing was loaded).
// The place may be England, a region, an ICB or a PCN. Below England, with
// disclosure control on, each month's counts are controlled as the period's
// are, and its rates computed from them. It is the monthly extract's figures
// of the place alone (the place at its own level, as Monthly gives them):
// one computation of the monthly figures, without reading the place's names.
func (db *DB) Trends(ctx context.Context, req Request) ([]MonthFigures, error) {
	sel := req.Selection
	n := sel.Months()
	if n < 1 || n > 1200 {
		return nil, fmt.Errorf("trends: a period of %d months", n)
	}
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	asOf, err := db.asOf(ctx, req)
	if err != nil {
		return nil, err
	}
	// The place's own months: the same statement as the place's recent
	// trends (AreaTrends at the place's level), read once when both are
	// asked at once (monthCounts).
	grid, err := db.monthCounts(ctx, sel, asOf, sel.Place.Level, nil)
	if err != nil {
		return nil, fmt.Errorf("trends of %s: %w", sel.Place.Code, err)
	}
	ctl := control{on: req.Disclose && sel.Place.Level != LevelEngland} // as Monthly controls them
	months := make([]MonthFigures, 0, n)
	for m := 0; m < n; m++ {
		c := newCounts()
		if place := grid[sel.Place.Code]; place != nil && place[m] != nil {
			c = place[m]
		}
		months = append(months, monthFigures(sel.From.AddDate(0, m, 0), c, ctl))
	}
	return months, nil
}

// monthFigures are one month's figures from its counts: the period's rules
// (figures) for the counts, coverage and rates a month has.
func monthFigures(month time.Time, c *counts, ctl control) MonthFigures {
	f := MonthFigures{Month: month, Training: map[string]*ModuleCoverage{}, Outcomes: map[string]*OutcomeRate{},
		Referrals: ctl.count(c.referrals), Accepted: ctl.count(c.accepted), PeopleSupported: ctl.count(c.supported),
		FTE: Known(c.fte), Caseload: ctl.count(c.caseload)}
	for j, mod := range Modules {
		cov := &ModuleCoverage{InPost: Known(c.inPost[j]), Trained: Known(c.trained[j])}
		cov.Coverage = Div(cov.Trained, cov.InPost)
		f.Training[mod] = cov
	}
	for j, name := range Outcomes {
		o := &OutcomeRate{People: ctl.count(c.people[j]), Cohort: ctl.count(c.cohort[j])}
		o.Rate = Div(o.People, o.Cohort)
		f.Outcomes[name] = o
	}
	return f
}
