package queries

import (
	"math"
	"sort"
)

// Targeting additional funding (METRICS.md): each area's gap is costed,
// weighted by need, and a budget is shared in proportion to that priority,
// no area receiving more than its gap's cost; what a cap frees is shared
// again among the rest, until the budget or every gap is used up.
//
// It is computed from a Report, so from the figures as shown: with disclosure
// control on, from the rounded counts, and an area whose annual_accepted is
// withheld has an unknown capacity gap and is funded for its training gap
// only.

// Targeting is the answer for one budget and one set of settings.
type Targeting struct {
	Budget      float64      `json:"budget"`
	Settings    Settings     `json:"-"`
	Areas       []TargetArea `json:"areas"` // ranked: largest allocation first
	Allocated   float64      `json:"allocated"`
	Unallocated float64      `json:"unallocated"`
	Rounds      int          `json:"rounds"` // sharing rounds until no share passed a cap
	EnglandIMD  Figure       `json:"england_imd_score"`
	Totals      TargetTotals `json:"totals"`
}

// TargetTotals add up what the allocations buy.
type TargetTotals struct {
	FundedFTE             float64            `json:"funded_fte"`
	TrainingPlaces        float64            `json:"training_places"`
	ExpectedExtraPeople   float64            `json:"expected_extra_people"`
	ExpectedExtraOutcomes map[string]float64 `json:"expected_extra_outcomes"`
}

// TargetArea is one area's gap, need, priority and allocation.
type TargetArea struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
	ParentName string `json:"parent_name"`
	Rank       int    `json:"rank"` // 1 = largest allocation (then priority, then code)

	IMDScore       Figure  `json:"imd_score"`
	NeedIndex      float64 `json:"need_index"`
	CapacityGapFTE Figure  `json:"capacity_gap_fte"` // withheld: funded for training only
	UntrainedStaff float64 `json:"untrained_staff"`
	CapacityCost   Figure  `json:"capacity_gap_cost"` // capacity_gap_fte × fte_cost; withheld with the gap (then funded for training only)
	TrainingCost   float64 `json:"training_gap_cost"` // untrained_staff × training_cost
	GapCost        float64 `json:"gap_cost"`
	Priority       float64 `json:"priority"`

	Allocation          float64 `json:"allocation"`
	Capped              bool    `json:"capped"`          // received its whole gap cost
	FundedFTE           float64 `json:"funded_fte"`      // min(capacity_gap_fte, allocation / fte_cost)
	TrainingPlaces      float64 `json:"training_places"` // what is left after the FTE, at training_cost each, at most untrained_staff
	ExpectedExtraPeople float64 `json:"expected_extra_people"`
	// ExpectedExtraOutcomes are expected extra people into each outcome:
	// expected_extra_people × the area's rate, or England's (RateFrom).
	ExpectedExtraOutcomes map[string]float64 `json:"expected_extra_outcomes"`
	RateFrom              map[string]string  `json:"rate_from"` // "area" or "england"
}

// Where an outcome rate for the expected outcomes comes from.
const (
	RateFromArea    = "area"
	RateFromEngland = "england"
)

