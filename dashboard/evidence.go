package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
	"spdash/reports"
)

// evidence computes a view's evidence (METRICS.md) from the same reports
// the other pages use (cached), at the request's data version.
func (s *Server) evidence(ctx context.Context, v *View) (*queries.Evidence, error) {
	req, err := s.versioned(ctx, s.request(ctx, v.Selection))
	if err != nil {
		return nil, err
	}
	pr, fr := queries.EvidenceRequests(req)
	stamp := stampOf(ctx)
	return cached(ctx, s, requestKey("evidence", pr, stamp), func(ctx context.Context) (*queries.Evidence, error) {
		period, err := s.report(ctx, pr)
		if err != nil {
			return nil, fmt.Errorf("evidence: %w", err)
		}
		first, err := s.report(ctx, fr)
		if err != nil {
			return nil, fmt.Errorf("evidence: %w", err)
		}
		pcns, err := s.pcnFeatures(ctx, req.Version)
		if err != nil {
			return nil, err
		}
		return queries.EstimateEvidence(queries.EvidenceUnits(period, first, pcns)), nil
	}, func(*queries.Evidence) int { return 1 })
}

// EvidenceResponse is the body of GET /api/v1/evidence: METRICS.md's
// outcomes, with what the answer is about.
type EvidenceResponse struct {
	Answer
	Outcomes map[string]*queries.OutcomeEvidence `json:"outcomes"`
}

func (s *Server) apiEvidence(c echo.Context) error {
	v, err := s.selection(c)
	if err != nil {
		return err
	}
	if !v.HasData() {
		return echo.NewHTTPError(http.StatusNotFound, noDataMessage)
	}
	ev, err := s.evidence(c.Request().Context(), v)
	if err != nil {
		return err
	}
	a := newAnswer(v)
	a.Level, a.Disclosure = queries.LevelPCN, "not applicable" // PCNs; no count is shown
	a.DataVersion = strconv.FormatUint(v.AsOf.Version, 10)
	return c.JSON(http.StatusOK, EvidenceResponse{Answer: a, Outcomes: ev.Outcomes})
}

// evidenceCaveat is said wherever the evidence is shown.
const evidenceCaveat = "This is an association across areas, not proof that training causes outcomes for any person. " +
	"Areas with more trained link workers may differ in other ways the model does not allow for."

type evidenceBody struct {
	Caveat   string
	Summary  []string // one sentence per outcome, in route order
	Units    string   // how many PCNs, and why some were left out
	Charts   []chartView
	Estimate string // the method, in words
}

