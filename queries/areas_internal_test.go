package queries

import "testing"

// An area none of whose PCNs has a known deprivation score has none; one
// with some weighs only those by their population; a place keeps only its
// own PCNs; names are the first PCN's.
func TestAtLevelWeighsKnownScoresOnly(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	table := areaTable{
		{code: "U1", name: "One", icb: "Q1", icbName: "ICB one", region: "Y1", regionName: "North", population: 100, imd: f(10)},
		{code: "U2", name: "Two", icb: "Q1", icbName: "ICB one (old name)", region: "Y1", regionName: "North", population: 300, imd: nil},
		{code: "U3", name: "Three", icb: "Q1", icbName: "ICB one", region: "Y1", regionName: "North", population: 100, imd: f(30)},
		{code: "U4", name: "Four", icb: "Q2", icbName: "ICB two", region: "Y1", regionName: "North", population: 50, imd: nil},
		{code: "U5", name: "Five", icb: "Q0", icbName: "ICB zero", region: "Y2", regionName: "South", population: 70, imd: f(5)},
	}
	areas, eng, err := table.atLevel(Place{Code: "Y1", Level: LevelRegion}, LevelICB, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(areas) != 2 || areas[0].code != "Q1" || areas[1].code != "Q2" {
		t.Fatalf("areas = %+v, want Q1 and Q2 of region Y1 in code order", areas)
	}
	q1, q2 := areas[0], areas[1]
	if q1.name != "ICB one" || q1.parentCode != "Y1" || q1.parentName != "North" || q1.population != 500 {
		t.Errorf("Q1 = %s %s %s %v", q1.name, q1.parentCode, q1.parentName, q1.population)
	}
	if q1.imd == nil || *q1.imd != 20 { // (100×10 + 100×30) ÷ 200: U2's population is not weighed
		t.Errorf("Q1 deprivation = %v, want 20", q1.imd)
	}
	if q2.imd != nil || q2.population != 50 {
		t.Errorf("Q2 deprivation = %v (population %v), want none: no PCN of it has a score", q2.imd, q2.population)
	}
	if eng == nil || eng.code != EnglandCode || eng.population != 620 || eng.imd == nil || *eng.imd != (1000+3000+350)/270.0 {
		t.Errorf("England = %+v, want every PCN: population 620, deprivation %v", eng, (1000+3000+350)/270.0)
	}
	if _, _, err := table.atLevel(England, "district", false); err == nil {
		t.Error("an unknown level gave no error")
	}
	g := table.geography()
	if len(g.Regions) != 2 || g.Regions[0].Code != "Y1" || len(g.ICBs) != 4 || g.ICBs[0].Code != "Q1" || g.ICBs[2].Code != "Q2" || g.ICBs[3].Code != "Q0" {
		t.Errorf("geography regions %v, ICBs %v: want Y1 then Y2, each region's ICBs by code, an ICB named two ways twice", g.Regions, g.ICBs)
	}
	if g.RegionOf("Q0") != "Y2" || g.PCNs[0].Code != "U1" || g.parent["U5"] != "Q0" {
		t.Errorf("geography parents: Q0 in %q, first PCN %v, U5 in %q", g.RegionOf("Q0"), g.PCNs[0], g.parent["U5"])
	}
}
