package queries

import (
	"context"
	"errors"
	"fmt"
	"math"

	"spdash/queries/glm"
)

// Evidence: does work training go with better work outcomes? (METRICS.md)
// Across the PCNs of a place, for each outcome, a binomial GLM of the
// outcome's people of its cohort over the period on work training coverage
// at the period's first month, adjusted for deprivation and long-term
// sickness, with the unadjusted model beside it.

// Evidence is the answer of GET /api/v1/evidence.
type Evidence struct {
	Outcomes map[string]*OutcomeEvidence `json:"outcomes"`
	// Units are the PCNs of the place, whatever was left out of each model.
	Units int `json:"-"`
}

// The statuses of an outcome's model.
const (
	Estimated         = "estimated"
	CannotBeEstimated = "cannot be estimated"
)

// MinEvidenceUnits: fewer PCNs than this cannot be estimated.
const MinEvidenceUnits = 20

// OutcomeEvidence is one outcome's models. Every number is null when the
// adjusted model cannot be estimated, except N.
type OutcomeEvidence struct {
	OddsRatio            *float64 `json:"odds_ratio"`
	CILow                *float64 `json:"ci_low"`
	CIHigh               *float64 `json:"ci_high"`
	PValue               *float64 `json:"p_value"`
	N                    int      `json:"n"`
	Dispersion           *float64 `json:"dispersion"`
	UnadjustedOddsRatio  *float64 `json:"unadjusted_odds_ratio"`
	UnadjustedCILow      *float64 `json:"unadjusted_ci_low"`
	UnadjustedCIHigh     *float64 `json:"unadjusted_ci_high"`
	Status               string   `json:"status"`
	Reason               string   `json:"-"` // why it cannot be estimated, in words
	LeftOut              LeftOut  `json:"-"`
	UnadjustedPValue     *float64 `json:"-"`
	UnadjustedDispersion *float64 `json:"-"`
}

// LeftOut counts the PCNs of the place left out of a model, by the first
// reason that applies, in METRICS.md's order.
type LeftOut struct {
	NoCohort, UnknownDeprivation, UnknownSickness, UnknownCoverage int
}

// EvidenceUnit is one PCN's inputs: nil when unknown.
type EvidenceUnit struct {
	Code              string
	Coverage          *float64 // work training coverage at the period's first month, a fraction
	IMD, LongTermSick *float64
	People, Cohort    map[string]float64 // by outcome, over the period
}

// EvidenceUnits puts together each PCN's inputs from two reports of its
// place at PCN level without disclosure control: period (the selection)
// and first (the period's first month alone), and every PCN's long-term
// sickness rate (PCNFeatures).
func EvidenceUnits(period, first *Report, pcns []PCNFeatureRow) []EvidenceUnit {
	coverage := map[string]*float64{}
	for _, a := range first.Areas {
		coverage[a.Code] = a.WorkTrainingCoverage.Ptr()
	}
	sickness := map[string]*float64{}
	for _, p := range pcns {
		sickness[p.Code] = p.LTS
	}
	units := make([]EvidenceUnit, 0, len(period.Areas))
	for _, a := range period.Areas {
		u := EvidenceUnit{Code: a.Code, Coverage: coverage[a.Code], IMD: a.IMDScore.Ptr(), LongTermSick: sickness[a.Code],
			People: map[string]float64{}, Cohort: map[string]float64{}}
		for _, o := range Outcomes {
			if r := a.Outcomes[o]; r != nil {
				u.People[o], _ = r.People.Value()
				u.Cohort[o], _ = r.Cohort.Value()
			}
		}
		units = append(units, u)
	}
	return units
}

// EstimateEvidence fits every outcome's models to the units.
func EstimateEvidence(units []EvidenceUnit) *Evidence {
	ev := &Evidence{Outcomes: map[string]*OutcomeEvidence{}, Units: len(units)}
	for _, o := range Outcomes {
		ev.Outcomes[o] = estimateOutcome(units, o)
	}
	return ev
}

