package dashboard

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
	"spdash/reports"
)

func (s *Server) trainingPage(c echo.Context) error {
	warm(c, warmTrends, warmRecent, warmPlace)
	v, q, err := s.pageView(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Link-worker training")
	if !v.HasData() {
		return s.render(c, http.StatusOK, "training", p)
	}
	ctx := c.Request().Context()
	place, err := s.placeMetrics(ctx, v)
	if err != nil {
		return err
	}
	months, err := s.trends(ctx, v)
	if err != nil {
		return fmt.Errorf("training: %w", err)
	}
	areaTrends, err := s.recentTrends(ctx, v.Selection)
	if err != nil {
		return err
	}
	body := chartsBody{Intro: "Coverage is the share of link workers in post who are trained in a module, at the end of the period. Work-related coverage is employment support: the training that helps link workers support people towards work."}
	for _, build := range []func() (chartView, error){
		func() (chartView, error) { return moduleChart(v, place, q) },
		func() (chartView, error) { return workCoverageChart(v, newAreaCols(v, q), areaTrends) },
		func() (chartView, error) { return trainingTrend(months, q) },
	} {
		cv, err := build()
		if err != nil {
			return err
		}
		body.Charts = append(body.Charts, cv)
	}
	body.Charts = withDownloads(body.Charts, reports.Training, v, q)
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "training", p)
}

func moduleChart(v *View, place *queries.Metrics, q url.Values) (chartView, error) {
	eng := v.Report.England
	isEngland := v.Selection.Place.Level == queries.LevelEngland
	t := table{Caption: "Training coverage by module: " + v.Selection.Place.Name, RowHeads: true,
		Head: []column{{Label: "Module"}, {"Staff in post", true}, {"Staff trained", true}, {"Coverage", true}}}
	if !isEngland {
		t.Head = append(t.Head, column{"England's coverage", true})
	}
	var cats []string
	placeVals := make([]*float64, 0, len(queries.Modules))
	engVals := make([]*float64, 0, len(queries.Modules))
	lo, hi := "", ""
	for _, m := range queries.Modules {
		mc := place.Training[m]
		cats = append(cats, moduleLabels[m])
		placeVals = append(placeVals, mc.Coverage.Ptr())
		engVals = append(engVals, eng.Training[m].Coverage.Ptr())
		row := []cell{{Text: moduleLabels[m]}, num(countOf(mc.InPost)), num(countOf(mc.Trained)), num(pctOf(mc.Coverage))}
		if !isEngland {
			row = append(row, num(pctOf(eng.Training[m].Coverage)))
		}
		t.Rows = append(t.Rows, row)
		if cov := mc.Coverage.Ptr(); cov != nil {
			if lo == "" || *cov < *place.Training[lo].Coverage.Ptr() {
				lo = m
			}
			if hi == "" || *cov > *place.Training[hi].Coverage.Ptr() {
				hi = m
			}
		}
	}
	series := []charts.Series{{Name: v.Selection.Place.Name, Values: placeVals, Codes: repeat(v.Selection.Place.Code, len(cats))}}
	if !isEngland {
		series = append(series, charts.Series{Name: "England", Values: engVals, Codes: repeat(queries.EnglandCode, len(cats))})
	}
	summary := "No link workers were in post at the end of the period."
	var spec *charts.Spec
	if lo != "" {
		summary = fmt.Sprintf("In %s, coverage is lowest for %s (%s) and highest for %s (%s); employment support is %s",
			v.Selection.Place.Name, lowerFirst(moduleLabels[lo]), pctOf(place.Training[lo].Coverage), lowerFirst(moduleLabels[hi]),
			pctOf(place.Training[hi].Coverage), pctOf(place.WorkTrainingCoverage))
		if !isEngland {
			summary += ", against " + pctOf(eng.WorkTrainingCoverage) + " in England"
		}
		summary += "."
		spec = charts.GroupedBars(cats, series, charts.Unit{Percent: true, Decimals: 1, Name: "Coverage (%)"})
	}
	return newChart("chart-modules", "Training coverage by module", summary, spec, t, q)
}

func workCoverageChart(v *View, ac areaCols, trends map[string]map[string]string) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 { return a.WorkTrainingCoverage.Ptr() }
	sorted := sortedAreas(v.Report.Areas, value, false)
	items, note := barItems(sorted, value, "with the lowest coverage")
	t := table{Caption: "Employment-support training coverage, by " + levelNoun(ac.level, false) + ", lowest first", RowHeads: true,
		Head: ac.head(column{"Staff in post", true}, column{"Staff trained", true}, column{"Not yet trained", true}, column{"Coverage", true}, column{Label: "Recent trend"})}
	for _, a := range sorted {
		w := a.Training[queries.WorkModule]
		t.Rows = append(t.Rows, ac.row(a, num(countOf(w.InPost)), num(countOf(w.Trained)), num(countOf(a.UntrainedStaff)), num(pctOf(a.WorkTrainingCoverage)),
			cell{Text: trendText(trends[a.Code]["work_training_coverage"])}))
	}
	eng := v.Report.England.WorkTrainingCoverage
	summary := "No area had link workers in post at the end of the period."
	var spec *charts.Spec
	if len(items) > 0 {
		a := sorted[0]
		lowest := "the lowest "
		if len(items) == 1 {
			lowest = ""
		}
		summary = fmt.Sprintf("%s has %semployment-support training coverage of %s, with %s link workers not yet trained; England's coverage is %s.",
			a.Name, lowest, pctOf(a.WorkTrainingCoverage), countOf(a.UntrainedStaff), pctOf(eng)) + note
		spec = charts.AreaBars("Employment-support coverage", items, charts.Unit{Percent: true, Decimals: 1, Name: "Coverage (%)"}, englandRef(eng.Ptr()))
	}
	return newChart("chart-work-coverage", "Work-related training coverage by area", summary, spec, t, ac.q)
}

func trainingTrend(months []trendMonth, q url.Values) (chartView, error) {
	t := table{Caption: "Training coverage each month", RowHeads: true, Head: []column{{Label: "Month"}}}
	var series []charts.Series
	for _, m := range queries.Modules {
		t.Head = append(t.Head, column{moduleLabels[m], true})
		vals := make([]*float64, len(months))
		for i, f := range months {
			vals[i] = f.Training[m].Coverage.Ptr()
		}
		series = append(series, charts.Series{Name: moduleLabels[m], Values: vals})
	}
	for _, f := range months {
		row := []cell{{Text: monthLabel(f.Month)}}
		for _, m := range queries.Modules {
			row = append(row, num(pctOf(f.Training[m].Coverage)))
		}
		t.Rows = append(t.Rows, row)
	}
	first, last := months[0], months[len(months)-1]
	summary := fmt.Sprintf("Employment-support coverage went from %s in %s to %s in %s.",
		pctOf(first.Training[queries.WorkModule].Coverage), monthLabel(first.Month), pctOf(last.Training[queries.WorkModule].Coverage), monthLabel(last.Month))
	spec := charts.Lines(monthCategories(months), series, charts.Unit{Percent: true, Decimals: 1, Name: "Coverage (%)"})
	return newChart("chart-training-trend", "Training coverage over time", summary, spec, t, q)
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
