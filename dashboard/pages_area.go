package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
)

type areaBody struct {
	Area       queries.Place
	Parents    []crumb // its ICB, region and England, each linked to its profile
	DrillHref  string  // the overview of the areas in it (regions and ICBs)
	DrillLabel string
	Table      table // every metric, beside its parents'
	Charts     []chartView
	// Its statistical peers (PCNs and ICBs): the ranks and the peers.
	Ranks, Peers *table
	// Trends are its recent trends.
	Trends *table
	// PeersDownloads are the peers report's links.
	PeersDownloads []downloadLink
}

type crumb struct{ Label, Href string }

// profileColumn is one place compared on the profile.
type profileColumn struct {
	place queries.Place
	m     *queries.Metrics
}

// profilePlaces are the area a profile shows (code, in any letter case) and
// its parents; englandOnly says England's own profile for a user limited to
// some areas.
func profilePlaces(v *View, code string) (area queries.Place, parents []queries.Place, englandOnly, ok bool) {
	area, parents, ok = v.Geography.Area(code)
	englandOnly = !ok && v.Geography.Limited() && strings.EqualFold(strings.TrimSpace(code), queries.EnglandCode)
	if englandOnly {
		// England's own figures are every user's comparison, though England
		// is no place to choose for a user limited to some areas.
		area, parents, ok = queries.England, nil, true
	}
	return area, parents, englandOnly, ok
}