func estimateOutcome(units []EvidenceUnit, outcome string) *OutcomeEvidence {
	out := &OutcomeEvidence{Status: CannotBeEstimated}
	var cov, imd, lts, y, m []float64
	for _, u := range units {
		switch {
		case u.Cohort[outcome] <= 0:
			out.LeftOut.NoCohort++
		case u.IMD == nil:
			out.LeftOut.UnknownDeprivation++
		case u.LongTermSick == nil:
			out.LeftOut.UnknownSickness++
		case u.Coverage == nil:
			out.LeftOut.UnknownCoverage++
		default:
			cov, imd, lts = append(cov, *u.Coverage), append(imd, *u.IMD), append(lts, *u.LongTermSick)
			y, m = append(y, u.People[outcome]), append(m, u.Cohort[outcome])
		}
	}
	out.N = len(y)
	if out.N < MinEvidenceUnits {
		out.Reason = fmt.Sprintf("%d PCNs have the figures the model needs; it needs at least %d", out.N, MinEvidenceUnits)
		return out
	}
	zi, zl := zScores(imd), zScores(lts)
	adjusted, unadjusted := make([][]float64, out.N), make([][]float64, out.N)
	for i := range y {
		adjusted[i] = []float64{1, 10 * cov[i], zi[i], zl[i]}
		unadjusted[i] = []float64{1, 10 * cov[i]}
	}
	if fit, err := glm.Binomial(unadjusted, y, m); err == nil {
		c := fit.Coef(1)
		out.UnadjustedOddsRatio, out.UnadjustedCILow, out.UnadjustedCIHigh = ptr(math.Exp(c.Beta)), ptr(math.Exp(c.Low)), ptr(math.Exp(c.High))
		out.UnadjustedPValue, out.UnadjustedDispersion = ptr(c.P), ptr(fit.Dispersion)
	}
	fit, err := glm.Binomial(adjusted, y, m)
	if err != nil {
		out.Reason = reasonOf(err)
		out.UnadjustedOddsRatio, out.UnadjustedCILow, out.UnadjustedCIHigh = nil, nil, nil
		out.UnadjustedPValue, out.UnadjustedDispersion = nil, nil
		return out
	}
	c := fit.Coef(1)
	out.Status = Estimated
	out.OddsRatio, out.CILow, out.CIHigh = ptr(math.Exp(c.Beta)), ptr(math.Exp(c.Low)), ptr(math.Exp(c.High))
	out.PValue, out.Dispersion = ptr(c.P), ptr(fit.Dispersion)
	return out
}

func reasonOf(err error) string {
	switch {
	case errors.Is(err, glm.ErrSingular):
		return "the model's figures do not vary enough to separate coverage from deprivation and sickness (a singular system)"
	case errors.Is(err, glm.ErrNoConvergence):
		return "the fit did not settle (the outcomes are separated by coverage, or nearly)"
	}
	return err.Error()
}

// zScores standardises v over its own units (mean, sd with divisor n); a
// constant v gives zeros, which the fit then finds singular.
func zScores(v []float64) []float64 {
	mean := 0.0
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(len(v)))
	out := make([]float64, len(v))
	for i, x := range v {
		if sd > 0 {
			out[i] = (x - mean) / sd
		}
	}
	return out
}

func ptr(v float64) *float64 { return &v }

// EvidenceRequests are the two reports the evidence of a request is built
// from: its period, and the period's first month alone, both of the PCNs of
// its place, without disclosure control (the model shows no count).
func EvidenceRequests(req Request) (period, first Request) {
	period = req
	period.Disclose = false
	period.Selection.Level = LevelPCN
	first = period
	first.Selection.To, first.Selection.Default = first.Selection.From, false
	return period, first
}

// Evidence computes a request's evidence, for callers without the
// dashboard's cache (the CLI's reports, tests).
func (db *DB) Evidence(ctx context.Context, req Request) (*Evidence, error) {
	if req.Version == 0 {
		a, err := db.DataAsOf(ctx)
		if err != nil {
			return nil, err
		}
		req.Version = a.Version
	}
	pr, fr := EvidenceRequests(req)
	period, err := db.Metrics(ctx, pr)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	first, err := db.Metrics(ctx, fr)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	pcns, err := db.PCNFeatures(ctx, req.Version)
	if err != nil {
		return nil, err
	}
	return EstimateEvidence(EvidenceUnits(period, first, pcns)), nil
}
