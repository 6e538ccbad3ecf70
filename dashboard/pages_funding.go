package dashboard

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
	"spdash/reports"
)

// The /funding page: funding by stream and area for a financial year,
// funding per 1,000 people, the cost of each outcome separately, and funding
// against deprivation. An area with no funding return for the year is shown
// as having none, never as £0 of spend.

var streamLabels = map[string]string{
	"arrs":            "ARRS",
	"icb":             "ICB",
	"local_authority": "Local authority",
	"charity":         "Charity",
	"other":           "Other",
}

const noReturn = "no funding return"

func (s *Server) fundingPage(c echo.Context) error {
	v, q, err := s.pageView(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Funding")
	if !v.HasData() {
		return s.render(c, http.StatusOK, "capacity", p)
	}
	p.Filter.Extra = []selectField{fySelect(v)}
	p.Filter.Hidden = nil // fy is chosen in the bar
	ac := newAreaCols(v, q)
	fy := v.Selection.FY
	body := chartsBody{Intro: fmt.Sprintf("Funding for the financial year %s, from every stream, against the areas' population, outcomes and deprivation. Costs per outcome divide the year's funding by the people who achieved each outcome in the year's months: one person can achieve several, so each outcome has its own cost and they are never added up. An area that sent no funding return for the year shows %q, not £0.", fyLabel(fy), noReturn)}
	for _, build := range []func(*View, areaCols) (chartView, error){streamsChart, fundingPer1kChart, costPerOutcomeChart, fundingNeedChart} {
		cv, err := build(v, ac)
		if err != nil {
			return err
		}
		body.Charts = append(body.Charts, cv)
	}
	body.Charts = withDownloads(body.Charts, reports.Funding, v, q)
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "capacity", p)
}

func fySelect(v *View) selectField {
	f := selectField{ID: "f-fy", Name: "fy", Label: "Financial year"}
	seen := false
	for i := len(v.Data.FinancialYears) - 1; i >= 0; i-- {
		fy := v.Data.FinancialYears[i]
		f.Options = append(f.Options, option{Value: fy, Label: fyLabel(fy), Selected: fy == v.Selection.FY})
		seen = seen || fy == v.Selection.FY
	}
	if !seen && v.Selection.FY != "" {
		f.Options = append(f.Options, option{Value: v.Selection.FY, Label: fyLabel(v.Selection.FY) + " (no data)", Selected: true})
	}
	return f
}

func fyLabel(fy string) string {
	if fy == "" {
		return "(none loaded)"
	}
	return fy
}

// money is a sum of pounds, "no funding return" when unknown.
func money(f queries.Figure) string {
	if !f.IsKnown() {
		return noReturn
	}
	return "£" + countOf(f)
}

func streamsChart(v *View, ac areaCols) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 { return a.Funding.Ptr() }
	sorted := sortedAreas(v.Report.Areas, value, true)
	head := []column{}
	for _, st := range queries.Streams {
		head = append(head, column{streamLabels[st] + " (£)", true})
	}
	t := table{ID: "funding-streams-table", Caption: "Funding by stream, " + fyLabel(v.Selection.FY) + ", by " + levelNoun(ac.level, false), RowHeads: true,
		Head: ac.head(append(head, column{"Total (£)", true})...)}
	var cats, codes []string
	series := make([]charts.Series, len(queries.Streams))
	for i, st := range queries.Streams {
		series[i].Name = streamLabels[st]
	}
	missing := 0
	for _, a := range sorted {
		var cells []cell
		for _, st := range queries.Streams {
			if a.Funding.IsKnown() {
				cells = append(cells, num(countOf(a.FundingByStream[st])))
			} else {
				cells = append(cells, num(""))
			}
		}
		t.Rows = append(t.Rows, ac.row(a, append(cells, num(money(a.Funding)))...))
		if !a.Funding.IsKnown() {
			missing++
			continue
		}
		if len(cats) < maxBars {
			cats, codes = append(cats, a.Name), append(codes, a.Code)
			for i, st := range queries.Streams {
				series[i].Values = append(series[i].Values, a.FundingByStream[st].Ptr())
			}
		}
	}
	summary := fmt.Sprintf("No %s has funding recorded for %s.", levelNoun(ac.level, false), fyLabel(v.Selection.FY))
	if len(cats) > 0 {
		top := sorted[0]
		summary = fmt.Sprintf("%s has the most funding in %s, %s. Each bar adds up the streams that fund the area.", top.Name, fyLabel(v.Selection.FY), money(top.Funding))
		if len(sorted)-missing > maxBars {
			summary += fmt.Sprintf(" The chart shows the %d best funded; the table lists every one.", maxBars)
		}
	}
	if missing > 0 {
		summary += fmt.Sprintf(" %d %s sent no funding return for the year: the table marks them %q.", missing, levelNoun(ac.level, missing != 1), noReturn)
	}
	for i := range series {
		series[i].Codes = codes
	}
	var spec *charts.Spec
	if len(cats) > 0 {
		spec = charts.StackedBars(cats, codes, series, charts.Unit{Name: "£ in the year"})
	}
	return newChart("chart-funding-streams", "Funding by stream", summary, spec, t, ac.q)
}

