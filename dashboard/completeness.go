package dashboard

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
	"spdash/reports"
)

// completeness reads a selection's returns (cached by request and data
// version), naming its areas from the view's geography.
func (s *Server) completeness(ctx context.Context, v *View, sel queries.Selection) (*queries.Completeness, error) {
	req, err := s.versioned(ctx, queries.Request{Selection: sel})
	if err != nil {
		return nil, err
	}
	return cached(ctx, s, requestKey("completeness", req, stampOf(ctx)), func(ctx context.Context) (*queries.Completeness, error) {
		return s.db.Completeness(ctx, req, areaNames(v.Geography))
	}, func(c *queries.Completeness) int { return len(c.Areas)/10 + 1 })
}

func areaNames(g *queries.Geography) map[string]string {
	names := map[string]string{queries.EnglandCode: "England"}
	for _, list := range [][]queries.Place{g.Regions, g.ICBs, g.PCNs} {
		for _, p := range list {
			names[p.Code] = p.Name
		}
	}
	return names
}

// returnsNoteKey keeps a page request's returnsNote for basePage.
const returnsNoteKey = "returns-note"

// returnsNote is what every page says about the data: when each kind was
// last loaded, and a warning when the selection's latest month is
// incomplete for its place (METRICS.md).
type returnsNote struct {
	Kinds   string // "activity 2 December 2026 01:15 UTC; training …"
	Warning string
}

// kindLabel names a kind of file for readers: the returns by their kind,
// the published NHS files by what they are.
func kindLabel(kind string) string {
	switch kind {
	case "pcn_workforce":
		return "workforce census (pcn_workforce)"
	case "gpad":
		return "GP appointments (gpad)"
	}
	return kind
}

func (s *Server) returnsNote(ctx context.Context, v *View) (returnsNote, error) {
	var n returnsNote
	if !v.HasData() {
		return n, nil
	}
	kinds, err := cached(ctx, s, fmt.Sprintf("kinds as of|%d|%s", v.AsOf.Version, stampOf(ctx)), func(ctx context.Context) ([]queries.KindAsOf, error) {
		return s.db.KindsAsOf(ctx, v.AsOf.Version)
	}, func([]queries.KindAsOf) int { return 1 })
	if err != nil {
		return n, err
	}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, kindLabel(k.Kind)+" "+k.Finished.UTC().Format("2 January 2006 15:04")+" UTC")
	}
	n.Kinds = strings.Join(parts, "; ")
	latest := v.Selection
	latest.From, latest.Default = latest.To, false
	c, err := s.completeness(ctx, v, latest)
	if err != nil {
		return n, err
	}
	if r := c.Total[0]; r.Incomplete() {
		n.Warning = fmt.Sprintf("%s is incomplete for %s: %d of the %d expected providers' returns have arrived (%s). Its figures may be low until they do; see Data quality.",
			monthLabel(r.Month), v.Selection.Place.Name, r.Received, r.Expected, pctOf(r.Completeness))
	}
	return n, nil
}

// CompletenessResponse is the body of GET /api/v1/completeness.
type CompletenessResponse struct {
	Answer
	Months     []queries.Returns     `json:"months"`
	Areas      []queries.AreaReturns `json:"areas"`
	Incomplete []IncompleteMonth     `json:"incomplete"`
}

// IncompleteMonth is an area's month below 90%.
type IncompleteMonth struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	Month        string  `json:"month"`
	Completeness float64 `json:"completeness"`
}

func incompleteMonths(c *queries.Completeness) []IncompleteMonth {
	out := []IncompleteMonth{}
	for _, a := range c.Areas {
		for _, r := range a.Months {
			if r.Incomplete() {
				v, _ := r.Completeness.Value()
				out = append(out, IncompleteMonth{Code: a.Code, Name: a.Name, Month: r.MonthText, Completeness: v})
			}
		}
	}
	return out
}

func (s *Server) apiCompleteness(c echo.Context) error {
	v, err := s.selection(c)
	if err != nil {
		return err
	}
	if !v.HasData() {
		return echo.NewHTTPError(http.StatusNotFound, noDataMessage)
	}
	comp, err := s.completeness(c.Request().Context(), v, v.Selection)
	if err != nil {
		return err
	}
	a := newAnswer(v)
	a.Disclosure = "not applicable" // counts of providers, not of people
	a.DataVersion = fmt.Sprint(v.AsOf.Version)
	return c.JSON(http.StatusOK, CompletenessResponse{Answer: a, Months: comp.Total, Areas: comp.Areas, Incomplete: incompleteMonths(comp)})
}

type qualityBody struct {
	Intro      string
	Kinds      []queries.KindAsOf
	Incomplete []string
	Charts     []chartView
	// Census: the areas whose returned FTE differs from the published
	// workforce census by more than 20%, when a census is loaded.
	Census        []string
	CensusLoaded  bool
	CensusSummary string
}

