package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
	"spdash/reports"
)

// inequality computes a view's figures by national deprivation decile
// (cached), with the deciles fixed from every PCN at the data version.
func (s *Server) inequality(ctx context.Context, v *View) (*queries.Inequality, error) {
	req, err := s.versioned(ctx, s.request(ctx, v.Selection))
	if err != nil {
		return nil, err
	}
	stamp := stampOf(ctx)
	return cached(ctx, s, requestKey("inequality", req, stamp), func(ctx context.Context) (*queries.Inequality, error) {
		deciles, err := cached(ctx, s, fmt.Sprintf("deciles|%d|%s", req.Version, stamp), func(ctx context.Context) (map[string]string, error) {
			pcns, err := s.pcnFeatures(ctx, req.Version)
			if err != nil {
				return nil, err
			}
			return queries.Deciles(pcns), nil
		}, func(m map[string]string) int { return len(m)/10 + 1 })
		if err != nil {
			return nil, err
		}
		return s.db.Inequality(ctx, req, deciles)
	}, func(*queries.Inequality) int { return 11 })
}

// InequalityResponse is the body of GET /api/v1/inequality.
type InequalityResponse struct {
	Answer
	*queries.Inequality
}

func (s *Server) apiInequality(c echo.Context) error {
	v, err := s.selection(c)
	if err != nil {
		return err
	}
	if !v.HasData() {
		return echo.NewHTTPError(http.StatusNotFound, noDataMessage)
	}
	ineq, err := s.inequality(c.Request().Context(), v)
	if err != nil {
		return err
	}
	a := newAnswer(v)
	a.Level = "deprivation decile"
	a.DataVersion = strconv.FormatUint(v.AsOf.Version, 10)
	return c.JSON(http.StatusOK, InequalityResponse{Answer: a, Inequality: ineq})
}

// measureLabel names an SII measure.
func measureLabel(measure string) string {
	if measure == "work_training_coverage" {
		return "Work training coverage"
	}
	return outcomeLabels[queries.MeasureOutcome(measure)]
}

