package queries

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func areasWith(gapsAndPriorities ...[2]float64) []TargetArea {
	out := make([]TargetArea, len(gapsAndPriorities))
	for i, gp := range gapsAndPriorities {
		out[i] = TargetArea{Code: string(rune('A' + i)), GapCost: gp[0], Priority: gp[1]}
	}
	return out
}

func allocations(areas []TargetArea) []float64 {
	out := make([]float64, len(areas))
	for i := range areas {
		out[i] = areas[i].Allocation
	}
	return out
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// Worked by hand: three areas of equal priority with gaps of £10, £60 and
// £1,000.
//   - £150: round 1 offers £50 each, A's cap is £10 (closed); round 2
//     shares the £140 left: £70 each, B's cap is £60 (closed); round 3
//     gives C the £80 left. Allocations 10, 60, 80, nothing unallocated.
//   - £2,000: round 1 closes A and B; round 2 offers C £1,930, more than
//     its £1,000. Allocations 10, 60, 1000, £930 unallocated.
//   - £30 with priorities 1, 2, 3 and large gaps: 5, 10, 15 in one round.
func TestAllocateWorkedByHand(t *testing.T) {
	for _, c := range []struct {
		name   string
		areas  []TargetArea
		budget float64
		want   []float64
		rounds int
	}{
		{"caps over three rounds", areasWith([2]float64{10, 1}, [2]float64{60, 1}, [2]float64{1000, 1}), 150, []float64{10, 60, 80}, 3},
		{"budget above every gap", areasWith([2]float64{10, 1}, [2]float64{60, 1}, [2]float64{1000, 1}), 2000, []float64{10, 60, 1000}, 2},
		{"no cap reached", areasWith([2]float64{100, 1}, [2]float64{100, 2}, [2]float64{100, 3}), 30, []float64{5, 10, 15}, 1},
		{"zero budget", areasWith([2]float64{100, 1}, [2]float64{100, 2}), 0, []float64{0, 0}, 0},
		{"no gap, no priority", areasWith([2]float64{0, 0}, [2]float64{100, 0}, [2]float64{50, 5}), 80, []float64{0, 0, 50}, 1},
	} {
		rounds := allocate(c.areas, c.budget)
		got := allocations(c.areas)
		for i := range c.want {
			if !near(got[i], c.want[i]) {
				t.Errorf("%s: allocations %v, want %v", c.name, got, c.want)
				break
			}
		}
		if rounds != c.rounds {
			t.Errorf("%s: %d rounds, want %d", c.name, rounds, c.rounds)
		}
	}
}

// Properties of the allocation, on random areas and budgets.
func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 13))
	for trial := 0; trial < 500; trial++ {
		n := 1 + rng.IntN(30)
		base := make([]TargetArea, n)
		var totalGap float64
		for i := range base {
			gap := math.Round(rng.ExpFloat64()*100000) / 100
			if rng.IntN(8) == 0 {
				gap = 0
			}
			prio := gap * rng.Float64() * 2
			if rng.IntN(10) == 0 {
				prio = 0
			}
			base[i] = TargetArea{GapCost: gap, Priority: prio}
			if prio > 0 {
				totalGap += gap
			}
		}
		budgets := []float64{0, totalGap * rng.Float64() * 0.3, totalGap * rng.Float64(), totalGap, totalGap * (1 + rng.Float64())}
		var prev []float64
		for _, budget := range []float64{budgets[0], math.Min(budgets[1], budgets[2]), math.Max(budgets[1], budgets[2]), budgets[3], budgets[4]} {
			areas := append([]TargetArea(nil), base...)
			allocate(areas, budget)
			var sum float64
			ratio := -1.0
			for i, a := range areas {
				sum += a.Allocation
				if a.Allocation < 0 || a.Allocation > a.GapCost*(1+1e-12) {
					t.Fatalf("trial %d: area %d allocated %v of a gap of %v", trial, i, a.Allocation, a.GapCost)
				}
				if a.Priority == 0 && a.Allocation != 0 {
					t.Fatalf("trial %d: area %d has no priority but %v", trial, i, a.Allocation)
				}
				// Uncapped areas get shares in proportion to priority.
				if !a.Capped && a.Allocation > 0 {
					r := a.Allocation / a.Priority
					if ratio < 0 {
						ratio = r
					} else if !near(r/ratio, 1) {
						t.Fatalf("trial %d: uncapped allocation per priority %v and %v", trial, r, ratio)
					}
				}
				// Raising the budget never lowers an allocation.
				if prev != nil && a.Allocation < prev[i]*(1-1e-12) {
					t.Fatalf("trial %d: budget %v lowered area %d from %v to %v", trial, budget, i, prev[i], a.Allocation)
				}
			}
			if sum > budget*(1+1e-12) {
				t.Fatalf("trial %d: allocated %v of %v", trial, sum, budget)
			}
			// What a cap frees is shared again: while gaps remain, the whole
			// budget is used; past every gap, exactly the gaps are.
			if want := math.Min(budget, totalGap); !near(sum, want) {
				t.Fatalf("trial %d: budget %v, gaps %v: allocated %v, want %v", trial, budget, totalGap, sum, want)
			}
			prev = allocations(areas)
		}
	}
}

