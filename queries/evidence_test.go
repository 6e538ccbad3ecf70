package queries

import (
	"fmt"
	"math"
	"testing"
)

// Hand-made units: who is left out, and when a model cannot be estimated.
func TestEvidenceUnitsLeftOut(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	var units []EvidenceUnit
	for i := 0; i < 24; i++ {
		cov := 0.2 + 0.6*float64(i)/23
		cohort := 100.0 + float64(i*7%50)
		people := math.Round(cohort * (0.1 + 0.1*cov + 0.02*float64(i%3)))
		u := EvidenceUnit{Code: fmt.Sprintf("U%02d", i), Coverage: f(cov), IMD: f(10 + float64(i*13%30)), LongTermSick: f(3 + float64(i*5%7)),
			People: map[string]float64{}, Cohort: map[string]float64{}}
		for _, o := range Outcomes {
			u.People[o], u.Cohort[o] = people, cohort
		}
		units = append(units, u)
	}
	units[0].IMD = nil                         // deprivation unknown
	units[1].LongTermSick = nil                // sickness unknown
	units[2].Coverage = nil                    // nobody in post at the first month
	units[3].Cohort["entered_employment"] = 0  // no cohort for one outcome
	units[4].IMD, units[4].Coverage = nil, nil // the first reason counts
	ev := EstimateEvidence(units)
	e := ev.Outcomes["entered_employment"]
	if e.N != 19 || e.LeftOut != (LeftOut{NoCohort: 1, UnknownDeprivation: 2, UnknownSickness: 1, UnknownCoverage: 1}) {
		t.Errorf("entered employment: n %d, left out %+v", e.N, e.LeftOut)
	}
	if e.Status != CannotBeEstimated || e.OddsRatio != nil || e.UnadjustedOddsRatio != nil || e.Reason == "" {
		t.Errorf("19 units: %+v, want cannot be estimated, every number null", e)
	}
	w := ev.Outcomes["improved_wellbeing"]
	if w.N != 20 || w.Status != Estimated || w.OddsRatio == nil || w.UnadjustedOddsRatio == nil || w.Dispersion == nil {
		t.Errorf("20 units: %+v, want estimated", w)
	}
	if *w.CILow > *w.OddsRatio || *w.OddsRatio > *w.CIHigh {
		t.Errorf("the odds ratio %v lies outside its interval %v–%v", *w.OddsRatio, *w.CILow, *w.CIHigh)
	}
	// Every unit with the same deprivation: the adjusted model is singular.
	for i := range units {
		if units[i].IMD != nil {
			units[i].IMD = f(20)
		}
	}
	if s := EstimateEvidence(units).Outcomes["improved_wellbeing"]; s.Status != CannotBeEstimated || s.N != 20 {
		t.Errorf("constant deprivation: %+v, want cannot be estimated", s)
	}
}