// Target shares budget over the report's areas. The settings are the
// report's own (its capacity gaps used their caseload standard).
func Target(rep *Report, budget float64) *Targeting {
	set := rep.Request.Settings
	t := &Targeting{Budget: budget, Settings: set, EnglandIMD: rep.England.IMDScore,
		Totals: TargetTotals{ExpectedExtraOutcomes: map[string]float64{}}}
	englandIMD, englandIMDKnown := rep.England.IMDScore.Value()
	for i := range rep.Areas {
		a := &rep.Areas[i]
		ta := TargetArea{Code: a.Code, Name: a.Name, ParentCode: a.ParentCode, ParentName: a.ParentName,
			IMDScore: a.IMDScore, NeedIndex: 1, CapacityGapFTE: a.CapacityGapFTE,
			ExpectedExtraOutcomes: map[string]float64{}, RateFrom: map[string]string{}}
		if imd, ok := a.IMDScore.Value(); ok && englandIMDKnown && englandIMD > 0 {
			ta.NeedIndex = math.Pow(imd/englandIMD, set.NeedWeight)
		}
		ta.UntrainedStaff, _ = a.UntrainedStaff.Value() // workforce: never withheld
		ta.CapacityCost = Scale(a.CapacityGapFTE, set.FTECost)
		capacity, _ := ta.CapacityCost.Value() // a withheld gap is not funded: training only
		ta.TrainingCost = ta.UntrainedStaff * set.TrainingCost
		ta.GapCost = capacity + ta.TrainingCost
		ta.Priority = ta.GapCost * ta.NeedIndex
		t.Areas = append(t.Areas, ta)
	}
	t.Rounds = allocate(t.Areas, budget)
	for i := range t.Areas {
		buy(&t.Areas[i], &rep.Areas[i].Metrics, &rep.England, set)
		a := &t.Areas[i]
		t.Allocated += a.Allocation
		t.Totals.FundedFTE += a.FundedFTE
		t.Totals.TrainingPlaces += a.TrainingPlaces
		t.Totals.ExpectedExtraPeople += a.ExpectedExtraPeople
		for o, n := range a.ExpectedExtraOutcomes {
			t.Totals.ExpectedExtraOutcomes[o] += n
		}
	}
	t.Unallocated = math.Max(0, budget-t.Allocated)
	sort.SliceStable(t.Areas, func(i, j int) bool {
		a, b := &t.Areas[i], &t.Areas[j]
		if a.Allocation != b.Allocation {
			return a.Allocation > b.Allocation
		}
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		return a.Code < b.Code
	})
	for i := range t.Areas {
		t.Areas[i].Rank = i + 1
	}
	return t
}

// allocate shares budget over areas in proportion to priority, none above
// its gap cost. Each round shares what is left among the areas still open;
// an area whose share would reach its cap gets its cap and closes, and the
// round is shared again without it. It returns the rounds taken.
func allocate(areas []TargetArea, budget float64) int {
	open := make([]int, 0, len(areas))
	for i := range areas {
		if areas[i].Priority > 0 && areas[i].GapCost > 0 {
			open = append(open, i)
		}
	}
	left := budget
	rounds := 0
	for len(open) > 0 && left > 0 {
		rounds++
		var total float64
		for _, i := range open {
			total += areas[i].Priority
		}
		var still []int
		for _, i := range open {
			if left*areas[i].Priority/total >= areas[i].GapCost {
				areas[i].Allocation, areas[i].Capped = areas[i].GapCost, true
				continue
			}
			still = append(still, i)
		}
		if len(still) == len(open) { // no cap reached: share it all
			for _, i := range open {
				areas[i].Allocation = left * areas[i].Priority / total
			}
			return rounds
		}
		for _, i := range open {
			if areas[i].Capped {
				left -= areas[i].GapCost
			}
		}
		open = still
	}
	return rounds
}

// buy says what an allocation buys: FTE first, up to the capacity gap, then
// training places with the rest, up to the untrained staff; and the extra
// people the FTE can support in a year, into each outcome.
func buy(a *TargetArea, m, england *Metrics, set Settings) {
	if gap, ok := a.CapacityGapFTE.Value(); ok && set.FTECost > 0 {
		a.FundedFTE = math.Min(gap, a.Allocation/set.FTECost)
	}
	if set.TrainingCost > 0 {
		a.TrainingPlaces = math.Min(a.UntrainedStaff, math.Max(0, a.Allocation-a.FundedFTE*set.FTECost)/set.TrainingCost)
	}
	a.ExpectedExtraPeople = a.FundedFTE * set.CaseloadStandard
	for _, name := range Outcomes {
		rate, from := outcomeRateFor(m.Outcomes[name], england.Outcomes[name])
		a.ExpectedExtraOutcomes[name] = a.ExpectedExtraPeople * rate
		a.RateFrom[name] = from
	}
}

// outcomeRateFor is the area's rate, or England's when the area's cohort
// (as shown) is under 10 or its rate is withheld or unknown.
func outcomeRateFor(area, england *OutcomeRate) (float64, string) {
	if area != nil {
		cohort, cok := area.Cohort.Value()
		rate, rok := area.Rate.Value()
		if cok && rok && cohort >= MinCohortToCompare {
			return rate, RateFromArea
		}
	}
	if england != nil {
		if rate, ok := england.Rate.Value(); ok {
			return rate, RateFromEngland
		}
	}
	return 0, RateFromEngland
}
