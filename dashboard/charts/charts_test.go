package charts

import (
	"encoding/json"
	"strings"
	"testing"
)

func f(v float64) *float64 { return &v }

func decode(t *testing.T, s *Spec) map[string]any {
	t.Helper()
	raw, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json escapes <, > and &: the JSON can sit in a <script> element.
	if strings.ContainsAny(string(raw), "<>") {
		t.Errorf("marshalled options contain < or >: %.200s", raw)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestAreaBarsCarryCodesAndUnknowns(t *testing.T) {
	spec := AreaBars("FTE", []Item{
		{Code: "A1", Name: "</script><b>x</b>", Value: f(1.26)},
		{Code: "A2", Name: "Second", Value: nil},
	}, Unit{Decimals: 1, Name: "FTE"}, &Reference{Label: "England", Value: 2})
	doc := decode(t, spec)
	opts := doc["options"].(map[string]any)
	series := opts["series"].([]any)[0].(map[string]any)
	data := series["data"].([]any)
	if data[0].(map[string]any)["value"] != 1.3 || data[1].(map[string]any)["value"] != "-" {
		t.Errorf("values: %v", data)
	}
	if codes := doc["codes"].([]any)[0].([]any); len(codes) != 2 || codes[0] != "A1" {
		t.Errorf("codes: %v", codes)
	}
	if names := opts["yAxis"].([]any)[0].(map[string]any)["data"].([]any); names[0] != "</script><b>x</b>" {
		t.Errorf("names: %v", names)
	}
	if opts["color"].([]any)[0] != Palette[0] || len(opts["grid"].([]any)) != 1 {
		t.Errorf("palette or grid: %v %v", opts["color"], opts["grid"])
	}
	if tt := opts["tooltip"].(map[string]any); tt["renderMode"] != "richText" {
		t.Errorf("tooltip %v: must be drawn on the canvas (the CSP blocks HTML tooltips' styles)", tt)
	}
}

func TestPercentUnit(t *testing.T) {
	u := Unit{Percent: true, Decimals: 1}
	if got := u.value(f(0.12345)); got != 12.3 {
		t.Errorf("0.12345 as a percentage: %v", got)
	}
	if got := u.value(nil); got != "-" {
		t.Errorf("unknown: %v", got)
	}
}

// A chart's value is rounded as the page's table writes it (strconv, from
// the exact binary value): 36.15 is 36.149999… and shows as 36.1 in both.
func TestValuesRoundAsTheTablesDo(t *testing.T) {
	for _, c := range []struct {
		unit Unit
		in   float64
		want float64
	}{
		{Unit{Decimals: 1}, 36.15, 36.1}, // math.Round(361.5)/10 would give 36.2
		{Unit{Decimals: 1}, 8.85, 8.8},
		{Unit{Decimals: 1}, 2.25, 2.2}, // exactly halfway: to even, as strconv does
		{Unit{Decimals: 1}, 2.35, 2.4},
		{Unit{Decimals: 0}, 14.5, 14},
		{Unit{Percent: true, Decimals: 1}, 0.3625, 36.2},
	} {
		if got := c.unit.value(f(c.in)); got != c.want {
			t.Errorf("%+v of %v: %v, want %v", c.unit, c.in, got, c.want)
		}
	}
}

func TestFunnelLimitsSurroundEnglandsRate(t *testing.T) {
	spec := Funnel([]Point{{Code: "A", Name: "A", People: 10, Size: 100}, {Code: "B", Name: "B", People: 300, Size: 1000}}, 0.2, "PCNs")
	doc := decode(t, spec)
	series := doc["options"].(map[string]any)["series"].([]any)
	if len(series) != 6 {
		t.Fatalf("%d series, want areas, England and four limits", len(series))
	}
	for i, s := range series[1:] {
		sm := s.(map[string]any)
		if sm["silent"] != true {
			t.Errorf("line %d is clickable", i+1)
		}
		for _, d := range sm["data"].([]any) {
			y := d.(map[string]any)["value"].([]any)[1].(float64)
			switch {
			case i == 0 && y != 20:
				t.Errorf("England's line at %v%%", y)
			case (i == 1 || i == 3) && y < 20, (i == 2 || i == 4) && y > 20:
				t.Errorf("limit %d on the wrong side of England: %v", i, y)
			}
		}
	}
	if codes := doc["codes"].([]any)[0].([]any); len(codes) != 2 {
		t.Errorf("codes %v", codes)
	}
}

func TestIntervalsHideTheFloatingBase(t *testing.T) {
	spec := Intervals([]Interval{{Category: "Employment", Rate: f(0.1), Low: f(0.08), High: f(0.12), Reference: f(0.09), Tip: "t"}}, "Area", "England")
	doc := decode(t, spec)
	opts := doc["options"].(map[string]any)
	base := opts["series"].([]any)[0].(map[string]any)
	if base["silent"] != true || base["itemStyle"].(map[string]any)["color"] != "transparent" {
		t.Errorf("base series %v", base)
	}
	legend := opts["legend"].(map[string]any)["data"].([]any)
	if len(legend) != 3 || legend[0] != "95% interval" {
		t.Errorf("legend %v", legend)
	}
	width := opts["series"].([]any)[1].(map[string]any)["data"].([]any)[0].(map[string]any)["value"]
	if width != 4.0 {
		t.Errorf("interval width %v, want 4 (points)", width)
	}
}

func TestReferenceLineFitsOnTheAxis(t *testing.T) {
	spec := AreaBars("FTE", []Item{{Code: "A", Name: "A", Value: f(5.2)}}, Unit{Decimals: 1}, &Reference{Label: "England", Value: 6.8})
	axis := decode(t, spec)["options"].(map[string]any)["xAxis"].([]any)[0].(map[string]any)
	if axis["max"] != 10.0 {
		t.Errorf("axis max %v, want 10 (room for England's 6.8)", axis["max"])
	}
	for v, want := range map[float64]float64{0.7: 1, 1.2: 2, 2.1: 2.5, 3: 5, 7.14: 10, 71.4: 100} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}
