package charts

import (
	"encoding/json"
	"math"
	"strconv"

	ec "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"spdash/queries"
)

// Interval is one category's rate with its 95% interval and a reference
// rate (England's), all proportions; nil when unknown.
type Interval struct {
	Category        string
	Rate, Low, High *float64
	Reference       *float64
	Tip             string // tooltip text, lines separated by \n
}

// Intervals draws each category's rate as a dot on its 95% interval (a
// floating bar), with the reference rate as a diamond. The floating bar is
// two stacked bars, the first transparent: JSON cannot carry the custom
// series' drawing function that true error bars need.
func Intervals(rows []Interval, rateName, refName string) *Spec {
	pct := Unit{Percent: true, Decimals: 1, Name: "Rate (%)"}
	cats := make([]string, len(rows))
	base := make([]opts.BarData, len(rows))
	width := make([]opts.BarData, len(rows))
	var rates, refs []opts.ScatterData
	var rateTips, refTips []string
	for i, r := range rows {
		cats[i] = r.Category
		base[i], width[i] = floatingBar(r.Low, r.High, pct)
		if r.Rate != nil {
			rates = append(rates, opts.ScatterData{Name: r.Category, Value: []any{pct.value(r.Rate), i}})
			rateTips = append(rateTips, r.Tip)
		}
		if r.Reference != nil {
			refs = append(refs, opts.ScatterData{Name: r.Category, Value: []any{pct.value(r.Reference), i}})
			refTips = append(refTips, refName+": "+formatPct(*r.Reference))
		}
	}
	bar := ec.NewBar()
	bar.SetGlobalOptions(append(common(true, opts.Grid{Left: "8", Right: "32", Top: "16", Bottom: legendSpace(true)}),
		ec.WithXAxisOpts(opts.XAxis{Type: "value", Name: pct.Name, NameLocation: "middle", NameGap: 28, AxisLabel: pct.axisLabel()}),
		ec.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: axisNameWidth}),
	)...)
	bar.SetXAxis(cats)
	addFloatingBars(bar, base, width, "14")
	bar.XYReversal()
	dots := ec.NewScatter()
	dots.AddSeries(rateName, rates, ec.WithScatterChartOpts(opts.ScatterChart{Symbol: "circle", SymbolSize: 13}),
		ec.WithItemStyleOpts(opts.ItemStyle{Color: "#0072B2", BorderColor: "#ffffff", BorderWidth: 1}))
	tips := [][]string{nil, nil, rateTips}
	if len(refs) > 0 {
		dots.AddSeries(refName, refs, ec.WithScatterChartOpts(opts.ScatterChart{Symbol: "diamond", SymbolSize: 15}),
			ec.WithItemStyleOpts(opts.ItemStyle{Color: "#D55E00", BorderColor: "#ffffff", BorderWidth: 1}))
		tips = append(tips, refTips)
	}
	bar.Overlap(dots)
	o := withTooltip(finish(bar), "item")
	silenceFloatingBars(o)
	// The legend leaves out the transparent base.
	o["legend"] = map[string]any{"bottom": 0, "data": legendNames(o, 1)}
	return &Spec{Options: o, Tips: tips, Height: rowHeight(len(rows), 34) + 40, Suffix: "%"}
}

// Point is one area in a funnel plot.
type Point struct {
	Code, Name   string
	People, Size float64 // people with the outcome and the cohort
	Tip          string
}

