package queries

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Inequality by deprivation (METRICS.md): figures by national deprivation
// decile of PCNs, the slope index of inequality of each rate, and the
// Core20 (deciles 1–2) shares.

// DecileUnknown names the group of PCNs without a deprivation score.
const DecileUnknown = "unknown"

// Deciles places PCNs in national deprivation deciles: PCNs with a known
// score, most deprived (highest score) first, ties by code, each by the
// midpoint of its cumulative share of their population; decile d holds the
// midpoints in ((d−1)/10, d/10]. A midpoint of 0 (a PCN of no population
// first in order) is decile 1. PCNs without a score are DecileUnknown.
func Deciles(pcns []PCNFeatureRow) map[string]string {
	out := map[string]string{}
	var known []PCNFeatureRow
	total := 0.0
	for _, p := range pcns {
		if p.IMD == nil {
			out[p.Code] = DecileUnknown
			continue
		}
		known = append(known, p)
		total += p.Population
	}
	sort.Slice(known, func(i, j int) bool {
		if *known[i].IMD != *known[j].IMD {
			return *known[i].IMD > *known[j].IMD
		}
		return known[i].Code < known[j].Code
	})
	cum := 0.0
	for _, p := range known {
		d := 1
		if total > 0 {
			mid := (cum + p.Population/2) / total
			d = int(math.Ceil(mid*10 - 1e-12))
		}
		out[p.Code] = strconv.Itoa(min(10, max(1, d)))
		cum += p.Population
	}
	return out
}

// SII is a slope index of inequality with its 95% interval; nil values when
// it cannot be calculated.
type SII struct {
	SII     *float64 `json:"sii"`
	CILow   *float64 `json:"ci_low"`
	CIHigh  *float64 `json:"ci_high"`
	Deciles int      `json:"deciles"` // deciles with a denominator of at least 10
	Status  string   `json:"status"`  // calculated, cannot be calculated
}

// Statuses of an SII.
const (
	Calculated       = "calculated"
	CannotCalculate  = "cannot be calculated"
	minSIIDeciles    = 5
	minSIIDenominate = 10
)

// DecileRate is one decile's numerator and denominator of a rate, in
// decile order (most deprived first).
type DecileRate struct {
	X, N float64
}

// SlopeIndex computes METRICS.md's SII over the deciles given in order 1 to
// 10 (a decile with N = 0 is left out): x_d the midpoint of decile d's
// cumulative share of the denominator, weights N, a weighted least-squares
// slope of the rates on x_d, with its standard error from the binomial
// variance of each rate.
func SlopeIndex(deciles []DecileRate) SII {
	s := SII{Status: CannotCalculate}
	total := 0.0
	for _, d := range deciles {
		total += d.N
		if d.N >= minSIIDenominate {
			s.Deciles++
		}
	}
	if s.Deciles < minSIIDeciles || total == 0 {
		return s
	}
	type point struct{ x, w, p float64 }
	var pts []point
	cum := 0.0
	for _, d := range deciles {
		if d.N <= 0 {
			continue
		}
		pts = append(pts, point{x: (cum + d.N/2) / total, w: d.N, p: d.X / d.N})
		cum += d.N
	}
	sw, swx := 0.0, 0.0
	for _, p := range pts {
		sw += p.w
		swx += p.w * p.x
	}
	xbar := swx / sw
	sxx, sxp, v := 0.0, 0.0, 0.0
	for _, p := range pts {
		dx := p.x - xbar
		sxx += p.w * dx * dx
		sxp += p.w * dx * p.p
		v += p.w * p.w * dx * dx * p.p * (1 - p.p) / p.w
	}
	if sxx == 0 {
		return s
	}
	sii := sxp / sxx
	se := math.Sqrt(v) / sxx
	lo, hi := sii-Z95*se, sii+Z95*se
	s.SII, s.CILow, s.CIHigh, s.Status = &sii, &lo, &hi, Calculated
	return s
}

// DecileFigures is one decile's figures inside the place.
type DecileFigures struct {
	Decile string `json:"decile"` // "1" (most deprived) to "10", or "unknown"
	PCNs   int    `json:"pcns"`
	Metrics
}

// Inequality is the answer for a selection.
type Inequality struct {
	Deciles []DecileFigures `json:"deciles"`
	// SII by measure: "work_training_coverage" and "outcomes.OUTCOME.rate".
	SII map[string]SII `json:"sii"`
	// Core20Share of funding, fte, people_supported and population: deciles
	// 1–2's over every PCN of the place with a known decile.
	Core20Share map[string]Figure `json:"core20_share"`
}

