// Package charts builds the options of the dashboard's ECharts charts with
// go-echarts, as JSON that the page embeds in a data element and that one
// static script (dashboard/static/app.js) draws.
//
// go-echarts' own HTML output is not used: it splices the data into an inline
// script, which lets an area name such as "</script><img …>" inject markup and
// which the server's Content-Security-Policy (script-src 'self') blocks
// anyway. Here the options are plain JSON, escaped by html/template where the
// page puts them.
package charts

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	ec "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Palette is the Okabe–Ito colour-blind-safe palette, darkest and most
// distinct colours first; yellow comes last because it is faint on white.
var Palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"}

// Symbols tell series apart without colour.
var Symbols = []string{"circle", "rect", "triangle", "diamond", "roundRect", "pin", "arrow", "emptyCircle"}

// Spec is what a page embeds for one chart.
type Spec struct {
	// Options are the ECharts options, as go-echarts builds them.
	Options map[string]any `json:"options"`
	// Codes gives, for each series and each data item, the code of the area it
	// shows ("" when it is not an area): a click on the item opens that area's
	// profile. Parallel to the series' data because ECharts data items carry
	// no free fields through go-echarts' typed data.
	Codes [][]string `json:"codes,omitempty"`
	// Query is kept on the profile link, so the period follows the click.
	Query string `json:"query,omitempty"`
	// Height in pixels, for charts whose rows grow with the number of areas;
	// 0 leaves the stylesheet's height.
	Height int `json:"height,omitempty"`
	// Tips are tooltip texts parallel to Codes (lines separated by "\n"),
	// written by the server with the page's number formats; drawn as text on
	// the canvas. Series without tips get ECharts' own tooltip.
	Tips [][]string `json:"tips,omitempty"`
	// Suffix follows values in tooltips ("%"): JSON cannot carry the
	// formatter function, so the static script adds it.
	Suffix string `json:"suffix,omitempty"`
}

// Marshal returns the spec as JSON, for html/template to place in a
// <script type="application/json"> element (where it escapes <, > and &).
func (s *Spec) Marshal() (json.RawMessage, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("chart options: %w", err)
	}
	return b, nil
}

// Unit says how a chart's values are drawn.
type Unit struct {
	Percent  bool   // values are proportions (0.123), drawn as percentages (12.3)
	Decimals int    // decimal places kept in the data
	Name     string // the value axis's name, e.g. "FTE per 100,000 people"
}

// value is what a data item holds: a rounded number, or "-" (ECharts' empty
// value) when unknown.
func (u Unit) value(v *float64) any {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return "-"
	}
	x := *v
	if u.Percent {
		x *= 100
	}
	// Rounded as the tables write it (strconv, from the exact binary
	// value), not math.Round(x*10)/10, which rounds 36.15 (36.149999…) up
	// where the table shows 36.1.
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'f', u.Decimals, 64), 64)
	if err != nil { // cannot happen: FormatFloat writes a number
		return "-"
	}
	return r
}

func (u Unit) suffix() string {
	if u.Percent {
		return "%"
	}
	return ""
}

func (u Unit) axisLabel() *opts.AxisLabel {
	if u.Percent {
		return &opts.AxisLabel{Formatter: "{value}%"}
	}
	return nil
}

// Item is one area's value.
type Item struct {
	Code, Name string
	Value      *float64
}

// Series is one named run of values, parallel to the chart's categories.
type Series struct {
	Name   string
	Values []*float64
	Codes  []string // the area of each value, or nil
}

// Reference is a line drawn across a chart, such as England's figure.
type Reference struct {
	Label string
	Value float64
}

// rowHeight is the height a horizontal chart gives each category.
func rowHeight(rows, perRow int) int {
	h := 70 + rows*perRow
	if h < 220 {
		h = 220
	}
	return h
}

