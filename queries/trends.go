package queries

import (
	"context"
	"fmt"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
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

var trendTemplates = map[string]*template.Template{}

func init() {
	for _, name := range []string{"trend_activity", "trend_training", "trend_outcomes"} {
		trendTemplates[name] = parseWithShared(name)
	}
}

// Trends returns the selected place's figures month by month over the
// request's period, every month present (zeros where nothing was loaded).
// The place may be England, a region, an ICB or a PCN. Below England, with
// disclosure control on, each month's counts are controlled as the period's
// are, and its rates computed from them.
func (db *DB) Trends(ctx context.Context, req Request) ([]MonthFigures, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	sel := req.Selection
	n := sel.Months()
	if n < 1 || n > 1200 {
		return nil, fmt.Errorf("trends: a period of %d months", n)
	}
	raw := make([]counts, n)
	index := map[string]int{}
	for i := range raw {
		raw[i] = *newCounts()
		index[monthKey(sel.From.AddDate(0, i, 0))] = i
	}
	where := map[string]string{"Where": placeFilter(sel.Place)}
	asOf, err := db.asOf(ctx, req)
	if err != nil {
		return nil, err
	}
	args := []any{clickhouse.Named("version", asOf.Version), clickhouse.Named("place", sel.Place.Code), clickhouse.Named("from", sel.From.Format("2006-01-02")), clickhouse.Named("to", sel.To.Format("2006-01-02"))}
	q := func(name string) string { return expand(trendTemplates[name], where) }

	rows, err := db.conn.Query(ctx, q("trend_activity"), args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("trends activity: %w", err))
	}
	for rows.Next() {
		var m time.Time
		var referrals, accepted, supported, caseload uint64
		var fte float64
		if err := rows.Scan(&m, &referrals, &accepted, &supported, &fte, &caseload); err != nil {
			rows.Close()
			return nil, fmt.Errorf("trends activity: %w", err)
		}
		if i, ok := index[monthKey(m)]; ok {
			c := &raw[i]
			c.referrals, c.accepted, c.supported, c.fte, c.caseload = float64(referrals), float64(accepted), float64(supported), steadySum(fte), float64(caseload)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}

	for _, spec := range []struct {
		name string
		set  func(c *counts, key string, a, b float64)
	}{
		{"trend_training", func(c *counts, key string, inPost, trained float64) {
			c.inPost[key], c.trained[key] = inPost, trained
		}},
		{"trend_outcomes", func(c *counts, key string, people, cohort float64) {
			c.people[key], c.cohort[key] = people, cohort
		}},
	} {
		rows, err := db.conn.Query(ctx, q(spec.name), args...)
		if err != nil {
			return nil, Classify(fmt.Errorf("%s: %w", spec.name, err))
		}
		for rows.Next() {
			var m time.Time
			var key string
			var a, b uint64
			if err := rows.Scan(&m, &key, &a, &b); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s: %w", spec.name, err)
			}
			if i, ok := index[monthKey(m)]; ok {
				spec.set(&raw[i], key, float64(a), float64(b))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, Classify(err)
		}
	}
	ctl := control{on: req.Disclose && sel.Place.Level != LevelEngland}
	months := make([]MonthFigures, n)
	for i := range raw {
		months[i] = monthFigures(sel.From.AddDate(0, i, 0), &raw[i], ctl)
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