func fundingPer1kChart(v *View, ac areaCols) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 { return a.FundingPer1k.Ptr() }
	sorted := sortedAreas(v.Report.Areas, value, false)
	items, note := barItems(sorted, value, "with the least")
	t := table{ID: "funding-per-1k-table", Caption: "Funding per 1,000 people, " + fyLabel(v.Selection.FY) + ", by " + levelNoun(ac.level, false), RowHeads: true,
		Head: ac.head(column{"Population", true}, column{"Funding (£)", true}, column{"Per 1,000 people (£)", true})}
	for _, a := range sorted {
		per := noReturn
		if a.Funding.IsKnown() {
			per = numOf(a.FundingPer1k)
		}
		t.Rows = append(t.Rows, ac.row(a, num(countOf(a.Population)), num(money(a.Funding)), num(per)))
	}
	eng := v.Report.England.FundingPer1k
	summary := "No area has funding recorded for the year."
	if len(items) > 0 {
		lo, hi := sorted[0], lastKnown(sorted, value)
		summary = fmt.Sprintf("%s has the least funding per 1,000 people (£%s) and %s the most (£%s); England has £%s.",
			lo.Name, numOf(lo.FundingPer1k), hi.Name, numOf(hi.FundingPer1k), numOf(eng)) + note
	}
	spec := charts.AreaBars("£ per 1,000 people", items, charts.Unit{Decimals: 0, Name: "£ per 1,000 people"}, englandRef(eng.Ptr()))
	return newChart("chart-funding-per-1k", "Funding per 1,000 people", summary, spec, t, ac.q)
}

// costPerOutcomeChart gives each outcome its own cost: the place's (or
// England's) as bars, and every area's in the table.
func costPerOutcomeChart(v *View, ac areaCols) (chartView, error) {
	head := []column{}
	for _, o := range routeOrder {
		head = append(head, column{outcomeLabels[o] + " (£)", true})
	}
	t := table{ID: "cost-per-outcome-table", Caption: "Cost per outcome, " + fyLabel(v.Selection.FY) + ": funding ÷ people achieving each outcome in the year", RowHeads: true, Head: ac.head(head...)}
	value := func(a *queries.AreaMetrics) *float64 { return a.Funding.Ptr() }
	for _, a := range sortedAreas(v.Report.Areas, value, true) {
		var cells []cell
		for _, o := range routeOrder {
			if !a.Funding.IsKnown() {
				cells = append(cells, num(noReturn))
				continue
			}
			cells = append(cells, num(countOf(a.Outcomes[o].CostPerOutcome)))
		}
		t.Rows = append(t.Rows, ac.row(a, cells...))
	}
	eng := &v.Report.England
	var cats []string
	var vals []*float64
	for _, o := range routeOrder {
		cats = append(cats, outcomeLabels[o])
		vals = append(vals, eng.Outcomes[o].CostPerOutcome.Ptr())
	}
	summary := fmt.Sprintf("Across England in %s, each person who improved their wellbeing cost £%s of funding, each who entered volunteering £%s and each who entered employment £%s. These are separate costs of one budget, not a cost of a job.",
		fyLabel(v.Selection.FY), countOf(eng.Outcomes["improved_wellbeing"].CostPerOutcome), countOf(eng.Outcomes["entered_volunteering"].CostPerOutcome), countOf(eng.Outcomes["entered_employment"].CostPerOutcome))
	spec := charts.GroupedBars(cats, []charts.Series{{Name: "England: £ per person achieving the outcome", Values: vals}}, charts.Unit{Name: "£ per person achieving the outcome"})
	return newChart("chart-cost-per-outcome", "Cost per outcome, each outcome separately", summary, spec, t, ac.q)
}

