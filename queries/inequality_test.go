package queries

import (
	"math"
	"testing"
)

func TestDecilesByHand(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	got := Deciles([]PCNFeatureRow{
		{Code: "A", Population: 40, IMD: f(50)}, // midpoint 0.2 exactly: decile 2, not 3
		{Code: "C", Population: 10, IMD: f(30)}, // a tie with B, second by code: (50 + 5) / 100 = 0.55, decile 6
		{Code: "B", Population: 10, IMD: f(30)}, // first by code: (40 + 5) / 100 = 0.45, decile 5
		{Code: "D", Population: 40, IMD: f(10)}, // (60 + 20) / 100 = 0.8: decile 8
		{Code: "E", Population: 900},            // no score: unknown, and not in the total
	})
	for code, want := range map[string]string{"A": "2", "B": "5", "C": "6", "D": "8", "E": DecileUnknown} {
		if got[code] != want {
			t.Errorf("%s: decile %s, want %s", code, got[code], want)
		}
	}
}

// The slope index worked by hand: five deciles of 100, rates 0.1 to 0.5
// rising with the decile (the least deprived do better). x = 0.1, 0.3, …,
// 0.9, x̄ = 0.5; Σw(x−x̄)² = 40, Σw(x−x̄)p = 20: SII = 0.5; SE² = Σ 100
// (x−x̄)² p(1−p) / 40² = 7.04 / 1600.
func TestSlopeIndexByHand(t *testing.T) {
	var d []DecileRate
	for i, p := range []float64{0.1, 0.2, 0.3, 0.4, 0.5} {
		d = append(d, DecileRate{X: float64(i+1) * 10, N: 100})
		_ = p
	}
	s := SlopeIndex(d)
	se := math.Sqrt(7.04 / 1600)
	if s.Status != Calculated || math.Abs(*s.SII-0.5) > 1e-12 || math.Abs(*s.CILow-(0.5-Z95*se)) > 1e-12 || math.Abs(*s.CIHigh-(0.5+Z95*se)) > 1e-12 {
		t.Errorf("SII %+v, want 0.5 ± %g", s, Z95*se)
	}
	// Fewer than 5 deciles with a denominator of at least 10.
	d[4].N, d[4].X = 9, 4
	if s := SlopeIndex(d); s.Status != CannotCalculate || s.SII != nil || s.Deciles != 4 {
		t.Errorf("4 deciles of 10 or more: %+v", s)
	}
	// A decile of 0 is left out, not a rate of 0.
	d = append(d[:4], DecileRate{}, DecileRate{X: 50, N: 100})
	if s := SlopeIndex(d); s.Status != Calculated {
		t.Errorf("with an empty decile: %+v", s)
	}
}
