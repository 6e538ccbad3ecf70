package sample

import (
	"math"
	"math/rand/v2"
)

// PCG stream constants: the areas and the monthly facts use separate streams so
// that the areas (and so AreaCodes) depend only on the seed and the scale; the
// published files have streams of their own, so the contract files are the
// same with or without them.
const (
	streamAreas    = 0x5a4e_a5c0_de00_0001
	streamFacts    = 0xfac7_5000_0000_0002
	streamOutcomes = 0x0c0e_0000_0000_0003

	streamWorkforce    = 0x3f7e_0000_0000_0004 // the published workforce census
	streamAppointments = 0x9ad0_0000_0000_0005 // the published appointments crosstab
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

func clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// round1 and round2 round to 1 and 2 decimal places.
func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// binomial draws from Binomial(n, p): exactly for small n, by a normal
// approximation (clamped to 0..n) for large n.
func binomial(r *rand.Rand, n int, p float64) int {
	if n <= 0 || p <= 0 {
		return 0
	}
	if p >= 1 {
		return n
	}
	if n <= 40 {
		k := 0
		for i := 0; i < n; i++ {
			if r.Float64() < p {
				k++
			}
		}
		return k
	}
	mu := float64(n) * p
	k := int(math.Round(mu + math.Sqrt(mu*(1-p))*r.NormFloat64()))
	if k < 0 {
		return 0
	}
	if k > n {
		return n
	}
	return k
}

// poisson draws from Poisson(mu): Knuth's method for small mu, a normal
// approximation otherwise.
func poisson(r *rand.Rand, mu float64) int {
	if mu <= 0 {
		return 0
	}
	if mu < 30 {
		l := math.Exp(-mu)
		k, p := 0, 1.0
		for {
			p *= r.Float64()
			if p <= l {
				return k
			}
			k++
		}
	}
	k := int(math.Round(mu + math.Sqrt(mu)*r.NormFloat64()))
	if k < 0 {
		return 0
	}
	return k
}

// truncated draws from draw until the value lies in [lo, hi] (clamping after 20 tries).
func truncated(r *rand.Rand, lo, hi float64, draw func() float64) float64 {
	x := draw()
	for i := 0; i < 20 && (x < lo || x > hi); i++ {
		x = draw()
	}
	return clamp(x, lo, hi)
}