func targetReport(disclose bool) *Report {
	set := DefaultSettings
	england := newCounts()
	england.population, england.fte = 1000000, 100
	employment, work := slices.Index(Outcomes, "entered_employment"), slices.Index(Modules, WorkModule)
	england.people[employment], england.cohort[employment] = 50, 1000
	englandIMD := 20.0
	england.imd = &englandIMD
	rep := &Report{Request: Request{Selection: Selection{From: mustMonth("2024-01"), To: mustMonth("2024-12")}, Settings: set, Disclose: disclose}}
	rep.England = figures(england, 12, set, false)
	mk := func(code string, imd *float64, accepted, fte, inPost, trained, people, cohort float64) {
		c := newCounts()
		c.population, c.imd, c.accepted, c.fte = 50000, imd, accepted, fte
		c.inPost[work], c.trained[work] = inPost, trained
		c.people[employment], c.cohort[employment] = people, cohort
		m := figures(c, 12, set, disclose)
		compareWithEngland(&m, rep.England)
		rep.Areas = append(rep.Areas, AreaMetrics{Code: code, Name: code, Metrics: m})
	}
	deprived, affluent := 30.0, 10.0
	mk("DEP", &deprived, 2500, 4, 10, 4, 30, 200) // gap 10 − 4 = 6 FTE, 6 untrained, need 1.5
	mk("AFF", &affluent, 2500, 4, 10, 4, 30, 200) // the same gap, need 0.5
	mk("UNK", nil, 1000, 4, 5, 5, 3, 5)           // no capacity gap, no training gap, need 1 (unknown)
	mk("TRN", nil, 5, 0, 8, 0, 0, 0)              // 5 accepted: withheld with control on
	return rep
}

func TestTargetNeedGapAndWhatItBuys(t *testing.T) {
	rep := targetReport(false)
	tg := Target(rep, 100000)
	by := map[string]TargetArea{}
	for _, a := range tg.Areas {
		by[a.Code] = a
	}
	dep, aff, unk, trn := by["DEP"], by["AFF"], by["UNK"], by["TRN"]
	if !near(dep.NeedIndex, 1.5) || !near(aff.NeedIndex, 0.5) || unk.NeedIndex != 1 {
		t.Errorf("need %v %v %v, want 1.5 0.5 1", dep.NeedIndex, aff.NeedIndex, unk.NeedIndex)
	}
	// DEP: 6 FTE × £42,000 + 6 untrained × £600 = £255,600; priority × 1.5.
	if !near(dep.GapCost, 255600) || !near(dep.Priority, 383400) || !near(aff.Priority, 127800) {
		t.Errorf("DEP gap %v priority %v, AFF priority %v", dep.GapCost, dep.Priority, aff.Priority)
	}
	// TRN: 5 a year, no FTE: gap 0.02 FTE (£840) + 8 untrained (£4,800).
	if !near(trn.GapCost, 0.02*42000+8*600) {
		t.Errorf("TRN gap cost %v", trn.GapCost)
	}
	// £100,000 is below every gap: shared by priority, DEP three times AFF.
	total := dep.Priority + aff.Priority + trn.Priority
	if !near(dep.Allocation, 100000*dep.Priority/total) || !near(dep.Allocation, 3*aff.Allocation) || unk.Allocation != 0 {
		t.Errorf("allocations DEP %v AFF %v UNK %v", dep.Allocation, aff.Allocation, unk.Allocation)
	}
	if dep.Rank != 1 || tg.Unallocated != 0 || !near(tg.Allocated, 100000) {
		t.Errorf("rank %d unallocated %v allocated %v", dep.Rank, tg.Unallocated, tg.Allocated)
	}
	// What it buys: FTE first, then training; people a year from the FTE.
	if !near(dep.FundedFTE, dep.Allocation/42000) || dep.TrainingPlaces != 0 || !near(dep.ExpectedExtraPeople, dep.FundedFTE*250) {
		t.Errorf("DEP buys %v FTE, %v places, %v people", dep.FundedFTE, dep.TrainingPlaces, dep.ExpectedExtraPeople)
	}
	// The area's own rate (cohort 200) for DEP; England's for a cohort under 10.
	if !near(dep.ExpectedExtraOutcomes["entered_employment"], dep.ExpectedExtraPeople*30/200) || dep.RateFrom["entered_employment"] != RateFromArea {
		t.Errorf("DEP employment %v from %s", dep.ExpectedExtraOutcomes["entered_employment"], dep.RateFrom["entered_employment"])
	}
	if unk.RateFrom["entered_employment"] != RateFromEngland {
		t.Errorf("UNK (cohort 5) rate from %s, want england", unk.RateFrom["entered_employment"])
	}

	// A budget above every gap: each area gets its gap, the rest is left.
	big := Target(rep, 1e7)
	var gaps float64
	for _, a := range big.Areas {
		gaps += a.GapCost
		if !near(a.Allocation, a.GapCost) || (a.GapCost > 0 && !a.Capped) {
			t.Errorf("%s allocated %v of its gap %v", a.Code, a.Allocation, a.GapCost)
		}
		if a.Code == "DEP" && (!near(a.FundedFTE, 6) || !near(a.TrainingPlaces, 6)) {
			t.Errorf("DEP with its whole gap buys %v FTE and %v places, want 6 and 6", a.FundedFTE, a.TrainingPlaces)
		}
	}
	if !near(big.Unallocated, 1e7-gaps) {
		t.Errorf("unallocated %v, want %v", big.Unallocated, 1e7-gaps)
	}
	if zero := Target(rep, 0); zero.Allocated != 0 || zero.Unallocated != 0 || zero.Totals.ExpectedExtraPeople != 0 {
		t.Errorf("zero budget: %+v", zero.Totals)
	}
}

