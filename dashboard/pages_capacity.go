package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
	"spdash/reports"
)

type chartsBody struct {
	Intro  string
	Charts []chartView
}

func (s *Server) capacityPage(c echo.Context) error {
	warm(c, warmTrends, warmPlace)
	v, q, err := s.pageView(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Link-worker capacity")
	if !v.HasData() {
		return s.render(c, http.StatusOK, "capacity", p)
	}
	months, err := s.trends(c.Request().Context(), v)
	if err != nil {
		return fmt.Errorf("capacity: %w", err)
	}
	place, err := s.placeMetrics(c.Request().Context(), v)
	if err != nil {
		return err
	}
	ac := newAreaCols(v, q)
	builds := []func() (chartView, error){
		func() (chartView, error) { return ftePer100kChart(v, ac) },
		func() (chartView, error) { return caseloadChart(v, ac) },
		func() (chartView, error) { return demandChart(months, s.settings.CaseloadStandard, q) },
		func() (chartView, error) { return gapChart(v, ac, s.settings.CaseloadStandard) },
		func() (chartView, error) { return waitChart(v, ac) },
		func() (chartView, error) { return censusChart(v, ac, place) },
		func() (chartView, error) { return appointmentsChart(v, ac, place) },
	}
	body := chartsBody{Intro: fmt.Sprintf("Capacity is link-worker FTE against the referrals accepted. The capacity gap is the extra FTE an area would need to see its accepted referrals at %s people per FTE a year.", fmtCount(s.settings.CaseloadStandard))}
	for _, b := range builds {
		cv, err := b()
		if err != nil {
			return err
		}
		body.Charts = append(body.Charts, cv)
	}
	body.Charts = withDownloads(body.Charts, reports.Capacity, v, q)
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "capacity", p)
}

// areaCols starts each area's table row: its name linked to its profile,
// and its parent when the areas are ICBs or PCNs.
type areaCols struct {
	q          url.Values
	withParent bool
	level      string
}

func newAreaCols(v *View, q url.Values) areaCols {
	return areaCols{q: q, withParent: v.Selection.Level != queries.LevelRegion, level: v.Selection.Level}
}

func (ac areaCols) head(rest ...column) []column {
	h := []column{{Label: capitalise(levelNoun(ac.level, false))}}
	if ac.withParent {
		parent := queries.LevelRegion
		if ac.level == queries.LevelPCN {
			parent = queries.LevelICB
		}
		h = append(h, column{Label: capitalise(levelNoun(parent, false))})
	}
	return append(h, rest...)
}

func (ac areaCols) row(a *queries.AreaMetrics, rest ...cell) []cell {
	r := []cell{areaCell(a.Code, a.Name, ac.q)}
	if ac.withParent {
		r = append(r, cell{Text: a.ParentName})
	}
	return append(r, rest...)
}

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// maxBars is the most areas one bar chart draws; beyond it the chart shows
// the areas of most concern and the table lists every one.
const maxBars = 40

// sortedAreas orders the areas by a figure, unknown values last.
func sortedAreas(areas []queries.AreaMetrics, value func(*queries.AreaMetrics) *float64, descending bool) []*queries.AreaMetrics {
	out := make([]*queries.AreaMetrics, len(areas))
	for i := range areas {
		out[i] = &areas[i]
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := value(out[i]), value(out[j])
		switch {
		case a == nil:
			return false
		case b == nil:
			return true
		case descending:
			return *a > *b
		}
		return *a < *b
	})
	return out
}

// barItems turns sorted areas into chart items, at most maxBars of them,
// with a note when some are left out.
func barItems(sorted []*queries.AreaMetrics, value func(*queries.AreaMetrics) *float64, which string) ([]charts.Item, string) {
	var items []charts.Item
	for _, a := range sorted {
		if value(a) == nil {
			continue
		}
		items = append(items, charts.Item{Code: a.Code, Name: a.Name, Value: value(a)})
	}
	note := ""
	if len(items) > maxBars {
		note = fmt.Sprintf(" The chart shows the %d %s of %d; the table lists every one.", maxBars, which, len(items))
		items = items[:maxBars]
	}
	return items, note
}

