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

type overviewBody struct {
	Headlines []headline
	Outcomes  []headline
	Previous  string // the previous period, in words
	Charts    []chartView
}

// headline is one figure of the selected place with its change.
type headline struct {
	Label, Value, Change, Note string
	Trend                      string // the recent trend of a rate, in words
	Direct                     bool   // an outcome that is itself a job or a job search
}

func (s *Server) overviewPage(c echo.Context) error {
	warm(c, warmTrends, warmPlaceTrends, warmPlace, warmPrevious)
	v, q, err := s.pageView(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Overview")
	if !v.HasData() {
		return s.render(c, http.StatusOK, "overview", p)
	}
	ctx := c.Request().Context()
	cur, err := s.placeMetrics(ctx, v)
	if err != nil {
		return err
	}
	prevSel := queries.PreviousPeriod(v.Selection)
	var prev *queries.Metrics
	if v.Data.Covers(prevSel.From, prevSel.To) {
		if prev, err = s.areaMetrics(ctx, prevSel, v.Selection.Place); err != nil {
			return err
		}
	}
	months, err := s.trends(ctx, v)
	if err != nil {
		return fmt.Errorf("overview: %w", err)
	}
	body := overviewBody{Previous: periodLabel(prevSel.From, prevSel.To)}
	body.Headlines, body.Outcomes = headlines(cur, prev, v.Selection.Months(), s.settings.CaseloadStandard)
	placeTrend, err := s.placeTrends(ctx, v.Selection)
	if err != nil {
		return err
	}
	for i := range body.Headlines {
		if body.Headlines[i].Label == "Work training coverage" {
			body.Headlines[i].Trend = trendText(placeTrend["work_training_coverage"])
		}
	}
	for i, o := range routeOrder {
		body.Outcomes[i].Trend = trendText(placeTrend["outcomes."+o+".rate"])
	}
	for _, build := range []func([]trendMonth, *queries.Metrics, url.Values) (chartView, error){
		referralsTrend, fteTrend, outcomeTrend,
	} {
		cv, err := build(months, cur, q)
		if err != nil {
			return err
		}
		body.Charts = append(body.Charts, cv)
	}
	body.Charts = withDownloads(body.Charts, reports.Monthly, v, q)
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "overview", p)
}

// headlines are the selected place's figures beside the previous period's;
// the outcomes run from the indirect routes to employment, never employment
// alone. A figure disclosure control withheld shows "*" and no change.
func headlines(cur, prev *queries.Metrics, months int, standard float64) ([]headline, []headline) {
	fig := func(label, value, note string, f func(*queries.Metrics) *float64, kind changeKind) headline {
		var before *float64
		if prev != nil {
			before = f(prev)
		}
		return headline{Label: label, Value: value, Note: note, Change: changeText(f(cur), before, kind, months)}
	}
	main := []headline{
		fig("Referrals received", countOf(cur.Referrals), countOf(cur.Accepted)+" accepted",
			func(m *queries.Metrics) *float64 { return m.Referrals.Ptr() }, changePercent),
		fig("Link-worker FTE per 100,000 people", numOf(cur.FTEPer100k), fmt.Sprintf("%s FTE in post at the end of the period", numOf(cur.FTE)),
			func(m *queries.Metrics) *float64 { return m.FTEPer100k.Ptr() }, changeAbsolute),
		fig("Caseload per FTE", numOf(cur.CaseloadPerFTE), "People on link workers' caseloads per full-time link worker",
			func(m *queries.Metrics) *float64 { return m.CaseloadPerFTE.Ptr() }, changeAbsolute),
		fig("Capacity gap", numOf(cur.CapacityGapFTE)+" FTE",
			fmt.Sprintf("Extra FTE needed to see the accepted referrals at %s people per FTE a year", fmtCount(standard)),
			func(m *queries.Metrics) *float64 { return m.CapacityGapFTE.Ptr() }, changeAbsolute),
		fig("Work training coverage", pctOf(cur.WorkTrainingCoverage), fmt.Sprintf("Link workers trained in employment support; %s not yet trained", countOf(cur.UntrainedStaff)),
			func(m *queries.Metrics) *float64 { return m.WorkTrainingCoverage.Ptr() }, changePoints),
	}
	var outcomes []headline
	for _, o := range routeOrder {
		rate := func(m *queries.Metrics) *float64 { return m.Outcomes[o].Rate.Ptr() }
		r := cur.Outcomes[o]
		note := fmt.Sprintf("%s of %s people", countOf(r.People), countOf(r.Cohort))
		h := fig(outcomeLabels[o], rateText(cur, o), note, rate, changePoints)
		h.Direct = directOutcomes[o]
		outcomes = append(outcomes, h)
	}
	return main, outcomes
}

