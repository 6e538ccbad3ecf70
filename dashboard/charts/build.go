package charts

import (
	"fmt"
	"math"

	ec "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// AreaBars is a horizontal bar per area, in the order given (first at the
// top), with an optional reference line such as England's figure.
func AreaBars(series string, items []Item, u Unit, ref *Reference) *Spec {
	names := make([]string, len(items))
	codes := make([]string, len(items))
	data := make([]opts.BarData, len(items))
	for i, it := range items {
		names[i], codes[i] = it.Name, it.Code
		data[i] = opts.BarData{Name: it.Name, Value: u.value(it.Value)}
	}
	xAxis := opts.XAxis{Type: "value", Name: u.Name, NameLocation: "middle", NameGap: 28, AxisLabel: u.axisLabel()}
	if ref != nil {
		// ECharts does not stretch an axis to a mark line: make room for it.
		top := ref.Value
		for _, it := range items {
			if it.Value != nil && *it.Value > top {
				top = *it.Value
			}
		}
		if top == ref.Value {
			xAxis.Max = niceCeil(u.value(&ref.Value).(float64) * 1.05)
		}
	}
	bar := ec.NewBar()
	bar.SetGlobalOptions(append(common(false, opts.Grid{Left: "8", Right: "48", Top: "28", Bottom: legendSpace(false)}),
		ec.WithXAxisOpts(xAxis),
		ec.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: axisNameWidth}),
	)...)
	bar.SetXAxis(names)
	seriesOpts := []ec.SeriesOpts{barMaxWidth("28")}
	if ref != nil {
		seriesOpts = append(seriesOpts, referenceLine(ref.Label, u.value(&ref.Value), ref.Label+": {c}"+u.suffix())...)
	}
	bar.AddSeries(series, data, seriesOpts...)
	bar.XYReversal()
	return &Spec{Options: withTooltip(finish(bar), "axis"), Codes: [][]string{codes}, Height: rowHeight(len(items), 26), Suffix: u.suffix()}
}

// Lines is one line per series over the categories (months).
func Lines(categories []string, series []Series, u Unit) *Spec {
	line := ec.NewLine()
	line.SetGlobalOptions(append(common(len(series) > 1, opts.Grid{Left: "8", Right: "24", Top: "40", Bottom: legendSpace(len(series) > 1)}),
		ec.WithXAxisOpts(opts.XAxis{Type: "category", Data: categories}),
		ec.WithYAxisOpts(opts.YAxis{Type: "value", Name: u.Name, AxisLabel: u.axisLabel()}),
	)...)
	line.SetXAxis(categories)
	for i, s := range series {
		data := make([]opts.LineData, len(s.Values))
		for j, v := range s.Values {
			data[j] = opts.LineData{Value: u.value(v)}
		}
		line.AddSeries(s.Name, data,
			ec.WithLineChartOpts(opts.LineChart{Symbol: Symbols[i%len(Symbols)], SymbolSize: 7, ShowSymbol: opts.Bool(true)}),
			ec.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: lineType(i)}))
	}
	return &Spec{Options: withTooltip(finish(line), "axis"), Suffix: u.suffix()}
}

// lineType varies the dash of lines beyond the first few, so they differ in
// more than colour.
func lineType(i int) string {
	switch i / 3 % 3 {
	case 1:
		return "dashed"
	case 2:
		return "dotted"
	}
	return "solid"
}

// GroupedBars is horizontal groups of bars: one group per category, one bar
// per series (for example each module's coverage in an area and in England).
func GroupedBars(categories []string, series []Series, u Unit) *Spec {
	return horizontalBars(categories, series, u, "", 14+16*len(series))
}

