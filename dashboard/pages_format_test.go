package dashboard

import (
	"testing"
)

func TestNumberFormats(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	cases := []struct{ got, want string }{
		{fmtCount(0), "0"},
		{fmtCount(999), "999"},
		{fmtCount(1234), "1,234"},
		{fmtCount(1234567.4), "1,234,567"},
		{fmtCount(-1234), "-1,234"},
		{fmtNum(1234.56), "1,234.6"},
		{fmtNum(-0.04), "0.0"},
		{fmtNumPtr(nil), "unknown"},
		{fmtPct(v(0.1234)), "12.3%"},
		{fmtPct(v(1)), "100.0%"},
		{fmtPct(nil), "unknown"},
		{fmtDays(v(1)), "1 day"},
		{fmtDays(v(12.26)), "12.3 days"},
		{fmtInterval(v(0.041), v(0.06)), "4.1% to 6.0%"},
		{fmtInterval(nil, v(0.06)), "unknown"},
		{changeText(v(110), v(100), changePercent, 12), "Up 10.0% on the previous 12 months"},
		{changeText(v(0.05), v(0.07), changePoints, 6), "Down 2.0 percentage points on the previous 6 months"},
		{changeText(v(3), v(3), changeAbsolute, 1), "No change on the previous 1 month"},
		{changeText(v(3), nil, changeAbsolute, 12), "No figure to compare for the previous 12 months"},
		{changeText(v(3), v(0), changePercent, 12), "No figure to compare for the previous 12 months"},
		{capitalise("region"), "Region"},
		{lowerFirst("Entered employment"), "entered employment"},
		{lowerFirst("IPS awareness"), "IPS awareness"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
}