func ftePer100kChart(v *View, ac areaCols) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 { return a.FTEPer100k.Ptr() }
	sorted := sortedAreas(v.Report.Areas, value, false)
	items, note := barItems(sorted, value, "with the fewest")
	t := table{Caption: "Link-worker FTE per 100,000 people, by " + levelNoun(ac.level, false), RowHeads: true,
		Head: ac.head(column{"Population", true}, column{"Link-worker FTE", true}, column{"FTE per 100,000 people", true})}
	for _, a := range sorted {
		t.Rows = append(t.Rows, ac.row(a, num(countOf(a.Population)), num(numOf(a.FTE)), num(numOf(a.FTEPer100k))))
	}
	eng := v.Report.England.FTEPer100k
	summary := "No area has a population to compare."
	if len(items) > 0 {
		lo, hi := sorted[0], lastKnown(sorted, value)
		summary = fmt.Sprintf("%s has the fewest link-worker FTE per 100,000 people (%s) and %s the most (%s); England has %s.",
			lo.Name, numOf(lo.FTEPer100k), hi.Name, numOf(hi.FTEPer100k), numOf(eng)) + note
		if lo == hi {
			summary = fmt.Sprintf("%s has %s link-worker FTE per 100,000 people; England has %s.", lo.Name, numOf(lo.FTEPer100k), numOf(eng))
		}
	}
	spec := charts.AreaBars("FTE per 100,000 people", items, charts.Unit{Decimals: 1, Name: "FTE per 100,000 people"}, englandRef(eng.Ptr()))
	return newChart("chart-fte-per-100k", "Link-worker FTE per 100,000 people", summary, spec, t, ac.q)
}

func caseloadChart(v *View, ac areaCols) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 { return a.CaseloadPerFTE.Ptr() }
	sorted := sortedAreas(v.Report.Areas, value, true)
	items, note := barItems(sorted, value, "with the highest caseloads")
	t := table{Caption: "Caseload per FTE, by " + levelNoun(ac.level, false), RowHeads: true,
		Head: ac.head(column{"Active caseload", true}, column{"Link-worker FTE", true}, column{"Caseload per FTE", true})}
	for _, a := range sorted {
		t.Rows = append(t.Rows, ac.row(a, num(countOf(a.Caseload)), num(numOf(a.FTE)),
			num(numOf(a.CaseloadPerFTE))))
	}
	eng := v.Report.England.CaseloadPerFTE
	summary := "No area has link workers in post at the end of the period."
	if len(items) > 0 {
		summary = fmt.Sprintf("%s has the highest caseload per FTE (%s people); England's is %s.", sorted[0].Name, numOf(sorted[0].CaseloadPerFTE), numOf(eng)) + note
		if len(items) == 1 {
			summary = fmt.Sprintf("%s has a caseload of %s people per FTE; England's is %s.", sorted[0].Name, numOf(sorted[0].CaseloadPerFTE), numOf(eng))
		}
	}
	spec := charts.AreaBars("Caseload per FTE", items, charts.Unit{Decimals: 1, Name: "People per FTE"}, englandRef(eng.Ptr()))
	return newChart("chart-caseload", "Caseload per FTE", summary, spec, t, ac.q)
}

// demandChart sets the referrals accepted each month against what the
// link workers in post could take: FTE × caseload standard / 12.
func demandChart(months []trendMonth, standard float64, q url.Values) (chartView, error) {
	accepted := make([]*float64, len(months))
	capacity := make([]*float64, len(months))
	t := table{Caption: "Referrals accepted against capacity each month", RowHeads: true,
		Head: []column{{Label: "Month"}, {"Referrals received", true}, {"Referrals accepted", true}, {"Link-worker FTE", true}, {"Capacity (people a month)", true}}}
	over := 0
	for i, m := range months {
		fte, _ := m.FTE.Value() // workforce: never withheld
		capMonth := fte * standard / 12
		accepted[i], capacity[i] = m.Accepted.Ptr(), ptr(capMonth)
		if accepted[i] != nil && *accepted[i] > capMonth {
			over++
		}
		t.Rows = append(t.Rows, []cell{{Text: monthLabel(m.Month)}, num(countOf(m.Referrals)), num(countOf(m.Accepted)),
			num(numOf(m.FTE)), num(fmtNum(capMonth))})
	}
	summary := fmt.Sprintf("Accepted referrals were more than the link workers in post could take in %d of %d months (capacity: FTE × %s people a year ÷ 12).",
		over, len(months), fmtCount(standard))
	spec := charts.Lines(monthCategories(months), []charts.Series{{Name: "Referrals accepted", Values: accepted}, {Name: "Capacity", Values: capacity}},
		charts.Unit{Name: "People a month"})
	return newChart("chart-demand", "Referrals accepted against capacity", summary, spec, t, q)
}

