package queries

import "testing"

// Recent trends worked by hand.
func TestRecentTrendByHand(t *testing.T) {
	n := []float64{100, 100, 100, 100, 100, 100}
	for _, c := range []struct {
		name string
		x, n []float64
		want string
	}{
		{"rising steadily", []float64{10, 20, 30, 40, 50, 60}, n, TrendIncreasing},
		{"falling steadily", []float64{60, 50, 40, 30, 20, 10}, n, TrendDecreasing},
		{"flat", []float64{30, 30, 30, 30, 30, 30}, n, TrendNoChange},
		// Beyond the 99.8% point only because of the last month: left out,
		// D turns negative, so no significant change.
		{"one month carries it", []float64{31, 30, 29, 28, 27, 95}, n, TrendNoChange},
		// A small rise, within chance.
		{"within chance", []float64{30, 31, 30, 32, 31, 33}, n, TrendNoChange},
		// Four months with a cohort: cannot be calculated; a month without
		// one keeps its place (t) but adds nothing.
		{"four months", []float64{10, 0, 20, 0, 30, 40}, []float64{100, 0, 100, 0, 100, 100}, TrendCannot},
		{"a gap keeps positions", []float64{10, 0, 20, 30, 40, 50}, []float64{100, 0, 100, 100, 100, 100}, TrendIncreasing},
		{"all achieved", []float64{100, 100, 100, 100, 100, 100}, n, TrendNoChange},
		{"none achieved", []float64{0, 0, 0, 0, 0, 0}, n, TrendNoChange},
	} {
		if got := RecentTrend(c.x, c.n); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
