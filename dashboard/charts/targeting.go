package charts

import (
	"fmt"

	ec "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// StackedBars is one horizontal bar per category (area), its series stacked
// end to end: an allocation split into what buys FTE and what buys training.
func StackedBars(categories, codes []string, series []Series, u Unit) *Spec {
	for i := range series {
		series[i].Codes = codes
	}
	return horizontalBars(categories, series, u, "total", 26)
}

// RankLines draws each series' rank (1 at the top) across the categories,
// such as need weights: a bump chart.
func RankLines(categories []string, series []Series, maxRank int, axisName string) *Spec {
	line := ec.NewLine()
	line.SetGlobalOptions(append(common(true, opts.Grid{Left: "8", Right: "24", Top: "24", Bottom: legendSpace(true)}),
		ec.WithXAxisOpts(opts.XAxis{Type: "category", Data: categories, Name: axisName, NameLocation: "middle", NameGap: 28}),
		ec.WithYAxisOpts(opts.YAxis{Type: "value", Name: "Rank", Inverse: opts.Bool(true), Min: 1, Max: maxRank, MinInterval: 1}),
	)...)
	line.SetXAxis(categories)
	spec := &Spec{}
	for i, s := range series {
		data := make([]opts.LineData, len(s.Values))
		for j, v := range s.Values {
			data[j] = opts.LineData{Value: Unit{}.value(v)}
		}
		line.AddSeries(s.Name, data,
			ec.WithLineChartOpts(opts.LineChart{Symbol: Symbols[i%len(Symbols)], SymbolSize: 8, ShowSymbol: opts.Bool(true)}),
			ec.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: lineType(i)}))
		spec.Codes = append(spec.Codes, s.Codes)
	}
	spec.Options = withTooltip(finish(line), "axis")
	spec.Height = 360
	return spec
}

// Scatter plots one point per area: x against y, each point named and linked
// to its area, with the tooltip text given.
func Scatter(points []XY, xName, yName string, xu, yu Unit) *Spec {
	sc := ec.NewScatter()
	sc.SetGlobalOptions(append(common(false, opts.Grid{Left: "8", Right: "32", Top: "32", Bottom: legendSpace(false)}),
		ec.WithXAxisOpts(opts.XAxis{Type: "value", Name: xName, NameLocation: "middle", NameGap: 28, AxisLabel: xu.axisLabel(), Scale: opts.Bool(true)}),
		ec.WithYAxisOpts(opts.YAxis{Type: "value", Name: yName, AxisLabel: yu.axisLabel(), Scale: opts.Bool(true)}),
	)...)
	data := make([]opts.ScatterData, len(points))
	codes := make([]string, len(points))
	tips := make([]string, len(points))
	for i, p := range points {
		data[i] = opts.ScatterData{Name: p.Name, Value: []any{xu.value(&p.X), yu.value(&p.Y)}}
		codes[i], tips[i] = p.Code, p.Tip
		if tips[i] == "" {
			tips[i] = fmt.Sprintf("%s\n%s: %v%s\n%s: %v%s", p.Name, xName, xu.value(&p.X), xu.suffix(), yName, yu.value(&p.Y), yu.suffix())
		}
	}
	sc.AddSeries(yName, data, ec.WithScatterChartOpts(opts.ScatterChart{Symbol: "circle", SymbolSize: 10}))
	return &Spec{Options: withTooltip(finish(sc), "item"), Codes: [][]string{codes}, Tips: [][]string{tips}, Height: 420}
}

// XY is one point of a scatter.
type XY struct {
	Code, Name, Tip string
	X, Y            float64
}