// profileFigures are a profile's columns (the area's, then its parents'
// figures) and, for a PCN or an ICB, its statistical peers: independent, so
// read side by side. England's column is the view's England.
func (s *Server) profileFigures(ctx context.Context, v *View, area queries.Place, parents []queries.Place) ([]profileColumn, *queries.PeerFigures, error) {
	places := append([]queries.Place{area}, parents...)
	cols := make([]profileColumn, len(places))
	errs := make([]error, len(places)+1)
	var wg sync.WaitGroup
	for i, pl := range places {
		cols[i].place = pl
		if pl.Level == queries.LevelEngland {
			continue
		}
		wg.Go(func() { cols[i].m, errs[i] = s.areaMetrics(ctx, v.Selection, pl) })
	}
	var pf *queries.PeerFigures
	if area.Level == queries.LevelPCN || area.Level == queries.LevelICB {
		wg.Go(func() { pf, errs[len(places)] = s.peers(ctx, v, area) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	for i := range cols {
		if cols[i].m == nil && v.Report != nil { // England's
			cols[i].m = &v.Report.England
		}
	}
	return cols, pf, nil
}

// areaPage profiles one area against its ICB, region and England. The
// period comes from the query; the area from the path, in any letter case.
func (s *Server) areaPage(c echo.Context) error {
	code, err := url.PathUnescape(c.Param("code"))
	if err != nil {
		code = c.Param("code")
	}
	// The profile's figures and the area's months start beside the view's
	// own figures.
	warm(c, func(s *Server, ctx context.Context, v *View) {
		area, parents, _, ok := profilePlaces(v, code)
		if !ok {
			return
		}
		own := *v
		own.Selection.Place = area
		go func() { _, _ = s.trends(ctx, &own) }()
		go func() { _, _ = s.placeTrends(ctx, own.Selection) }()
		_, _, _ = s.profileFigures(ctx, v, area, parents)
	})
	v, q, err := s.pageView(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Area profile")
	if !v.HasData() {
		return s.render(c, http.StatusOK, "area", p)
	}
	area, parents, englandOnly, ok := profilePlaces(v, code)
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no area with the code %q. Choose an area from the tables on the Capacity, Training or Outcomes pages.", code))
	}
	ctx := c.Request().Context()
	cols, pf, err := s.profileFigures(ctx, v, area, parents)
	if err != nil {
		return err
	}
	if pf != nil {
		if len(pf.Peers) > 0 {
			cols = append(cols, profileColumn{place: queries.Place{Code: "", Name: fmt.Sprintf("Its %d peers together", len(pf.Peers)), Level: area.Level}, m: &pf.Group})
		}
	}
	p.Title = area.Name
	p.Lead = fmt.Sprintf("%s profile: %s (%s)", levelTitle(area.Level), periodLabel(v.Selection.From, v.Selection.To), monthsLabel(v.Selection.Months()))
	p.Filter = newFilterBar(c.Request().URL.Path, v, q, true)
	body := areaBody{Area: area, Table: profileTable(cols, v.Selection.FY)}
	if pf != nil && len(pf.Peers) > 0 {
		ranks := table{ID: "ranks-table", Caption: fmt.Sprintf("Its rank among itself and its %d peers (1 = the highest value)", len(pf.Peers)), RowHeads: true,
			Head: []column{{Label: "Figure"}, {"Rank", true}}}
		for _, f := range queries.RankedFigures() {
			ranks.Rows = append(ranks.Rows, []cell{{Text: rankLabel(f)}, num(peerRankText(pf, f))})
		}
		peersT := peersTable(pf, v.Geography.Limited(), func(code, name string) cell { return areaCell(code, name, q) })
		body.Ranks, body.Peers = &ranks, &peersT
		pq := url.Values{"area": {area.Code}}
		for k, vs := range q {
			if k == "from" || k == "to" || k == "fy" {
				pq[k] = vs
			}
		}
		what := "the area, its peers and their figures together"
		body.PeersDownloads = []downloadLink{{Label: "Download CSV", Href: "/download/peers.csv?" + pq.Encode(), What: what},
			{Label: "Download Excel", Href: "/download/peers.xlsx?" + pq.Encode(), What: what}}
	}
	for _, pl := range parents {
		body.Parents = append(body.Parents, crumb{Label: pl.Name + " (" + levelTitle(pl.Level) + ")", Href: profileHref(pl.Code, q)})
	}
	if area.Level != queries.LevelPCN && !englandOnly {
		drill := url.Values{}
		for k, vs := range q {
			if k == "from" || k == "to" || k == "fy" {
				drill[k] = vs
			}
		}
		drill.Set("place", area.Code)
		body.DrillHref = "/capacity?" + drill.Encode()
		body.DrillLabel = fmt.Sprintf("Compare the %s in %s", levelNoun(levelBelow(area.Level), true), area.Name)
	}
	for _, build := range []func([]profileColumn, url.Values) (chartView, error){profileCapacity, profileTraining, profileOutcomes} {
		cv, err := build(cols, q)
		if err != nil {
			return err
		}
		body.Charts = append(body.Charts, cv)
	}
	// The area's own months: demand against capacity, and the outcome rates.
	own := *v
	own.Selection.Place = area
	months, err := s.trends(ctx, &own)
	if err != nil {
		return fmt.Errorf("area profile: %w", err)
	}
	areaTrend, err := s.placeTrends(ctx, own.Selection)
	if err != nil {
		return err
	}
	trends := table{ID: "trends-table", Caption: "Recent trends over the period's months", RowHeads: true,
		Head: []column{{Label: "Rate"}, {Label: "Recent trend"}}}
	for _, m := range queries.TrendMeasures() {
		trends.Rows = append(trends.Rows, []cell{{Text: measureLabel(m)}, {Text: trendText(areaTrend[m])}})
	}
	body.Trends = &trends
	demand, err := demandChart(months, s.settings.CaseloadStandard, q)
	if err != nil {
		return err
	}
	rates, err := outcomeTrend(months, cols[0].m, q)
	if err != nil {
		return err
	}
	body.Charts = withTableDownloads(c, append(body.Charts, demand, rates))
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "area", p)
}

func levelTitle(level string) string {
	switch level {
	case queries.LevelEngland:
		return "Country"
	case queries.LevelRegion:
		return "Region"
	}
	return levelNoun(level, false)
}

// profileTable lists every metric of the area beside its parents'.
func profileTable(cols []profileColumn, fy string) table {
	t := table{ID: "profile-table", Caption: "Every figure, beside the areas it is part of", RowHeads: true, Head: []column{{Label: "Figure"}}}
	for _, c := range cols {
		t.Head = append(t.Head, column{c.place.Name, true})
	}
	add := func(label string, f func(m *queries.Metrics) string) {
		row := []cell{{Text: label}}
		for _, c := range cols {
			row = append(row, num(f(c.m)))
		}
		t.Rows = append(t.Rows, row)
	}
	add("Population", func(m *queries.Metrics) string { return countOf(m.Population) })
	add("Referrals received", func(m *queries.Metrics) string { return countOf(m.Referrals) })
	add("Referrals accepted", func(m *queries.Metrics) string { return countOf(m.Accepted) })
	add("People supported", func(m *queries.Metrics) string { return countOf(m.PeopleSupported) })
	add("Link-worker FTE", func(m *queries.Metrics) string { return numOf(m.FTE) })
	add("Link-worker headcount", func(m *queries.Metrics) string { return countOf(m.Headcount) })
	add("Active caseload", func(m *queries.Metrics) string { return countOf(m.Caseload) })
	add("FTE per 100,000 people", func(m *queries.Metrics) string { return numOf(m.FTEPer100k) })
	add("Caseload per FTE", func(m *queries.Metrics) string { return numOf(m.CaseloadPerFTE) })
	add("Referrals accepted a year", func(m *queries.Metrics) string { return countOf(m.AnnualAccepted) })
	add("Capacity gap (FTE)", func(m *queries.Metrics) string { return numOf(m.CapacityGapFTE) })
	add("Median wait to first contact", func(m *queries.Metrics) string { return daysOf(m.MedianWaitDays) })
	add("Work training coverage", func(m *queries.Metrics) string { return pctOf(m.WorkTrainingCoverage) })
	add("Staff not trained in employment support", func(m *queries.Metrics) string { return countOf(m.UntrainedStaff) })
	for _, mod := range queries.Modules {
		add("Coverage: "+lowerFirst(moduleLabels[mod]), func(m *queries.Metrics) string { return pctOf(m.Training[mod].Coverage) })
	}
	for _, o := range routeOrder {
		add(outcomeLabels[o]+" (95% interval)", func(m *queries.Metrics) string {
			r := m.Outcomes[o]
			s := rateText(m, o)
			if r.Rate.IsKnown() {
				s += " (" + intervalOf(r.CILow, r.CIHigh) + ")"
			}
			if r.Compared != nil {
				s += ", " + comparedText(r.Compared)
			}
			return s
		})
	}
	add("Funding "+fy, func(m *queries.Metrics) string { return "£" + countOf(m.Funding) })
	add("Funding per 1,000 people "+fy, func(m *queries.Metrics) string {
		if !m.FundingPer1k.IsKnown() {
			return unknown
		}
		return "£" + countOf(m.FundingPer1k)
	})
	add("Deprivation (IMD score)", func(m *queries.Metrics) string { return numOf(m.IMDScore) })
	add("Workforce census month", censusMonthOf)
	add("Census link-worker FTE", func(m *queries.Metrics) string { return numOf(m.CensusFTE) })
	add("Census FTE: mental-health link workers", func(m *queries.Metrics) string { return numOf(m.CensusFTEMentalHealth) })
	add("Census headcount (people)", func(m *queries.Metrics) string { return countOf(m.CensusHeadcount) })
	add("Returned − census FTE", flaggedDifferenceOf)
	add("Social prescribing appointments attended", func(m *queries.Metrics) string { return appointmentsOf(m, "attended") })
	add("Social prescribing appointments not attended", func(m *queries.Metrics) string { return appointmentsOf(m, "dna") })
	add("Social prescribing appointments, status unknown", func(m *queries.Metrics) string { return appointmentsOf(m, "unknown") })
	add("Appointments a year per 1,000 people", func(m *queries.Metrics) string { return numOf(m.SPAppointmentsPer1k) })
	add("Did-not-attend rate", func(m *queries.Metrics) string { return pctOf(m.DNARate) })
	return t
}

// englandColumn is England's column of a profile of another area. It is
// not the last: the peers' column comes after it.
func englandColumn(cols []profileColumn) (profileColumn, bool) {
	for _, c := range cols[1:] {
		if c.place.Level == queries.LevelEngland {
			return c, true
		}
	}
	return profileColumn{}, false
}

func profileCapacity(cols []profileColumn, q url.Values) (chartView, error) {
	var items []charts.Item
	t := table{Caption: "Link-worker FTE per 100,000 people", RowHeads: true,
		Head: []column{{Label: "Area"}, {"Link-worker FTE", true}, {"FTE per 100,000 people", true}, {"Capacity gap (FTE)", true}}}
	for _, c := range cols {
		items = append(items, charts.Item{Code: c.place.Code, Name: c.place.Name, Value: c.m.FTEPer100k.Ptr()})
		t.Rows = append(t.Rows, []cell{areaCell(c.place.Code, c.place.Name, q), num(numOf(c.m.FTE)), num(numOf(c.m.FTEPer100k)),
			num(numOf(c.m.CapacityGapFTE))})
	}
	a := cols[0]
	gap := numOf(a.m.CapacityGapFTE)
	summary := fmt.Sprintf("%s has %s link-worker FTE per 100,000 people and a capacity gap of %s FTE.", a.place.Name, numOf(a.m.FTEPer100k), gap)
	if e, ok := englandColumn(cols); ok {
		summary = fmt.Sprintf("%s has %s link-worker FTE per 100,000 people, against %s in England, and a capacity gap of %s FTE.",
			a.place.Name, numOf(a.m.FTEPer100k), numOf(e.m.FTEPer100k), gap)
	}
	spec := charts.AreaBars("FTE per 100,000 people", items, charts.Unit{Decimals: 1, Name: "FTE per 100,000 people"}, nil)
	return newChart("chart-area-capacity", "Capacity against the areas it is part of", summary, spec, t, q)
}

func profileTraining(cols []profileColumn, q url.Values) (chartView, error) {
	cats := make([]string, len(queries.Modules))
	for i, m := range queries.Modules {
		cats[i] = moduleLabels[m]
	}
	t := table{Caption: "Training coverage by module", RowHeads: true, Head: []column{{Label: "Module"}}}
	var series []charts.Series
	for _, c := range cols {
		t.Head = append(t.Head, column{c.place.Name, true})
		vals := make([]*float64, len(queries.Modules))
		for i, m := range queries.Modules {
			vals[i] = c.m.Training[m].Coverage.Ptr()
		}
		series = append(series, charts.Series{Name: c.place.Name, Values: vals, Codes: repeat(c.place.Code, len(cats))})
	}
	for _, m := range queries.Modules {
		row := []cell{{Text: moduleLabels[m]}}
		for _, c := range cols {
			row = append(row, num(pctOf(c.m.Training[m].Coverage)))
		}
		t.Rows = append(t.Rows, row)
	}
	a := cols[0]
	summary := fmt.Sprintf("%s's work training coverage (employment support) is %s.", a.place.Name, pctOf(a.m.WorkTrainingCoverage))
	if e, ok := englandColumn(cols); ok {
		summary = fmt.Sprintf("%s's work training coverage (employment support) is %s, against %s in England.",
			a.place.Name, pctOf(a.m.WorkTrainingCoverage), pctOf(e.m.WorkTrainingCoverage))
	}
	spec := charts.GroupedBars(cats, series, charts.Unit{Percent: true, Decimals: 1, Name: "Coverage (%)"})
	return newChart("chart-area-training", "Training coverage against the areas it is part of", summary, spec, t, q)
}

func profileOutcomes(cols []profileColumn, q url.Values) (chartView, error) {
	cats := make([]string, len(routeOrder))
	for i, o := range routeOrder {
		cats[i] = outcomeLabels[o]
	}
	t := table{Caption: "Outcome rates, from the indirect routes to employment", RowHeads: true, Head: []column{{Label: "Outcome"}}}
	var series []charts.Series
	for _, c := range cols {
		t.Head = append(t.Head, column{c.place.Name, true})
		vals := make([]*float64, len(routeOrder))
		for i, o := range routeOrder {
			vals[i] = c.m.Outcomes[o].Rate.Ptr()
		}
		series = append(series, charts.Series{Name: c.place.Name, Values: vals, Codes: repeat(c.place.Code, len(cats))})
	}
	for _, o := range routeOrder {
		row := []cell{{Text: outcomeLabels[o]}}
		for _, c := range cols {
			row = append(row, num(rateText(c.m, o)))
		}
		t.Rows = append(t.Rows, row)
	}
	a := cols[0]
	counts := map[string]int{}
	for _, o := range routeOrder {
		counts[comparedOf(a.m, o)]++
	}
	summary := outcomeSummary(a.m)
	if a.place.Level != queries.LevelEngland {
		summary = fmt.Sprintf("Of %s's 7 outcome rates, %d are higher than England's, %d similar and %d lower (by their 95%% intervals); entered employment is %s.",
			a.place.Name, counts[queries.Higher], counts[queries.Similar], counts[queries.Lower], rateText(a.m, "entered_employment"))
	}
	spec := charts.GroupedBars(cats, series, charts.Unit{Percent: true, Decimals: 1, Name: "Rate (%)"})
	return newChart("chart-area-outcomes", "Work and related outcomes against the areas it is part of", summary, spec, t, q)
}
