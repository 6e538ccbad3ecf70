package queries

import (
	"context"
	"fmt"
	"text/template"
	"time"
)

// Recent trend (METRICS.md): is a proportion of one area rising or falling
// over the period's months?

// The trend categories.
const (
	TrendIncreasing = "increasing"
	TrendDecreasing = "decreasing"
	TrendNoChange   = "no significant change"
	TrendCannot     = "cannot be calculated"
)

// trendChi2 is the 99.8% point, 3.090232², exactly as METRICS.md squares it.
const trendChi2 = 3.090232 * 3.090232

// RecentTrend classifies monthly counts x of n (months in calendar order,
// t = 1…k; a month with n = 0 keeps its position but adds nothing) by the
// Cochran–Armitage test for trend, and, beyond the 99.8% point, only when
// the direction D keeps its strict sign with each month left out in turn.
func RecentTrend(x, n []float64) string {
	months := 0
	for _, v := range n {
		if v > 0 {
			months++
		}
	}
	if months < 5 {
		return TrendCannot
	}
	sums := func(skip int) (N, X, T1, T2, T3 float64) {
		for i := range n {
			if i == skip || n[i] <= 0 {
				continue
			}
			t := float64(i + 1)
			N += n[i]
			X += x[i]
			T1 += x[i] * t
			T2 += n[i] * t
			T3 += n[i] * t * t
		}
		return
	}
	N, X, T1, T2, T3 := sums(-1)
	D := N*T1 - X*T2
	spread := N*T3 - T2*T2
	if X == 0 || X == N || spread == 0 {
		return TrendNoChange
	}
	chi2 := N * D * D / (X * (N - X) * spread)
	if !(chi2 > trendChi2) || D == 0 {
		return TrendNoChange
	}
	for j := range n {
		if n[j] <= 0 {
			continue
		}
		Nj, Xj, T1j, T2j, _ := sums(j)
		Dj := Nj*T1j - Xj*T2j
		if Dj == 0 || (Dj > 0) != (D > 0) {
			return TrendNoChange
		}
	}
	if D > 0 {
		return TrendIncreasing
	}
	return TrendDecreasing
}

// TrendMeasures are the proportions with a recent trend.
func TrendMeasures() []string { return SIIMeasures() }

// AreaTrends classifies each area's trend of every measure for a request's
// selection (at its level and place), from the months' exact counts: a
// trend is a category, not a count, so disclosure control does not apply.
func (db *DB) AreaTrends(ctx context.Context, req Request) (map[string]map[string]string, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	sel := req.Selection
	k := sel.Months()
	if k < 1 || k > 1200 {
		return nil, fmt.Errorf("trends: a period of %d months", k)
	}
	cols, err := levelColumns(sel.Level)
	if err != nil {
		return nil, err
	}
	cols.Where = placeFilter(sel.Place)
	asOf, err := db.asOf(ctx, req)
	if err != nil {
		return nil, err
	}
	args := levelArgs(sel, sel.Place, asOf.Version)
	type series struct{ x, n []float64 }
	byArea := map[string]map[string]*series{}
	add := func(code, measure string, month time.Time, x, n float64) {
		i := (month.Year()-sel.From.Year())*12 + int(month.Month()) - int(sel.From.Month())
		if i < 0 || i >= k {
			return
		}
		s := byArea[code]
		if s == nil {
			s = map[string]*series{}
			for _, m := range TrendMeasures() {
				s[m] = &series{x: make([]float64, k), n: make([]float64, k)}
			}
			byArea[code] = s
		}
		if ser := s[measure]; ser != nil {
			ser.x[i], ser.n[i] = x, n
		}
	}
	rows, err := db.conn.Query(ctx, expand(trendTemplates["trend_training"], cols), args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("trends: %w", err))
	}
	for rows.Next() {
		var code string
		var month time.Time
		var trained, inPost uint64
		if err := rows.Scan(&code, &month, &trained, &inPost); err != nil {
			rows.Close()
			return nil, fmt.Errorf("trends: %w", err)
		}
		add(code, "work_training_coverage", month, float64(trained), float64(inPost))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}
	rows, err = db.conn.Query(ctx, expand(trendTemplates["trend_outcomes"], cols), args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("trends: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var code, outcome string
		var month time.Time
		var people, cohort uint64
		if err := rows.Scan(&code, &month, &outcome, &people, &cohort); err != nil {
			return nil, fmt.Errorf("trends: %w", err)
		}
		add(code, "outcomes."+outcome+".rate", month, float64(people), float64(cohort))
	}
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}
	out := map[string]map[string]string{}
	for code, s := range byArea {
		out[code] = map[string]string{}
		for m, ser := range s {
			out[code][m] = RecentTrend(ser.x, ser.n)
		}
	}
	return out, nil
}

var trendTemplates = map[string]*template.Template{
	"trend_training": parseWithShared("trend_training"),
	"trend_outcomes": parseWithShared("trend_outcomes"),
}

// WithTrends is a copy of m carrying trends (by measure), sharing nothing m
// shares with a cached report.
func WithTrends(m Metrics, trends map[string]string) Metrics {
	out := m
	out.Outcomes = make(map[string]*OutcomeRate, len(m.Outcomes))
	for name, o := range m.Outcomes {
		c := *o
		c.Trend = trends["outcomes."+name+".rate"]
		out.Outcomes[name] = &c
	}
	out.Training = make(map[string]*ModuleCoverage, len(m.Training))
	for mod, cov := range m.Training {
		c := *cov
		if mod == WorkModule {
			c.Trend = trends["work_training_coverage"]
		}
		out.Training[mod] = &c
	}
	return out
}