func (s *Server) evidencePage(c echo.Context) error {
	v, q, err := s.pageSelection(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Evidence: work training and work outcomes")
	p.Disclosure = "" // no count is shown
	if !v.HasData() {
		return s.render(c, http.StatusOK, "evidence", p)
	}
	ev, err := s.evidence(c.Request().Context(), v)
	if err != nil {
		return err
	}
	body := evidenceBody{Caveat: evidenceCaveat,
		Estimate: "For each outcome, a binomial model (logistic regression) of the people who achieved it out of its cohort in each PCN, " +
			"on employment-support training coverage at the period's first month (training before the outcomes it may affect), " +
			"allowing for deprivation (IMD score) and the long-term sickness rate. An odds ratio above 1 means PCNs with more trained link workers " +
			"tended to have higher rates; the interval is widened when the rates vary more than chance alone would explain."}
	sel := v.Selection
	p.Lead = fmt.Sprintf("The PCNs of %s: %s (%s)", sel.Place.Name, periodLabel(sel.From, sel.To), monthsLabel(sel.Months()))
	p.DataAsOf = dataAsOfText(v.AsOf)
	body.Units = fmt.Sprintf("The units are the %d PCNs of %s, %s.", ev.Units, sel.Place.Name, periodLabel(sel.From, sel.To))
	var rows []charts.Estimate
	t := table{Caption: "Odds ratio per 10 points of employment-support training coverage, by outcome", RowHeads: true,
		Head: []column{{Label: "Outcome"}, {"PCNs used", true}, {"Odds ratio (adjusted)", true}, {"95% interval", true}, {"p-value", true},
			{"Dispersion", true}, {"Odds ratio (coverage alone)", true}, {"95% interval (coverage alone)", true}, {Label: "Left out, or why not estimated"}}}
	for _, o := range routeOrder {
		e := ev.Outcomes[o]
		label := outcomeLabels[o]
		body.Summary = append(body.Summary, evidenceSentence(label, e))
		rows = append(rows,
			charts.Estimate{Category: label + ": adjusted", Value: e.OddsRatio, Low: e.CILow, High: e.CIHigh, Adjusted: true,
				Tip: fmt.Sprintf("%s, adjusted\nOdds ratio %s (95%% interval %s)\n%d PCNs", label, ratioText(e.OddsRatio), rangeText(e.CILow, e.CIHigh), e.N)},
			charts.Estimate{Category: label + ": coverage alone", Value: e.UnadjustedOddsRatio, Low: e.UnadjustedCILow, High: e.UnadjustedCIHigh,
				Tip: fmt.Sprintf("%s, coverage alone\nOdds ratio %s (95%% interval %s)", label, ratioText(e.UnadjustedOddsRatio), rangeText(e.UnadjustedCILow, e.UnadjustedCIHigh))})
		t.Rows = append(t.Rows, []cell{{Text: label}, num(strconv.Itoa(e.N)), num(ratioText(e.OddsRatio)), num(rangeText(e.CILow, e.CIHigh)),
			num(pText(e.PValue)), num(ratioText(e.Dispersion)), num(ratioText(e.UnadjustedOddsRatio)), num(rangeText(e.UnadjustedCILow, e.UnadjustedCIHigh)),
			{Text: leftOutText(e)}})
	}
	summary := "Each dot is an outcome's odds ratio, the bar its 95% interval; the dashed line at 1 is no association. " +
		"Dark dots allow for deprivation and long-term sickness; light diamonds are coverage alone."
	var spec *charts.Spec
	for _, r := range rows {
		if r.Value != nil {
			spec = charts.Forest(rows)
			break
		}
	}
	if spec == nil {
		summary = "No outcome could be estimated for this selection: see the table for why."
	}
	cv, err := newChart("chart-evidence", "Work training coverage and outcomes: odds ratios", summary, spec, t, q)
	if err != nil {
		return err
	}
	body.Charts = withDownloads([]chartView{cv}, reports.Evidence, v, q)
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "evidence", p)
}

// evidenceSentence says what an outcome's model found, in plain words.
func evidenceSentence(label string, e *queries.OutcomeEvidence) string {
	if e.Status != queries.Estimated {
		return fmt.Sprintf("%s: cannot be estimated. %s.", label, upperFirst(e.Reason))
	}
	significant := "The interval includes 1, so this could be chance."
	if *e.CILow > 1 || *e.CIHigh < 1 {
		significant = "The interval excludes 1: unlikely to be chance alone."
	}
	return fmt.Sprintf("%s: each 10 points more coverage went with odds %s times as high (%s), across %d PCNs, allowing for deprivation and long-term sickness. %s",
		label, ratioText(e.OddsRatio), "95% interval "+rangeText(e.CILow, e.CIHigh), e.N, significant)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func ratioText(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func rangeText(lo, hi *float64) string {
	if lo == nil || hi == nil {
		return "–"
	}
	return ratioText(lo) + " to " + ratioText(hi)
}

func pText(v *float64) string {
	switch {
	case v == nil:
		return "–"
	case *v < 0.001:
		return "< 0.001"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func leftOutText(e *queries.OutcomeEvidence) string {
	var parts []string
	l := e.LeftOut
	for _, p := range []struct {
		n    int
		what string
	}{{l.NoCohort, "no cohort"}, {l.UnknownDeprivation, "deprivation unknown"}, {l.UnknownSickness, "long-term sickness unknown"},
		{l.UnknownCoverage, "no link workers in post at the start"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	text := strings.Join(parts, "; ")
	if text == "" {
		text = "none left out"
	}
	if e.Status != queries.Estimated {
		text = upperFirst(e.Reason) + ". " + upperFirst(text)
	}
	return text
}
