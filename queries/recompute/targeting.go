package recompute

import (
	"math"
	"sort"
)

// TargetingInputs are METRICS.md's targeting inputs.
type TargetingInputs struct {
	Budget, CaseloadStandard, FTECost, TrainingCost, NeedWeight float64
}

// Target is one area's targeting figures.
type Target struct {
	NeedIndex, GapCost, Priority, Allocation, ExpectedExtraPeople float64
	ExpectedExtraOutcomes                                         map[string]float64
}

// Targeting recomputes METRICS.md's targeting from Compute's figures (with
// disclosure control off), written from the definitions and sharing nothing
// with queries.Target. The allocation is found as a water level: every area
// gets min(gap_cost, λ × priority), with λ the level at which the budget is
// spent, found by visiting the areas in order of gap_cost / priority.
func Targeting(england Figures, areas map[string]Figures, in TargetingInputs) (map[string]Target, float64) {
	get := func(f Figures, name string) (float64, bool) {
		if p := f.Values[name]; p != nil {
			return *p, true
		}
		return 0, false
	}
	engIMD, engKnown := get(england, "imd_score")
	out := map[string]Target{}
	type open struct {
		code      string
		cap, prio float64
	}
	var opens []open
	gapFTE := map[string]float64{}
	for code, f := range areas {
		need := 1.0
		if imd, ok := get(f, "imd_score"); ok && engKnown && engIMD > 0 {
			need = math.Pow(imd/engIMD, in.NeedWeight)
		}
		annual, _ := get(f, "annual_accepted")
		fte, _ := get(f, "fte")
		gap := math.Max(0, annual/in.CaseloadStandard-fte) // the caseload standard of the inputs
		untrained, _ := get(f, "untrained_staff")
		cost := gap*in.FTECost + untrained*in.TrainingCost
		gapFTE[code] = gap
		out[code] = Target{NeedIndex: need, GapCost: cost, Priority: cost * need, ExpectedExtraOutcomes: map[string]float64{}}
		if cost > 0 && cost*need > 0 {
			opens = append(opens, open{code, cost, cost * need})
		}
	}
	sort.Slice(opens, func(i, j int) bool {
		a, b := opens[i].cap/opens[i].prio, opens[j].cap/opens[j].prio
		if a != b {
			return a < b
		}
		return opens[i].code < opens[j].code
	})
	budget := in.Budget
	var prioLeft float64
	for _, o := range opens {
		prioLeft += o.prio
	}
	i := 0
	for ; i < len(opens); i++ {
		level := budget / prioLeft
		if opens[i].cap/opens[i].prio > level {
			break
		}
		t := out[opens[i].code]
		t.Allocation = opens[i].cap
		out[opens[i].code] = t
		budget -= opens[i].cap
		prioLeft -= opens[i].prio
	}
	for j := i; j < len(opens); j++ {
		t := out[opens[j].code]
		t.Allocation = budget * opens[j].prio / prioLeft
		out[opens[j].code] = t
	}
	unallocated := 0.0
	if i == len(opens) {
		unallocated = budget
	}
	for code, t := range out {
		funded := math.Min(gapFTE[code], t.Allocation/in.FTECost)
		t.ExpectedExtraPeople = funded * in.CaseloadStandard
		for _, o := range outcomes {
			p := "outcomes." + o + "."
			rate, ok := get(areas[code], p+"rate")
			cohort, _ := get(areas[code], p+"cohort")
			if !ok || cohort < 10 {
				rate, _ = get(england, p+"rate")
			}
			t.ExpectedExtraOutcomes[o] = t.ExpectedExtraPeople * rate
		}
		out[code] = t
	}
	return out, math.Max(0, unallocated)
}
