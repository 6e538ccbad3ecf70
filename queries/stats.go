package queries

import "math"

// Z values of METRICS.md.
const (
	Z95  = 1.959964
	Z998 = 3.090232
)

// Wilson returns the Wilson score interval of people/cohort for z.
// ok is false when cohort is 0.
func Wilson(people, cohort, z float64) (low, high float64, ok bool) {
	if cohort <= 0 {
		return 0, 0, false
	}
	p := people / cohort
	z2 := z * z
	denom := 1 + z2/cohort
	centre := (p + z2/(2*cohort)) / denom
	half := z * math.Sqrt(p*(1-p)/cohort+z2/(4*cohort*cohort)) / denom
	return math.Max(0, centre-half), math.Min(1, centre+half), true
}

// FunnelLimits returns p ± z·√(p(1−p)/n), clamped to [0, 1].
func FunnelLimits(p, n, z float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	half := z * math.Sqrt(p*(1-p)/n)
	return math.Max(0, p-half), math.Min(1, p+half)
}

// Comparison with England's rate.
const (
	Higher      = "higher"
	Lower       = "lower"
	Similar     = "similar"
	NotCompared = "not compared"
)

// MinCohortToCompare is the smallest cohort compared with England.
const MinCohortToCompare = 10

// Compare says whether an area's interval lies wholly above or below
// England's rate.
func Compare(low, high, englandRate, cohort float64) string {
	switch {
	case cohort < MinCohortToCompare:
		return NotCompared
	case low > englandRate:
		return Higher
	case high < englandRate:
		return Lower
	}
	return Similar
}

// Median of sorted values: the mean of the two middle ones when even.
func Median(sorted []float64) (float64, bool) {
	n := len(sorted)
	if n == 0 {
		return 0, false
	}
	if n%2 == 1 {
		return sorted[n/2], true
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2, true
}