func (s *Server) dataQualityPage(c echo.Context) error {
	v, q, err := s.pageSelection(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Data quality: completeness of returns")
	p.Disclosure = ""
	if !v.HasData() {
		return s.render(c, http.StatusOK, "quality", p)
	}
	ctx := c.Request().Context()
	comp, err := s.completeness(ctx, v, v.Selection)
	if err != nil {
		return err
	}
	body := qualityBody{Intro: "A provider is expected in a month when it sent an activity return for the PCN in any of the 3 months before; " +
		"completeness is the share of expected providers whose return for the month has arrived. Below 90%, a month's figures may be low because returns are missing, not because activity fell."}
	body.Kinds, err = s.db.KindsAsOf(ctx, v.AsOf.Version)
	if err != nil {
		return err
	}
	for _, a := range comp.Areas {
		for _, r := range a.Months {
			if r.Incomplete() {
				body.Incomplete = append(body.Incomplete, fmt.Sprintf("%s, %s: %d of %d expected returns (%s)", a.Name, monthLabel(r.Month), r.Received, r.Expected, pctOf(r.Completeness)))
			}
		}
	}
	// The place's months: a line, with the 90% line beside it.
	cats := make([]string, len(comp.Total))
	vals := make([]*float64, len(comp.Total))
	threshold := make([]*float64, len(comp.Total))
	t := table{Caption: "Returns each month: " + v.Selection.Place.Name, RowHeads: true,
		Head: []column{{Label: "Month"}, {"Providers expected", true}, {"Returns received", true}, {"Completeness", true}}}
	low := 0
	for i, r := range comp.Total {
		cats[i] = monthLabel(r.Month)
		vals[i] = r.Completeness.Ptr()
		th := queries.CompleteThreshold
		threshold[i] = &th
		t.Rows = append(t.Rows, []cell{{Text: cats[i]}, num(fmt.Sprint(r.Expected)), num(fmt.Sprint(r.Received)), num(completenessText(r))})
		if r.Incomplete() {
			low++
		}
	}
	summary := fmt.Sprintf("Every month of the period has at least 90%% of the expected returns for %s.", v.Selection.Place.Name)
	if low > 0 {
		summary = fmt.Sprintf("%d of the period's %d months are below 90%% for %s (marked ⚠ in the table).", low, len(comp.Total), v.Selection.Place.Name)
	}
	spec := charts.Lines(cats, []charts.Series{{Name: v.Selection.Place.Name, Values: vals}, {Name: "90%", Values: threshold}},
		charts.Unit{Percent: true, Decimals: 1, Name: "Completeness (%)"})
	place, err := newChart("chart-completeness", "Completeness of returns each month", summary, spec, t, q)
	if err != nil {
		return err
	}
	// Every area at the level, month by month, as a table.
	at := table{ID: "areas-returns", Caption: fmt.Sprintf("Completeness by %s and month (⚠ below 90%%; – none expected)", levelNoun(v.Selection.Level, false)), RowHeads: true,
		Head: []column{{Label: levelTitle(v.Selection.Level)}}}
	for _, r := range comp.Total {
		at.Head = append(at.Head, column{monthLabel(r.Month), true})
	}
	for _, a := range comp.Areas {
		row := []cell{areaCell(a.Code, a.Name, q)}
		for _, r := range a.Months {
			row = append(row, num(completenessText(r)))
		}
		at.Rows = append(at.Rows, row)
	}
	areas, err := newChart("chart-area-returns", "Completeness by area and month", fmt.Sprintf("%d areas with expected returns in the period.", len(comp.Areas)), nil, at, q)
	if err != nil {
		return err
	}
	body.Charts = []chartView{place, areas}
	for i := range body.Charts { // every table is in the completeness report
		body.Charts[i].Downloads = downloadLinks(reports.Completeness, q, "the whole completeness report for this selection")
	}
	// Returns against the census: the same figures as /capacity's.
	rep, err := s.metrics(ctx, v.Selection)
	if err != nil {
		return err
	}
	compared := 0
	var flagged []*queries.AreaMetrics
	for i := range rep.Areas {
		a := &rep.Areas[i]
		if a.CensusFTE.IsKnown() {
			body.CensusLoaded = true
		}
		if a.FTEDifference.IsKnown() {
			compared++
		}
		if a.FTEDifferenceFlagged() {
			flagged = append(flagged, a)
		}
	}
	// Furthest from the census first.
	share := func(a *queries.AreaMetrics) float64 { v, _ := a.FTEDifferenceShare.Value(); return math.Abs(v) }
	sort.SliceStable(flagged, func(i, j int) bool { return share(flagged[i]) > share(flagged[j]) })
	for _, a := range flagged {
		body.Census = append(body.Census, fmt.Sprintf("%s: returned %s FTE, census %s (%s): %s",
			a.Name, numOf(a.FTE), numOf(a.CensusFTE), censusMonthOf(&a.Metrics), differenceOf(&a.Metrics)))
	}
	body.CensusSummary = fmt.Sprintf("%s of the %s %s with both a return and a census row differ by more than 20%% of the census FTE, furthest first.",
		fmtCount(float64(len(body.Census))), fmtCount(float64(compared)), levelNoun(v.Selection.Level, true))
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "quality", p)
}

func completenessText(r queries.Returns) string {
	if !r.Completeness.IsKnown() {
		return "–"
	}
	text := pctOf(r.Completeness)
	if r.Incomplete() {
		text += " ⚠"
	}
	return text
}
