package queries

import "testing"

// A place's months are its areas' months summed: a month no area has stays
// nil, FTE is settled to the same value whatever order the areas come in,
// and a place none of whose areas has a month is absent.
func TestSumMonthsOfAPlace(t *testing.T) {
	month := func(referrals, fte float64) *counts {
		c := newCounts()
		c.referrals, c.fte = referrals, fte
		c.people[0], c.cohort[0] = referrals/2, referrals
		return c
	}
	areas := map[string][]*counts{
		"A": {month(10, 0.1), nil, month(1, 0.7)},
		"B": {month(20, 0.2), nil, nil},
		"C": {nil, nil, month(2, 0.2)},
	}
	got := sumMonths(areas, "P", 3)
	if len(got) != 1 || len(got["P"]) != 3 {
		t.Fatalf("sumMonths = %v; want the place P's 3 months", got)
	}
	p := got["P"]
	if p[0] == nil || p[0].referrals != 30 || p[0].fte != 0.3 || p[0].people[0] != 15 || p[0].cohort[0] != 30 {
		t.Errorf("month 0: %+v; want 30 referrals, 0.3 FTE (0.1 + 0.2 settled), 15 of 30 people", p[0])
	}
	if p[1] != nil {
		t.Errorf("month 1: %+v; want nil (no area has it)", p[1])
	}
	if p[2] == nil || p[2].referrals != 3 || p[2].fte != 0.9 {
		t.Errorf("month 2: %+v; want 3 referrals and 0.9 FTE", p[2])
	}
	if got := sumMonths(map[string][]*counts{"A": {nil, nil}}, "P", 2); len(got) != 0 {
		t.Errorf("a place with no month: %v; want absent", got)
	}
}
