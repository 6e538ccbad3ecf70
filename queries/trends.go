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
// are, and its rates computed from them. It is the monthly extract of the
// place alone (the place at its own level): one computation of the monthly
// figures.
func (db *DB) Trends(ctx context.Context, req Request) ([]MonthFigures, error) {
	n := req.Selection.Months()
	if n < 1 || n > 1200 {
		return nil, fmt.Errorf("trends: a period of %d months", n)
	}
	req.Selection.Level = req.Selection.Place.Level
	months := make([]MonthFigures, 0, n)
	err := db.Monthly(ctx, req, func(am *AreaMonth) error {
		if am.Code != req.Selection.Place.Code {
			return fmt.Errorf("trends of %s: the extract gave %s", req.Selection.Place.Code, am.Code)
		}
		months = append(months, am.MonthFigures)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(months) == 0 { // a place with no areas loaded: every month, empty
		for i := 0; i < n; i++ {
			months = append(months, monthFigures(req.Selection.From.AddDate(0, i, 0), newCounts(), control{}))
		}
	}
	return months, nil
}

// monthFigures are one month's figures from its counts: the period's rules
// (figures) for the counts, coverage and rates a month has.
func monthFigures(month time.Time, c *counts, ctl control) MonthFigures {
	f := MonthFigures{Month: month, Training: map[string]*ModuleCoverage{}, Outcomes: map[string]*OutcomeRate{},
		Referrals: ctl.count(c.referrals), Accepted: ctl.count(c.accepted), PeopleSupported: ctl.count(c.supported),
		FTE: Known(c.fte), Caseload: ctl.count(c.caseload)}
	for _, mod := range Modules {
		cov := &ModuleCoverage{InPost: Known(c.inPost[mod]), Trained: Known(c.trained[mod])}
		cov.Coverage = Div(cov.Trained, cov.InPost)
		f.Training[mod] = cov
	}
	for _, name := range Outcomes {
		o := &OutcomeRate{People: ctl.count(c.people[name]), Cohort: ctl.count(c.cohort[name])}
		o.Rate = Div(o.People, o.Cohort)
		f.Outcomes[name] = o
	}
	return f
}