// fundingNeedChart sets funding per 1,000 people against deprivation, so
// that deprived areas funded below England's rate stand out.
func fundingNeedChart(v *View, ac areaCols) (chartView, error) {
	eng := &v.Report.England
	engIMD, imdKnown := eng.IMDScore.Value()
	engPer1k, perKnown := eng.FundingPer1k.Value()
	t := table{ID: "funding-need-table", Caption: "Funding per 1,000 people against deprivation, by " + levelNoun(ac.level, false), RowHeads: true,
		Head: ac.head(column{"Deprivation (IMD score)", true}, column{"Funding per 1,000 people (£)", true}, column{Label: "Against England"})}
	var points []charts.XY
	var under []string
	partial := 0
	for i := range v.Report.Areas {
		a := &v.Report.Areas[i]
		imd, iok := a.IMDScore.Value()
		per, pok := a.FundingPer1k.Value()
		verdict := ""
		switch {
		case !a.Funding.IsKnown():
			verdict = noReturn
		case !iok:
			verdict = "no deprivation score"
		case imdKnown && perKnown && imd > engIMD && per < engPer1k:
			verdict = "more deprived than England, funded below England's rate"
			if a.FundingReturns == a.PCNs { // else its rate may be low for want of returns
				under = append(under, a.Name)
			}
		case imdKnown && perKnown && imd > engIMD:
			verdict = "more deprived than England, funded above England's rate"
		case perKnown && per < engPer1k:
			verdict = "less deprived than England, funded below England's rate"
		default:
			verdict = "less deprived than England, funded above England's rate"
		}
		if missing := a.PCNs - a.FundingReturns; a.Funding.IsKnown() && missing > 0 {
			// Funding per 1,000 people counts these PCNs' people but not
			// their money (METRICS.md: funding / population).
			verdict += fmt.Sprintf("; %d of its %d PCNs sent no funding return, so its rate counts their population without their funding", missing, a.PCNs)
			partial++
		}
		per1k := noReturn
		if a.Funding.IsKnown() {
			per1k = numOf(a.FundingPer1k)
		}
		t.Rows = append(t.Rows, ac.row(a, num(numOf(a.IMDScore)), num(per1k), cell{Text: verdict}))
		if iok && pok {
			points = append(points, charts.XY{Code: a.Code, Name: a.Name, X: imd, Y: per,
				Tip: fmt.Sprintf("%s\nDeprivation: %s\nFunding per 1,000 people: £%s\n%s", a.Name, fmtNum(imd), fmtNum(per), verdict)})
		}
	}
	sort.Strings(under)
	summary := "Each point is an area: further right is more deprived, higher is better funded for its population."
	switch {
	case len(under) == 0:
		summary += " No area more deprived than England is funded below England's rate."
	case len(under) <= 5:
		summary += fmt.Sprintf(" More deprived than England but funded below England's rate: %s.", joinNames(under))
	default:
		summary += fmt.Sprintf(" %d areas are more deprived than England but funded below England's rate; the table names them.", len(under))
	}
	switch {
	case partial == 1:
		summary += fmt.Sprintf(" 1 %s lacks a funding return from some of its PCNs, so its funding per 1,000 people is understated (the table says which); such an area is never listed as funded below England's rate.",
			levelNoun(ac.level, false))
	case partial > 1:
		summary += fmt.Sprintf(" %d %s lack a funding return from some of their PCNs, so their funding per 1,000 people is understated (the table says which); such an area is never listed as funded below England's rate.",
			partial, levelNoun(ac.level, true))
	}
	var spec *charts.Spec
	if len(points) > 0 {
		spec = charts.Scatter(points, "Deprivation (IMD score)", "£ per 1,000 people", charts.Unit{Decimals: 1}, charts.Unit{Decimals: 0})
	}
	return newChart("chart-funding-need", "Funding against need", summary, spec, t, ac.q)
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	out := names[0]
	for _, n := range names[1 : len(names)-1] {
		out += ", " + n
	}
	return out + " and " + names[len(names)-1]
}
