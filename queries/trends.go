package queries

import (
	"context"
	"fmt"
	"slices"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// MonthFigures are one month's figures for the selected place.
type MonthFigures struct {
	Month           time.Time                  `json:"month"`
	Referrals       float64                    `json:"referrals"`
	Accepted        float64                    `json:"accepted"`
	PeopleSupported float64                    `json:"people_supported"`
	FTE             float64                    `json:"fte"`      // stock in that month
	Caseload        float64                    `json:"caseload"` // stock in that month
	Training        map[string]*ModuleCoverage `json:"training"`
	Outcomes        map[string]*OutcomeRate    `json:"outcomes"` // people, cohort and rate only
	// Suppressed names the figures withheld by DiscloseTrends.
	Suppressed []string `json:"suppressed,omitempty"`
}

// IsSuppressed reports whether a figure was withheld, by its name in Suppressed.
func (m *MonthFigures) IsSuppressed(name string) bool { return slices.Contains(m.Suppressed, name) }

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
// selection's period, every month present (zeros where nothing was loaded).
// The place may be England, a region, an ICB or a PCN.
func (db *DB) Trends(ctx context.Context, sel Selection) ([]MonthFigures, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	n := sel.Months()
	if n < 1 || n > 1200 {
		return nil, fmt.Errorf("trends: a period of %d months", n)
	}
	months := make([]MonthFigures, n)
	index := map[string]int{}
	for i := range months {
		m := sel.From.AddDate(0, i, 0)
		months[i] = MonthFigures{Month: m, Training: map[string]*ModuleCoverage{}, Outcomes: map[string]*OutcomeRate{}}
		for _, mod := range Modules {
			months[i].Training[mod] = &ModuleCoverage{}
		}
		for _, o := range Outcomes {
			months[i].Outcomes[o] = &OutcomeRate{}
		}
		index[monthKey(m)] = i
	}
	where := map[string]string{"Where": placeFilter(sel.Place)}
	args := []any{clickhouse.Named("place", sel.Place.Code), clickhouse.Named("from", sel.From.Format("2006-01-02")), clickhouse.Named("to", sel.To.Format("2006-01-02"))}
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
			f := &months[i]
			f.Referrals, f.Accepted, f.PeopleSupported, f.FTE, f.Caseload = float64(referrals), float64(accepted), float64(supported), fte, float64(caseload)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}

	for _, spec := range []struct {
		name string
		set  func(f *MonthFigures, key string, a, b float64)
	}{
		{"trend_training", func(f *MonthFigures, key string, inPost, trained float64) {
			f.Training[key] = &ModuleCoverage{InPost: inPost, Trained: trained, Coverage: ratio(trained, inPost)}
		}},
		{"trend_outcomes", func(f *MonthFigures, key string, people, cohort float64) {
			f.Outcomes[key] = &OutcomeRate{People: people, Cohort: cohort, Rate: ratio(people, cohort)}
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
				spec.set(&months[i], key, float64(a), float64(b))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, Classify(err)
		}
	}
	return months, nil
}