// With disclosure control on, an area whose annual_accepted is withheld has
// an unknown capacity gap and is funded for its training gap only.
func TestTargetWithheldCapacityGapFundsTrainingOnly(t *testing.T) {
	tg := Target(targetReport(true), 1e7)
	for _, a := range tg.Areas {
		if a.Code != "TRN" {
			continue
		}
		if !a.CapacityGapFTE.IsWithheld() || !a.CapacityCost.IsWithheld() || !near(a.GapCost, 8*600) || a.FundedFTE != 0 || !near(a.TrainingPlaces, 8) {
			t.Errorf("TRN: gap %v capacity cost %v gap cost %v FTE %v places %v", a.CapacityGapFTE, a.CapacityCost, a.GapCost, a.FundedFTE, a.TrainingPlaces)
		}
		return
	}
	t.Fatal("no TRN")
}

// Need weight 0 makes need irrelevant; unknown England deprivation makes every
// need index 1.
func TestTargetNeedWeight(t *testing.T) {
	rep := targetReport(false)
	rep.Request.Settings.NeedWeight = 0
	for _, a := range Target(rep, 1000).Areas {
		if a.NeedIndex != 1 {
			t.Errorf("%s need %v with weight 0", a.Code, a.NeedIndex)
		}
	}
	rep = targetReport(false)
	rep.England.IMDScore = Unknown()
	for _, a := range Target(rep, 1000).Areas {
		if a.NeedIndex != 1 {
			t.Errorf("%s need %v without England's score", a.Code, a.NeedIndex)
		}
	}
}

// A place with one area: it gets the whole budget up to its gap. An area
// with no population has no per-head figures but is targeted by its gap and
// deprivation like any other.
func TestTargetOneAreaAndZeroPopulation(t *testing.T) {
	rep := targetReport(false)
	rep.Areas = rep.Areas[:1] // DEP alone: gap £255,600
	for _, c := range []struct{ budget, alloc, left float64 }{{1000, 1000, 0}, {255600, 255600, 0}, {300000, 255600, 44400}} {
		tg := Target(rep, c.budget)
		if a := tg.Areas[0]; !near(a.Allocation, c.alloc) || !near(tg.Unallocated, c.left) || a.Rank != 1 {
			t.Errorf("one area, budget %v: allocated %v, left %v; want %v, %v", c.budget, a.Allocation, tg.Unallocated, c.alloc, c.left)
		}
	}

	c := newCounts()
	imd := 40.0
	c.imd, c.accepted, c.fte = &imd, 1250, 1 // 1,250 a year: 5 FTE needed, 4 short
	m := figures(c, 12, DefaultSettings, false)
	if m.FTEPer100k.IsKnown() || m.FundingPer1k.IsKnown() {
		t.Errorf("zero population: per-head figures %v %v, want unknown", m.FTEPer100k, m.FundingPer1k)
	}
	rep.Areas = append(rep.Areas, AreaMetrics{Code: "ZERO", Name: "ZERO", Metrics: m})
	tg := Target(rep, 1e9)
	for _, a := range tg.Areas {
		if a.Code == "ZERO" && (!near(a.NeedIndex, 2) || !near(a.GapCost, 4*42000) || !near(a.Allocation, 4*42000)) {
			t.Errorf("zero population: need %v gap %v allocation %v", a.NeedIndex, a.GapCost, a.Allocation)
		}
	}
}