// common are the options every chart shares, with its one grid (go-echarts
// adds a grid for each WithGridOpts, so a chart gives exactly one).
func common(legend bool, grid opts.Grid) []ec.GlobalOpts {
	grid.ContainLabel = opts.Bool(true)
	return []ec.GlobalOpts{
		ec.WithInitializationOpts(opts.Initialization{Theme: "white"}),
		ec.WithLegendOpts(opts.Legend{Show: opts.Bool(legend), Bottom: "0", Type: "scroll"}),
		ec.WithGridOpts(grid),
		ec.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(false)}),
	}
}

// legendSpace is the room below the plot for the axis name and the legend.
func legendSpace(legend bool) string {
	if legend {
		return "64"
	}
	return "36"
}

// finish validates a go-echarts chart and returns its options with the
// palette and font the dashboard uses.
func finish(c interface {
	Validate()
	JSON() map[string]any
}) map[string]any {
	c.Validate()
	o := c.JSON()
	o["color"] = Palette
	delete(o, "title") // each chart's title is an HTML heading
	// Every area's name is shown: a horizontal chart grows a row per area,
	// so ECharts must not thin out the labels of its category axis. (Months
	// along the bottom may be thinned on a narrow screen.)
	patchList(o, "yAxis", func(_ int, a map[string]any) {
		if a["type"] == "category" {
			label, _ := a["axisLabel"].(map[string]any)
			if label == nil {
				label = map[string]any{}
			}
			label["interval"] = 0
			a["axisLabel"] = label
		}
	})
	return o
}

// axisNameWidth shortens long category labels (area names) rather than let
// them take the plot's width or overlap the next row; the full name is in the
// tooltip and the table.
var axisNameWidth = &opts.AxisLabel{Width: 200, Overflow: "truncate"}

// The charts keep ECharts' default font (sans-serif): with another family
// set globally, ECharts 5.4.3 measures axis labels in its default font but
// draws them in the other, and containLabel then cuts long area names.

// referenceLine is a dashed vertical line at x (England's figure, 1 for no
// association, 0 for no gap), labelled above the rows.
func referenceLine(name string, x any, label string) []ec.SeriesOpts {
	return []ec.SeriesOpts{
		ec.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: name, XAxis: x}),
		ec.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(true), Formatter: label, Position: "start"}, // above the rows (the axis runs down)
			LineStyle: &opts.LineStyle{Color: "#0b0c0c", Width: 2, Type: "dashed"},
		}),
	}
}

// Floating bars draw intervals as two stacked bars, the first transparent:
// JSON cannot carry the custom series' drawing function that true error bars
// need. Bars stack from 0, so the base reaches the interval's low end; the
// values cannot cross 0 (Ranges draws those).

// floatingBar is one interval's base and width in u ("-" when unknown).
func floatingBar(low, high *float64, u Unit) (base, width opts.BarData) {
	if low == nil || high == nil {
		return opts.BarData{Value: "-"}, opts.BarData{Value: "-"}
	}
	l, h := u.value(low).(float64), u.value(high).(float64)
	p := math.Pow(10, float64(u.Decimals))
	return opts.BarData{Value: l}, opts.BarData{Value: math.Round((h-l)*p) / p}
}

// addFloatingBars adds the two series of the intervals; extra options go on
// the visible one.
func addFloatingBars(bar *ec.Bar, base, width []opts.BarData, maxWidth string, extra ...ec.SeriesOpts) {
	bar.AddSeries("interval base", base, ec.WithBarChartOpts(opts.BarChart{Stack: "ci"}), barMaxWidth(maxWidth),
		ec.WithItemStyleOpts(opts.ItemStyle{Color: "transparent"}))
	bar.AddSeries("95% interval", width, append([]ec.SeriesOpts{ec.WithBarChartOpts(opts.BarChart{Stack: "ci"}), barMaxWidth(maxWidth),
		ec.WithItemStyleOpts(opts.ItemStyle{Color: "#56B4E9"})}, extra...)...)
}

// silenceFloatingBars keeps the floating bar (the first two series) out of
// tooltips and clicks, and the transparent base out of the legend.
func silenceFloatingBars(o map[string]any) {
	patchSeries(o, func(i int, s map[string]any) {
		if i < 2 {
			s["silent"] = true
			s["tooltip"] = map[string]any{"show": false}
		}
	})
}