func referralsTrend(months []trendMonth, _ *queries.Metrics, q url.Values) (chartView, error) {
	received := make([]*float64, len(months))
	accepted := make([]*float64, len(months))
	t := table{Caption: "Referrals each month", RowHeads: true,
		Head: []column{{Label: "Month"}, {Label: "Referrals received", Num: true}, {Label: "Referrals accepted", Num: true}, {Label: "People supported", Num: true}}}
	for i, m := range months {
		received[i], accepted[i] = m.Referrals.Ptr(), m.Accepted.Ptr()
		t.Rows = append(t.Rows, []cell{{Text: monthLabel(m.Month)}, num(countOf(m.Referrals)), num(countOf(m.Accepted)),
			num(countOf(m.PeopleSupported))})
	}
	first, last := months[0], months[len(months)-1]
	summary := fmt.Sprintf("Referrals received went from %s in %s to %s in %s; %s were accepted in %s.",
		countOf(first.Referrals), monthLabel(first.Month), countOf(last.Referrals), monthLabel(last.Month),
		countOf(last.Accepted), monthLabel(last.Month))
	spec := charts.Lines(monthCategories(months), []charts.Series{{Name: "Referrals received", Values: received}, {Name: "Referrals accepted", Values: accepted}},
		charts.Unit{Name: "Referrals"})
	return newChart("chart-referrals", "Referrals each month", summary, spec, t, q)
}

func fteTrend(months []trendMonth, _ *queries.Metrics, q url.Values) (chartView, error) {
	fte := make([]*float64, len(months))
	t := table{Caption: "Link-worker FTE each month", RowHeads: true,
		Head: []column{{Label: "Month"}, {Label: "Link-worker FTE", Num: true}, {Label: "Active caseload", Num: true}}}
	for i, m := range months {
		fte[i] = m.FTE.Ptr()
		t.Rows = append(t.Rows, []cell{{Text: monthLabel(m.Month)}, num(numOf(m.FTE)), num(countOf(m.Caseload))})
	}
	first, last := months[0], months[len(months)-1]
	summary := fmt.Sprintf("Link-worker FTE went from %s in %s to %s in %s.", numOf(first.FTE), monthLabel(first.Month), numOf(last.FTE), monthLabel(last.Month))
	spec := charts.Lines(monthCategories(months), []charts.Series{{Name: "Link-worker FTE", Values: fte}}, charts.Unit{Name: "FTE", Decimals: 1})
	return newChart("chart-fte", "Link-worker FTE each month", summary, spec, t, q)
}

// outcomeTrend draws every outcome's monthly rate, indirect routes first.
func outcomeTrend(months []trendMonth, period *queries.Metrics, q url.Values) (chartView, error) {
	t := table{Caption: "Outcome rates each month", RowHeads: true, Head: []column{{Label: "Month"}}}
	var series []charts.Series
	for _, o := range routeOrder {
		t.Head = append(t.Head, column{Label: outcomeLabels[o], Num: true})
		vals := make([]*float64, len(months))
		for i, m := range months {
			vals[i] = m.rate(o)
		}
		series = append(series, charts.Series{Name: outcomeLabels[o], Values: vals})
	}
	for _, m := range months {
		row := []cell{{Text: monthLabel(m.Month)}}
		for _, o := range routeOrder {
			row = append(row, num(m.rateText(o)))
		}
		t.Rows = append(t.Rows, row)
	}
	spec := charts.Lines(monthCategories(months), series, charts.Unit{Percent: true, Decimals: 1, Name: "Rate (%)"})
	return newChart("chart-outcome-trend", "Outcome rates each month", outcomeSummary(period), spec, t, q)
}

// outcomeSummary names the highest and lowest rates, and employment's
// beside them.
func outcomeSummary(m *queries.Metrics) string {
	hi, lo := "", ""
	for _, o := range routeOrder {
		r := m.Outcomes[o].Rate.Ptr()
		if r == nil {
			continue
		}
		if hi == "" || *r > *m.Outcomes[hi].Rate.Ptr() {
			hi = o
		}
		if lo == "" || *r < *m.Outcomes[lo].Rate.Ptr() {
			lo = o
		}
	}
	if hi == "" {
		return "No outcomes were recorded in the period."
	}
	return fmt.Sprintf("Over the period, %s had the highest rate (%s) and %s the lowest (%s); entered employment was %s.",
		lowerFirst(outcomeLabels[hi]), pctOf(m.Outcomes[hi].Rate), lowerFirst(outcomeLabels[lo]), pctOf(m.Outcomes[lo].Rate),
		rateText(m, "entered_employment"))
}
