package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
	"spdash/reports"
)

// defaultFunnelOutcome is the outcome the funnel plot shows unless the
// reader picks another; the routes chart beside it shows them all.
const defaultFunnelOutcome = "entered_employment"

// funnelOutcome reads the outcome of the funnel plot: the page's, and the
// downloads' (which carry it in their links and refuse a bad one alike).
func funnelOutcome(q url.Values) (string, error) {
	o, ok := q["outcome"]
	if !ok {
		return defaultFunnelOutcome, nil
	}
	if len(o) > 1 {
		return "", paramErr("outcome", "may be given only once")
	}
	if outcomeLabels[o[0]] == "" {
		return "", paramErr("outcome", "must be one of %s, got %q", strings.Join(queries.Outcomes, ", "), o[0])
	}
	return o[0], nil
}

func (s *Server) outcomesPage(c echo.Context) error {
	warm(c, warmTrends, warmPlaceTrends, warmPlace)
	v, q, err := s.pageView(c, "outcome")
	if err != nil {
		return err
	}
	outcome, err := funnelOutcome(q)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Work and related outcomes")
	if !v.HasData() {
		return s.render(c, http.StatusOK, "outcomes", p)
	}
	p.Filter.Extra = []selectField{outcomeSelect(outcome)}
	ctx := c.Request().Context()
	place, err := s.placeMetrics(ctx, v)
	if err != nil {
		return err
	}
	months, err := s.trends(ctx, v)
	if err != nil {
		return fmt.Errorf("outcomes: %w", err)
	}
	ac := newAreaCols(v, q)
	placeTrend, err := s.placeTrends(ctx, v.Selection)
	if err != nil {
		return err
	}
	body := chartsBody{Intro: "Each rate is the share of an outcome's cohort who achieved it over the period. The routes into work run from improved wellbeing and work readiness, through volunteering and training, to job search, employment and keeping a job: they are shown together because one person can take several steps, and employment alone would miss most of the good a link worker does."}
	for _, build := range []func() (chartView, error){
		func() (chartView, error) { return intervalChart(v, place, q, placeTrend) },
		func() (chartView, error) { return routesChart(v, ac) },
		func() (chartView, error) { return funnelChart(v, ac, outcome) },
		func() (chartView, error) { return outcomeTrend(months, place, q) },
	} {
		cv, err := build()
		if err != nil {
			return err
		}
		body.Charts = append(body.Charts, cv)
	}
	body.Charts = withDownloads(body.Charts, reports.Outcomes, v, q)
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "outcomes", p)
}

func outcomeSelect(selected string) selectField {
	f := selectField{ID: "f-outcome", Name: "outcome", Label: "Funnel plot of"}
	for _, o := range routeOrder {
		f.Options = append(f.Options, option{Value: o, Label: outcomeLabels[o], Selected: o == selected})
	}
	return f
}

