package queries

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Median selects instead of sorting: it must give a sort's median for any
// values, with many repeats, already sorted or reversed, odd or even.
func TestMedianIsASortsMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func(n int) []float64{
		"random": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = r.Float64() * 100
			}
			return xs
		},
		"few values": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(r.IntN(4))
			}
			return xs
		},
		"sorted": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(i) / 2
			}
			return xs
		},
		"reversed": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(n - i)
			}
			return xs
		},
		"organ pipe": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(min(i, n-i))
			}
			return xs
		},
	}
	for name, shape := range shapes {
		for _, n := range []int{1, 2, 3, 4, 5, 10, 11, 100, 101, 1000, 4097, 30000} {
			xs := shape(n)
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			want := sorted[n/2]
			if n%2 == 0 {
				want = (sorted[n/2-1] + sorted[n/2]) / 2
			}
			got, ok := Median(xs)
			if !ok || got != want {
				t.Errorf("%s, %d values: median %v (ok %v), want %v", name, n, got, ok, want)
			}
			slices.Sort(xs)
			if !slices.Equal(xs, sorted) {
				t.Errorf("%s, %d values: the values changed, not only their order", name, n)
			}
			for _, k := range []int{0, n / 3, n - 1} {
				ys := shape(n)
				want := slices.Clone(ys)
				slices.Sort(want)
				selectNth(ys, k)
				if ys[k] != want[k] || slices.Max(ys[:k+1]) != ys[k] || slices.Min(ys[k:]) != ys[k] {
					t.Errorf("%s, %d values: the %dth is %v, want %v with nothing greater before it nor smaller after", name, n, k, ys[k], want[k])
				}
			}
		}
	}
	if _, ok := Median(nil); ok {
		t.Error("a median of nothing")
	}
}