// Funnel plots each area's rate against its cohort size, with England's rate
// and the 95% and 99.8% control limits around it (METRICS.md): an area
// outside the limits differs from England by more than chance would explain.
func Funnel(points []Point, englandRate float64, areaName string) *Spec {
	pct := Unit{Percent: true, Decimals: 2}
	data := make([]opts.ScatterData, 0, len(points))
	codes := make([]string, 0, len(points))
	tips := make([]string, 0, len(points))
	maxN := 10.0
	minN := math.Inf(1)
	for _, p := range points {
		if p.Size <= 0 {
			continue
		}
		r := p.People / p.Size
		data = append(data, opts.ScatterData{Name: p.Name, Value: []any{p.Size, pct.value(&r)}})
		codes = append(codes, p.Code)
		tips = append(tips, p.Tip)
		maxN = math.Max(maxN, p.Size)
		minN = math.Min(minN, p.Size)
	}
	if math.IsInf(minN, 1) {
		minN = 1
	}
	sc := ec.NewScatter()
	sc.SetGlobalOptions(append(common(true, opts.Grid{Left: "8", Right: "32", Top: "40", Bottom: legendSpace(true)}),
		ec.WithXAxisOpts(opts.XAxis{Type: "value", Name: "Cohort (people)", NameLocation: "middle", NameGap: 28}),
		ec.WithYAxisOpts(opts.YAxis{Type: "value", Name: "Rate (%)", AxisLabel: pct.axisLabel(), Scale: opts.Bool(true)}),
	)...)
	sc.AddSeries(areaName, data, ec.WithScatterChartOpts(opts.ScatterChart{Symbol: "circle", SymbolSize: 10}),
		ec.WithItemStyleOpts(opts.ItemStyle{Color: "#0072B2"}))

	// The limits as curves over a grid of cohort sizes, spaced evenly on a
	// log scale so the funnel's narrow end is smooth.
	lo, hi := math.Max(1, minN*0.8), maxN*1.05
	const steps = 48
	grid := make([]float64, steps+1)
	for i := range grid {
		grid[i] = lo * math.Pow(hi/lo, float64(i)/steps)
	}
	curve := func(z float64, upper bool) []opts.LineData {
		out := make([]opts.LineData, len(grid))
		for i, n := range grid {
			l, h := queries.FunnelLimits(englandRate, n, z)
			v := l
			if upper {
				v = h
			}
			out[i] = opts.LineData{Value: []any{math.Round(n*10) / 10, pct.value(&v)}}
		}
		return out
	}
	flat := []opts.LineData{{Value: []any{0, pct.value(&englandRate)}}, {Value: []any{math.Round(hi), pct.value(&englandRate)}}}
	lines := ec.NewLine()
	style := func(color, kind string) []ec.SeriesOpts {
		return []ec.SeriesOpts{
			ec.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none"}),
			ec.WithLineStyleOpts(opts.LineStyle{Color: color, Width: 2, Type: kind}),
			ec.WithItemStyleOpts(opts.ItemStyle{Color: color}),
		}
	}
	lines.AddSeries("England's rate", flat, style("#0b0c0c", "solid")...)
	lines.AddSeries("95% limits", curve(queries.Z95, true), style("#E69F00", "dashed")...)
	lines.AddSeries("95% limits", curve(queries.Z95, false), style("#E69F00", "dashed")...)
	lines.AddSeries("99.8% limits", curve(queries.Z998, true), style("#D55E00", "dotted")...)
	lines.AddSeries("99.8% limits", curve(queries.Z998, false), style("#D55E00", "dotted")...)
	sc.Overlap(lines)
	o := withTooltip(finish(sc), "item")
	patchSeries(o, func(i int, s map[string]any) {
		if i > 0 {
			s["silent"] = true
			s["tooltip"] = map[string]any{"show": false}
		}
	})
	o["legend"] = map[string]any{"bottom": 0, "data": []string{areaName, "England's rate", "95% limits", "99.8% limits"}}
	return &Spec{Options: o, Codes: [][]string{codes}, Tips: [][]string{tips}, Height: 440, Suffix: "%"}
}

// patchSeries edits the series as plain maps, for the few ECharts options
// go-echarts' series type lacks (silent, tooltip.show).
func patchSeries(o map[string]any, patch func(i int, s map[string]any)) {
	patchList(o, "series", patch)
}

// patchList turns the list o[key] into plain maps and edits each.
func patchList(o map[string]any, key string, patch func(i int, m map[string]any)) {
	if o[key] == nil {
		return
	}
	b, err := json.Marshal(o[key])
	if err != nil {
		panic(err) // go-echarts' own types always marshal
	}
	var list []map[string]any
	if err := json.Unmarshal(b, &list); err != nil {
		panic(err)
	}
	for i := range list {
		patch(i, list[i])
	}
	o[key] = list
}

// legendNames lists the series names from index from on, once each.
func legendNames(o map[string]any, from int) []string {
	var names []string
	seen := map[string]bool{}
	for i, s := range o["series"].([]map[string]any) {
		name, _ := s["name"].(string)
		if i >= from && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

func formatPct(v float64) string {
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}
