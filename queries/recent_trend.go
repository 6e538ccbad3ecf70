package queries

import (
	"context"
	"fmt"
	"slices"
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
	if _, err := levelColumn(sel.Level); err != nil {
		return nil, err
	}
	asOf, err := db.asOf(ctx, req)
	if err != nil {
		return nil, err
	}
	grid, err := db.monthCounts(ctx, sel, asOf, sel.Level, nil)
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	type series struct{ x, n []float64 }
	byArea := map[string]map[string]*series{}
	work := slices.Index(Modules, WorkModule)
	for code, months := range grid {
		for m, c := range months {
			if c == nil {
				continue
			}
			s := byArea[code]
			if s == nil {
				s = map[string]*series{}
				for _, name := range TrendMeasures() {
					s[name] = &series{x: make([]float64, k), n: make([]float64, k)}
				}
				byArea[code] = s
			}
			set := func(measure string, x, n float64) {
				if ser := s[measure]; ser != nil {
					ser.x[m], ser.n[m] = x, n
				}
			}
			set("work_training_coverage", c.trained[work], c.inPost[work])
			for j, o := range Outcomes {
				set("outcomes."+o+".rate", c.people[j], c.cohort[j])
			}
		}
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
