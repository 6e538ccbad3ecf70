package queries

import (
	"math"
	"math/bits"
	"slices"
)

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

// Median of the values: the mean of the two middle ones when even. It
// reorders them (a selection, not a sort: England's median wait is taken
// over every wait of the period, and a sort of them cost a cold page 3–4 ms).
func Median(values []float64) (float64, bool) {
	n := len(values)
	if n == 0 {
		return 0, false
	}
	selectNth(values, n/2)
	if n%2 == 1 {
		return values[n/2], true
	}
	return (slices.Max(values[:n/2]) + values[n/2]) / 2, true
}

// selectNth reorders xs so that xs[k] holds what a sort would put there,
// with nothing greater before it and nothing smaller after it (quickselect
// with a median-of-three pivot; a sort of what is left once it has taken
// twice the passes a balanced split would).
func selectNth(xs []float64, k int) {
	lo, hi := 0, len(xs)-1
	for passes := 2 * bits.Len(uint(len(xs))); lo < hi; passes-- {
		if passes == 0 {
			slices.Sort(xs[lo : hi+1])
			return
		}
		m := lo + (hi-lo)/2
		if xs[m] < xs[lo] {
			xs[m], xs[lo] = xs[lo], xs[m]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[m] {
			xs[hi], xs[m] = xs[m], xs[hi]
		}
		p := xs[m]
		i, j := lo, hi
		for i <= j {
			for xs[i] < p {
				i++
			}
			for xs[j] > p {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		// xs[lo..j] ≤ p ≤ xs[i..hi], and what lies between equals p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}