// intervalChart: the place's rate of each outcome with its 95% interval,
// against England's rate.
func intervalChart(v *View, place *queries.Metrics, q url.Values, trend map[string]string) (chartView, error) {
	eng := v.Report.England
	name := v.Selection.Place.Name
	isEngland := v.Selection.Place.Level == queries.LevelEngland
	t := table{Caption: "Outcome rates with 95% intervals: " + name, RowHeads: true,
		Head: []column{{Label: "Outcome"}, {"People", true}, {"Cohort", true}, {"Rate", true}, {"95% interval", true}, {Label: "Recent trend"}}}
	if !isEngland {
		t.Head = append(t.Head, column{"England's rate", true}, column{Label: "Compared with England"})
	}
	var rows []charts.Interval
	counts := map[string]int{}
	for _, o := range routeOrder {
		r := place.Outcomes[o]
		people, cohort := countOf(r.People), countOf(r.Cohort)
		tr := trendText(trend["outcomes."+o+".rate"])
		row := []cell{{Text: outcomeLabels[o]}, num(people), num(cohort), num(rateText(place, o)), num(intervalText(place, o)), {Text: tr}}
		tip := fmt.Sprintf("%s\n%s: %s (95%% interval %s)\n%s of %s people\nRecent trend: %s", outcomeLabels[o], name, rateText(place, o),
			intervalText(place, o), people, cohort, tr)
		iv := charts.Interval{Category: outcomeLabels[o], Rate: r.Rate.Ptr(), Low: r.CILow.Ptr(), High: r.CIHigh.Ptr()}
		if !isEngland {
			compared := comparedOf(place, o)
			row = append(row, num(pctOf(eng.Outcomes[o].Rate)), cell{Text: compared})
			tip += "\nCompared with England: " + compared
			iv.Reference = eng.Outcomes[o].Rate.Ptr()
			counts[compared]++
		}
		iv.Tip = tip
		rows = append(rows, iv)
		t.Rows = append(t.Rows, row)
	}
	summary := outcomeSummary(place)
	if !isEngland {
		summary = fmt.Sprintf("In %s, %d of the 7 outcome rates are higher than England's, %d similar and %d lower; entered employment is %s against England's %s.",
			name, counts[queries.Higher], counts[queries.Similar], counts[queries.Lower],
			rateText(place, "entered_employment"), pctOf(eng.Outcomes["entered_employment"].Rate))
	}
	refName := "England's rate"
	spec := charts.Intervals(rows, name, refName)
	if !isEngland {
		spec.Codes = [][]string{nil, nil, repeat(v.Selection.Place.Code, len(rows)), repeat(queries.EnglandCode, len(rows))}
	}
	return newChart("chart-intervals", "Outcome rates with their 95% intervals", summary, spec, t, q)
}

// routesChart sets every route into work side by side for each area.
func routesChart(v *View, ac areaCols) (chartView, error) {
	areas := make([]*queries.AreaMetrics, len(v.Report.Areas))
	for i := range v.Report.Areas {
		areas[i] = &v.Report.Areas[i]
	}
	note := ""
	if len(areas) > maxBars {
		sort.SliceStable(areas, func(i, j int) bool {
			ci, _ := areas[i].Outcomes[defaultFunnelOutcome].Cohort.Value()
			cj, _ := areas[j].Outcomes[defaultFunnelOutcome].Cohort.Value()
			return ci > cj
		})
		note = fmt.Sprintf(" The chart shows the %d of %d %s with the largest cohorts; the table lists every one.", maxBars, len(areas), levelNoun(ac.level, true))
	}
	t := table{Caption: "Routes into work, by " + levelNoun(ac.level, false) + ": rate (compared with England)", RowHeads: true, Head: ac.head()}
	for _, o := range routeOrder {
		t.Head = append(t.Head, column{outcomeLabels[o], true})
	}
	for _, a := range areas {
		var rest []cell
		for _, o := range routeOrder {
			text := rateText(&a.Metrics, o)
			if a.Outcomes[o].Rate.IsKnown() {
				text += " (" + comparedOf(&a.Metrics, o) + ")"
			}
			rest = append(rest, num(text))
		}
		t.Rows = append(t.Rows, ac.row(a, rest...))
	}
	shown := areas
	if len(shown) > maxBars {
		shown = shown[:maxBars]
	}
	cats, codes := make([]string, len(shown)), make([]string, len(shown))
	for i, a := range shown {
		cats[i], codes[i] = a.Name, a.Code
	}
	var series []charts.Series
	for _, o := range routeOrder {
		vals := make([]*float64, len(shown))
		for i, a := range shown {
			vals[i] = a.Outcomes[o].Rate.Ptr()
		}
		series = append(series, charts.Series{Name: outcomeLabels[o], Values: vals})
	}
	summary := rangeSummary(areas, "entered_employment") + " " + rangeSummary(areas, "improved_wellbeing") + note
	spec := charts.Dots(cats, codes, series, charts.Unit{Percent: true, Decimals: 1, Name: "Rate (%)"})
	return newChart("chart-routes", "Routes into work, by area", summary, spec, t, ac.q)
}