func (s *Server) inequalityPage(c echo.Context) error {
	v, q, err := s.pageSelection(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Inequality by deprivation")
	if !v.HasData() {
		return s.render(c, http.StatusOK, "inequality", p)
	}
	ineq, err := s.inequality(c.Request().Context(), v)
	if err != nil {
		return err
	}
	sel := v.Selection
	p.Lead = fmt.Sprintf("The PCNs of %s by national deprivation decile: %s (%s)", sel.Place.Name, periodLabel(sel.From, sel.To), monthsLabel(sel.Months()))
	body := chartsBody{Intro: "Every PCN in England is placed in a deprivation decile by its IMD score: decile 1 is the most deprived tenth of the population, 10 the least. " +
		"Core20 is deciles 1 and 2. The slope index of inequality (SII) is the difference in a rate between the least and the most deprived, along a line through all the deciles: " +
		"positive when the least deprived do better."}
	cats := make([]string, 10)
	for i := range cats {
		cats[i] = "Decile " + strconv.Itoa(i+1)
	}
	cats[0] += " (most deprived)"
	cats[9] += " (least deprived)"
	// Rates by decile: coverage and every outcome.
	var series []charts.Series
	t := table{Caption: "Rates by deprivation decile", RowHeads: true, Head: []column{{Label: "Decile"}, {"PCNs", true}, {"Population", true}}}
	for _, m := range queries.SIIMeasures() {
		t.Head = append(t.Head, column{measureLabel(m), true})
		vals := make([]*float64, 10)
		for i := 0; i < 10; i++ {
			vals[i] = measureFigure(&ineq.Deciles[i].Metrics, m).Ptr()
		}
		series = append(series, charts.Series{Name: measureLabel(m), Values: vals})
	}
	for i, d := range ineq.Deciles {
		label := "Unknown deprivation"
		if i < 10 {
			label = cats[i]
		}
		row := []cell{{Text: label}, num(strconv.Itoa(d.PCNs)), num(countOf(d.Population))}
		for _, m := range queries.SIIMeasures() {
			row = append(row, num(pctOf(measureFigure(&d.Metrics, m))))
		}
		t.Rows = append(t.Rows, row)
	}
	rates, err := newChart("chart-deciles", "Rates by deprivation decile", "Each line is a rate across the deciles, most deprived on the left; the table gives every figure.",
		charts.Lines(cats, series, charts.Unit{Percent: true, Decimals: 1, Name: "Rate (%)"}), t, q)
	if err != nil {
		return err
	}
	// The SII of each rate.
	st := table{Caption: "Slope index of inequality (percentage points, least minus most deprived)", RowHeads: true,
		Head: []column{{Label: "Rate"}, {"SII", true}, {"95% interval", true}, {"Deciles with 10 or more", true}, {Label: "Status"}}}
	var rows []charts.Estimate
	for _, m := range queries.SIIMeasures() {
		s := ineq.SII[m]
		st.Rows = append(st.Rows, []cell{{Text: measureLabel(m)}, num(ppText(s.SII)), num(ppText(s.CILow) + " to " + ppText(s.CIHigh)), num(strconv.Itoa(s.Deciles)), {Text: s.Status}})
		rows = append(rows, charts.Estimate{Category: measureLabel(m), Value: s.SII, Low: s.CILow, High: s.CIHigh,
			Tip: fmt.Sprintf("%s\nSII %s points (95%% interval %s to %s)", measureLabel(m), ppText(s.SII), ppText(s.CILow), ppText(s.CIHigh))})
	}
	sii, err := newChart("chart-sii", "Slope index of inequality", "A dot right of 0: the least deprived do better; left of 0: the most deprived do better. The bar is the 95% interval.",
		charts.Ranges(rows, charts.Unit{Percent: true, Decimals: 1, Name: "SII (percentage points)"}, "SII"), st, q)
	if err != nil {
		return err
	}
	// Core20 shares against the share of population.
	ct := table{Caption: "Core20 (deciles 1–2) share of the place's figures", RowHeads: true, Head: []column{{Label: "Figure"}, {"Core20 share", true}}}
	var shares []charts.Item
	for _, k := range []struct{ key, label string }{{"population", "Population"}, {"funding", "Funding"}, {"fte", "Link-worker FTE"}, {"people_supported", "People supported"}} {
		f := ineq.Core20Share[k.key]
		ct.Rows = append(ct.Rows, []cell{{Text: k.label}, num(pctOf(f))})
		shares = append(shares, charts.Item{Name: k.label, Value: f.Ptr()})
	}
	popShare := ineq.Core20Share["population"].Ptr()
	var ref *charts.Reference
	if popShare != nil {
		ref = &charts.Reference{Label: "Share of population", Value: *popShare}
	}
	core, err := newChart("chart-core20", "Core20 share of funding, FTE and people supported", "Against the Core20 share of the population (the line): below it, the most deprived fifth gets less than its share.",
		charts.AreaBars("Core20 share", shares, charts.Unit{Percent: true, Decimals: 1, Name: "Share (%)"}, ref), ct, q)
	if err != nil {
		return err
	}
	body.Charts = []chartView{rates, sii, core}
	for i := range body.Charts { // every table is in the inequality report
		body.Charts[i].Downloads = downloadLinks(reports.Inequality, q, "the whole inequality report for this selection")
	}
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "inequality", p)
}

// measureFigure is a measure's rate in m.
func measureFigure(m *queries.Metrics, measure string) queries.Figure {
	if measure == "work_training_coverage" {
		return m.WorkTrainingCoverage
	}
	return m.Outcomes[queries.MeasureOutcome(measure)].Rate
}

// ppText writes a difference of proportions in percentage points.
func ppText(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64)
}