// horizontalBars draws a bar per series in each category, side by side, or
// end to end when stack names a stack.
func horizontalBars(categories []string, series []Series, u Unit, stack string, perRow int) *Spec {
	bar := ec.NewBar()
	bar.SetGlobalOptions(append(common(len(series) > 1, opts.Grid{Left: "8", Right: "32", Top: "16", Bottom: legendSpace(len(series) > 1)}),
		ec.WithXAxisOpts(opts.XAxis{Type: "value", Name: u.Name, NameLocation: "middle", NameGap: 28, AxisLabel: u.axisLabel()}),
		ec.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: axisNameWidth}),
	)...)
	bar.SetXAxis(categories)
	spec := &Spec{Suffix: u.suffix()}
	for _, s := range series {
		data := make([]opts.BarData, len(s.Values))
		for j, v := range s.Values {
			data[j] = opts.BarData{Name: categories[j], Value: u.value(v)}
		}
		seriesOpts := []ec.SeriesOpts{barMaxWidth("22")}
		if stack != "" {
			seriesOpts = append(seriesOpts, ec.WithBarChartOpts(opts.BarChart{Stack: stack}))
		}
		bar.AddSeries(s.Name, data, seriesOpts...)
		spec.Codes = append(spec.Codes, s.Codes)
	}
	bar.XYReversal()
	spec.Options = withTooltip(finish(bar), "axis")
	spec.Height = rowHeight(len(categories), perRow) + 30
	return spec
}

// Dots is a dot plot: one row per category (area), one dot per series on a
// shared value axis, each series with its own colour and shape.
func Dots(categories, codes []string, series []Series, u Unit) *Spec {
	sc := ec.NewScatter()
	sc.SetGlobalOptions(append(common(true, opts.Grid{Left: "8", Right: "32", Top: "16", Bottom: legendSpace(true)}),
		ec.WithXAxisOpts(opts.XAxis{Type: "value", Name: u.Name, NameLocation: "middle", NameGap: 28, AxisLabel: u.axisLabel()}),
		ec.WithYAxisOpts(opts.YAxis{Type: "category", Data: categories, Inverse: opts.Bool(true), AxisLabel: axisNameWidth}),
	)...)
	spec := &Spec{Suffix: u.suffix()}
	for i, s := range series {
		data := make([]opts.ScatterData, 0, len(s.Values))
		seriesCodes := make([]string, 0, len(s.Values))
		tips := make([]string, 0, len(s.Values))
		for j, v := range s.Values {
			if v == nil {
				continue // an unknown rate has no dot; the table says "unknown"
			}
			value := u.value(v)
			data = append(data, opts.ScatterData{Name: categories[j], Value: []any{value, j}})
			seriesCodes = append(seriesCodes, codes[j])
			tips = append(tips, fmt.Sprintf("%s\n%s: %v%s", categories[j], s.Name, value, u.suffix()))
		}
		spec.Tips = append(spec.Tips, tips)
		sc.AddSeries(s.Name, data, ec.WithScatterChartOpts(opts.ScatterChart{Symbol: Symbols[i%len(Symbols)], SymbolSize: 11}))
		spec.Codes = append(spec.Codes, seriesCodes)
	}
	spec.Options = withTooltip(finish(sc), "item")
	spec.Height = rowHeight(len(categories), 30) + 40
	return spec
}

// withTooltip replaces go-echarts' tooltip, which can say neither of these:
// renderMode richText draws the tooltip on the canvas, because ECharts' HTML
// tooltip sets style attributes, which the CSP (style-src 'self') blocks, and
// text drawn on a canvas can never be markup; confine keeps it inside the
// chart on a narrow screen.
func withTooltip(o map[string]any, trigger string) map[string]any {
	t := map[string]any{"trigger": trigger, "confine": true, "renderMode": "richText"}
	if trigger == "axis" {
		t["axisPointer"] = map[string]any{"type": "shadow"}
	}
	o["tooltip"] = t
	return o
}

// barMaxWidth keeps bars slim when there are few of them.
func barMaxWidth(w string) ec.SeriesOpts {
	return ec.WithSeriesOpts(func(s *ec.SingleSeries) { s.BarMaxWidth = w })
}

// niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten, for an axis end.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