// rangeSummary says where an outcome's rate is lowest and highest.
func rangeSummary(areas []*queries.AreaMetrics, o string) string {
	var lo, hi *queries.AreaMetrics
	for _, a := range areas {
		r := a.Outcomes[o].Rate.Ptr()
		if r == nil {
			continue
		}
		if lo == nil || *r < *lo.Outcomes[o].Rate.Ptr() {
			lo = a
		}
		if hi == nil || *r > *hi.Outcomes[o].Rate.Ptr() {
			hi = a
		}
	}
	if lo == nil {
		return fmt.Sprintf("No area recorded %s.", lowerFirst(outcomeLabels[o]))
	}
	if lo == hi {
		return fmt.Sprintf("%s is %s in %s.", outcomeLabels[o], pctOf(lo.Outcomes[o].Rate), lo.Name)
	}
	return fmt.Sprintf("%s ranges from %s in %s to %s in %s.", outcomeLabels[o], pctOf(lo.Outcomes[o].Rate), lo.Name, pctOf(hi.Outcomes[o].Rate), hi.Name)
}

// funnelChart plots each area's rate of one outcome against its cohort, with
// control limits around England's rate.
func funnelChart(v *View, ac areaCols, o string) (chartView, error) {
	label := outcomeLabels[o]
	title := "Funnel plot: " + lowerFirst(label)
	t := table{Caption: label + ": each " + levelNoun(ac.level, false) + " against the funnel limits around England's rate", RowHeads: true,
		Head: ac.head(column{"People", true}, column{"Cohort", true}, column{"Rate", true}, column{"95% interval", true},
			column{Label: "Compared with England"}, column{Label: "Against the funnel limits"})}
	engRate := v.Report.England.Outcomes[o].Rate.Ptr()
	var points []charts.Point
	positions := map[string]int{}
	for i := range v.Report.Areas {
		a := &v.Report.Areas[i]
		r := a.Outcomes[o]
		pos := unknown
		rate, known := r.Rate.Value()
		if engRate != nil && known {
			people, _ := r.People.Value() // shown, as the rate is
			cohort, _ := r.Cohort.Value()
			pos = funnelPosition(rate, *engRate, cohort)
			positions[pos]++
			points = append(points, charts.Point{Code: a.Code, Name: a.Name, People: people, Size: cohort,
				Tip: fmt.Sprintf("%s\n%s: %s (%s of %s)\n%s", a.Name, label, pctOf(r.Rate), countOf(r.People), countOf(r.Cohort), pos)})
		}
		m := &a.Metrics
		if outcomeWithheld(m, o) {
			pos = withheldMark
		}
		t.Rows = append(t.Rows, ac.row(a, num(countOf(r.People)), num(countOf(r.Cohort)),
			num(rateText(m, o)), num(intervalText(m, o)), cell{Text: comparedOf(m, o)}, cell{Text: pos}))
	}
	if engRate == nil || len(points) == 0 {
		return newChart("chart-funnel", title, "No "+lowerFirst(label)+" outcomes were recorded in the period.", nil, t, ac.q)
	}
	summary := fmt.Sprintf("England's rate is %s. Of %d %s, %d are above the 99.8%% limit and %d below it; %d more are above the 95%% limit and %d below it.",
		fmtPct(engRate), len(points), levelNoun(ac.level, true), positions[above998], positions[below998], positions[above95], positions[below95])
	spec := charts.Funnel(points, *engRate, capitalise(levelNoun(ac.level, true)))
	return newChart("chart-funnel", title, summary, spec, t, ac.q)
}

const (
	above998 = "above the 99.8% limit"
	above95  = "above the 95% limit"
	below998 = "below the 99.8% limit"
	below95  = "below the 95% limit"
	within   = "within the limits"
)

// funnelPosition places a rate against the limits for its cohort size.
func funnelPosition(rate, p, n float64) string {
	lo998, hi998 := queries.FunnelLimits(p, n, queries.Z998)
	lo95, hi95 := queries.FunnelLimits(p, n, queries.Z95)
	switch {
	case rate > hi998:
		return above998
	case rate > hi95:
		return above95
	case rate < lo998:
		return below998
	case rate < lo95:
		return below95
	}
	return within
}
