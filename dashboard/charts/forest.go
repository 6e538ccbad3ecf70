package charts

import (
	"math"

	ec "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Estimate is one row of a forest plot: an odds ratio with its 95%
// interval; nil when it cannot be estimated.
type Estimate struct {
	Category         string
	Value, Low, High *float64
	Adjusted         bool // drawn dark; the unadjusted model light
	Tip              string
}

// Forest draws each row's odds ratio as a dot on its 95% interval, with a
// line at 1 (no association). The interval is a floating bar, as in
// Intervals.
func Forest(rows []Estimate) *Spec {
	u := Unit{Decimals: 3, Name: "Odds ratio per 10 points of coverage (1 = no association)"}
	cats := make([]string, len(rows))
	base := make([]opts.BarData, len(rows))
	width := make([]opts.BarData, len(rows))
	var adj, unadj []opts.ScatterData
	var adjTips, unadjTips []string
	lo, hi := 1.0, 1.0
	for i, r := range rows {
		cats[i] = r.Category
		base[i], width[i] = floatingBar(r.Low, r.High, u)
		if r.Low != nil && r.High != nil {
			lo, hi = math.Min(lo, u.value(r.Low).(float64)), math.Max(hi, u.value(r.High).(float64))
		}
		if r.Value == nil {
			continue
		}
		d := opts.ScatterData{Name: r.Category, Value: []any{u.value(r.Value), i}}
		if r.Adjusted {
			adj, adjTips = append(adj, d), append(adjTips, r.Tip)
		} else {
			unadj, unadjTips = append(unadj, d), append(unadjTips, r.Tip)
		}
	}
	// The axis shows 1 and every interval, with a margin.
	pad := math.Max(0.02, (hi-lo)*0.08)
	xAxis := opts.XAxis{Type: "value", Name: u.Name, NameLocation: "middle", NameGap: 28,
		Min: math.Floor((lo-pad)*100) / 100, Max: math.Ceil((hi+pad)*100) / 100}
	bar := ec.NewBar()
	bar.SetGlobalOptions(append(common(true, opts.Grid{Left: "8", Right: "32", Top: "28", Bottom: legendSpace(true)}),
		ec.WithXAxisOpts(xAxis),
		ec.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: axisNameWidth}),
	)...)
	bar.SetXAxis(cats)
	addFloatingBars(bar, base, width, "12", referenceLine("No association", 1, "1 = no association")...)
	bar.XYReversal()
	dots := ec.NewScatter()
	dots.AddSeries("Adjusted for deprivation and long-term sickness", adj, ec.WithScatterChartOpts(opts.ScatterChart{Symbol: "circle", SymbolSize: 13}),
		ec.WithItemStyleOpts(opts.ItemStyle{Color: "#0072B2", BorderColor: "#ffffff", BorderWidth: 1}))
	dots.AddSeries("Coverage alone (unadjusted)", unadj, ec.WithScatterChartOpts(opts.ScatterChart{Symbol: "diamond", SymbolSize: 13}),
		ec.WithItemStyleOpts(opts.ItemStyle{Color: "#E69F00", BorderColor: "#ffffff", BorderWidth: 1}))
	bar.Overlap(dots)
	o := withTooltip(finish(bar), "item")
	silenceFloatingBars(o)
	o["legend"] = map[string]any{"bottom": 0, "data": legendNames(o, 2)}
	return &Spec{Options: o, Tips: [][]string{nil, nil, adjTips, unadjTips}, Height: rowHeight(len(rows), 30) + 40}
}

// Ranges draws each row's value as a dot on its 95% interval, where values
// may be negative (a difference such as the slope index of inequality): the
// interval is a line between its ends, one series a row (the stacked bars of
// Intervals and Forest cannot cross 0), with a line at zero.
func Ranges(rows []Estimate, u Unit, valueName string) *Spec {
	cats := make([]string, len(rows))
	var dots []opts.ScatterData
	var tips []string
	lo, hi := 0.0, 0.0
	for i, r := range rows {
		cats[i] = r.Category
		if r.Value == nil || r.Low == nil || r.High == nil {
			continue
		}
		l, h := u.value(r.Low).(float64), u.value(r.High).(float64)
		lo, hi = math.Min(lo, l), math.Max(hi, h)
		dots = append(dots, opts.ScatterData{Name: r.Category, Value: []any{u.value(r.Value), i}})
		tips = append(tips, r.Tip)
	}
	sc := ec.NewScatter()
	sc.SetGlobalOptions(append(common(true, opts.Grid{Left: "8", Right: "32", Top: "28", Bottom: legendSpace(true)}),
		ec.WithXAxisOpts(opts.XAxis{Type: "value", Name: u.Name, NameLocation: "middle", NameGap: 28, AxisLabel: u.axisLabel(),
			Min: math.Floor(lo - 1), Max: math.Ceil(hi + 1)}),
		ec.WithYAxisOpts(opts.YAxis{Type: "category", Data: cats, Inverse: opts.Bool(true), AxisLabel: axisNameWidth}),
	)...)
	var allTips [][]string
	for i, r := range rows {
		if r.Low == nil || r.High == nil {
			continue
		}
		line := ec.NewLine()
		line.AddSeries("95% interval", []opts.LineData{{Value: []any{u.value(r.Low), i}}, {Value: []any{u.value(r.High), i}}},
			ec.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			ec.WithLineStyleOpts(opts.LineStyle{Color: "#56B4E9", Width: 8}))
		sc.Overlap(line)
		allTips = append(allTips, nil)
	}
	sc.AddSeries(valueName, dots, append([]ec.SeriesOpts{ec.WithScatterChartOpts(opts.ScatterChart{Symbol: "circle", SymbolSize: 13}),
		ec.WithItemStyleOpts(opts.ItemStyle{Color: "#0072B2", BorderColor: "#ffffff", BorderWidth: 1})},
		referenceLine("No gap", 0, "0 = no gap")...)...)
	o := withTooltip(finish(sc), "item")
	// The scatter comes first in go-echarts' series, then the overlapped lines.
	patchSeries(o, func(i int, s map[string]any) {
		if i > 0 { // the intervals: no tooltip, not clickable
			s["silent"] = true
			s["tooltip"] = map[string]any{"show": false}
		}
	})
	o["legend"] = map[string]any{"bottom": 0, "data": []string{valueName, "95% interval"}}
	return &Spec{Options: o, Tips: append([][]string{tips}, allTips...), Height: rowHeight(len(rows), 34) + 40, Suffix: u.suffix()}
}