func gapChart(v *View, ac areaCols, standard float64) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 {
		return a.CapacityGapFTE.Ptr()
	}
	sorted := sortedAreas(v.Report.Areas, value, true)
	var withGap []*queries.AreaMetrics
	total := 0.0
	for _, a := range sorted {
		if gap := value(a); gap != nil && *gap > 0 {
			withGap = append(withGap, a)
			total += *gap
		}
	}
	items, note := barItems(withGap, value, "with the largest gaps")
	t := table{ID: "capacity-gap-table", Caption: "Capacity gap, by " + levelNoun(ac.level, false) + ", largest first", RowHeads: true,
		Head: ac.head(column{"Referrals received", true}, column{"Referrals accepted", true}, column{"Accepted a year", true},
			column{"Link-worker FTE", true}, column{"Capacity gap (FTE)", true})}
	for _, a := range sorted {
		t.Rows = append(t.Rows, ac.row(a, num(countOf(a.Referrals)), num(countOf(a.Accepted)),
			num(countOf(a.AnnualAccepted)), num(numOf(a.FTE)), num(numOf(a.CapacityGapFTE))))
	}
	summary := fmt.Sprintf("No %s has a capacity gap: each has the FTE to see its accepted referrals at %s people per FTE a year.",
		levelNoun(ac.level, false), fmtCount(standard))
	if len(withGap) > 0 {
		summary = fmt.Sprintf("%s has the largest capacity gap, %s FTE. %d of %d %s have a gap, %s FTE in all.",
			withGap[0].Name, numOf(withGap[0].CapacityGapFTE), len(withGap), len(sorted), levelNoun(ac.level, true), fmtNum(total)) + note
	}
	var spec *charts.Spec
	if len(items) > 0 {
		spec = charts.AreaBars("Capacity gap (FTE)", items, charts.Unit{Decimals: 1, Name: "FTE"}, nil)
	}
	return newChart("chart-gap", "Areas ranked by capacity gap", summary, spec, t, ac.q)
}

func waitChart(v *View, ac areaCols) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 { return a.MedianWaitDays.Ptr() }
	sorted := sortedAreas(v.Report.Areas, value, true)
	items, note := barItems(sorted, value, "with the longest waits")
	t := table{Caption: "Median wait from referral to first contact, by " + levelNoun(ac.level, false), RowHeads: true,
		Head: ac.head(column{"Median wait", true})}
	for _, a := range sorted {
		t.Rows = append(t.Rows, ac.row(a, num(daysOf(a.MedianWaitDays))))
	}
	eng := v.Report.England.MedianWaitDays
	summary := "No waiting times were reported in the period."
	var spec *charts.Spec
	if len(items) > 0 {
		lo := lastKnown(sorted, value)
		summary = fmt.Sprintf("Waits are longest in %s (median %s) and shortest in %s (%s); England's median is %s.",
			sorted[0].Name, daysOf(sorted[0].MedianWaitDays), lo.Name, daysOf(lo.MedianWaitDays), daysOf(eng)) + note
		if lo == sorted[0] {
			summary = fmt.Sprintf("The median wait in %s is %s; England's is %s.", lo.Name, daysOf(lo.MedianWaitDays), daysOf(eng))
		}
		spec = charts.AreaBars("Median wait (days)", items, charts.Unit{Decimals: 1, Name: "Days"}, englandRef(eng.Ptr()))
	}
	return newChart("chart-wait", "Waiting times", summary, spec, t, ac.q)
}

// lastKnown is the last area with a value (sortedAreas puts unknowns last).
func lastKnown(sorted []*queries.AreaMetrics, value func(*queries.AreaMetrics) *float64) *queries.AreaMetrics {
	for i := len(sorted) - 1; i >= 0; i-- {
		if value(sorted[i]) != nil {
			return sorted[i]
		}
	}
	return sorted[0]
}

func englandRef(v *float64) *charts.Reference {
	if v == nil {
		return nil
	}
	return &charts.Reference{Label: "England", Value: *v}
}