// MeasureOutcome is the outcome of a measure named "outcomes.OUTCOME.rate"
// ("" for work_training_coverage).
func MeasureOutcome(measure string) string {
	if !strings.HasPrefix(measure, "outcomes.") || !strings.HasSuffix(measure, ".rate") {
		return ""
	}
	return strings.TrimSuffix(strings.TrimPrefix(measure, "outcomes."), ".rate")
}

// SIIMeasures lists the rates with an SII, in the pages' order.
func SIIMeasures() []string {
	out := []string{"work_training_coverage"}
	for _, o := range Outcomes {
		out = append(out, "outcomes."+o+".rate")
	}
	return out
}

// Inequality computes a request's figures by national decile: each decile's
// from the sums over its PCNs inside the place, like any area's (with
// disclosure control as the request says), then the SII of each rate from
// the deciles' figures as shown, and the Core20 shares.
func (db *DB) Inequality(ctx context.Context, req Request, decileOf map[string]string) (*Inequality, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	sel := req.Selection
	asOf, err := db.asOf(ctx, req)
	if err != nil {
		return nil, err
	}
	pcns, err := db.levelCounts(ctx, sel, sel.Place, LevelPCN, asOf)
	if err != nil {
		return nil, fmt.Errorf("inequality: %w", err)
	}
	groups := map[string]*counts{}
	imd := map[string][2]float64{} // weighted sum, population with a score
	n := map[string]int{}
	for i := range pcns {
		p := &pcns[i]
		d, ok := decileOf[p.code]
		if !ok {
			d = DecileUnknown
		}
		if groups[d] == nil {
			groups[d] = newCounts()
		}
		addCounts(groups[d], &p.counts)
		groups[d].population += p.population
		groups[d].pcns += p.pcns
		if p.imd != nil {
			w := imd[d]
			imd[d] = [2]float64{w[0] + *p.imd*p.population, w[1] + p.population}
		}
		n[d]++
	}
	ineq := &Inequality{SII: map[string]SII{}, Core20Share: map[string]Figure{}}
	order := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", DecileUnknown}
	byDecile := map[string]*Metrics{}
	for _, d := range order {
		c := groups[d]
		if c == nil {
			c = newCounts()
		}
		c.settle()
		if w := imd[d]; w[1] > 0 {
			v := w[0] / w[1]
			c.imd = &v
		}
		m := figures(c, sel.Months(), req.Settings, req.Disclose)
		m.Suppressed = suppressedNames(&m)
		ineq.Deciles = append(ineq.Deciles, DecileFigures{Decile: d, PCNs: n[d], Metrics: m})
		byDecile[d] = &ineq.Deciles[len(ineq.Deciles)-1].Metrics
	}
	for _, measure := range SIIMeasures() {
		var rates []DecileRate
		for _, d := range order[:10] {
			x, nn := rateParts(byDecile[d], measure)
			rates = append(rates, DecileRate{X: x, N: nn})
		}
		ineq.SII[measure] = SlopeIndex(rates)
	}
	share := func(value func(*Metrics) Figure) Figure {
		core, all := Known(0), Known(0)
		for _, d := range order[:10] {
			f := value(byDecile[d])
			if d == "1" || d == "2" {
				core = Add(core, f)
			}
			all = Add(all, f)
		}
		return Div(core, all)
	}
	ineq.Core20Share["funding"] = share(func(m *Metrics) Figure { return m.Funding })
	ineq.Core20Share["fte"] = share(func(m *Metrics) Figure { return m.FTE })
	ineq.Core20Share["people_supported"] = share(func(m *Metrics) Figure { return m.PeopleSupported })
	ineq.Core20Share["population"] = share(func(m *Metrics) Figure { return m.Population })
	return ineq, nil
}

// MeasureParts are a measure's numerator and denominator in m: trained and
// in post, or people and cohort.
func MeasureParts(m *Metrics, measure string) (Figure, Figure) {
	if measure == "work_training_coverage" {
		w := m.Training[WorkModule]
		return w.Trained, w.InPost
	}
	o := m.Outcomes[MeasureOutcome(measure)]
	return o.People, o.Cohort
}

// rateParts are a measure's numerator and denominator as shown (0 when
// withheld or unknown: such a decile adds nothing).
func rateParts(m *Metrics, measure string) (float64, float64) {
	x, n := MeasureParts(m, measure)
	xv, xok := x.Value()
	nv, nok := n.Value()
	if !xok || !nok {
		return 0, 0
	}
	return xv, nv
}
