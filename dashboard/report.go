package dashboard

import (
	"context"

	"github.com/labstack/echo/v4"

	"spdash/queries"
)

// View is everything a page or the API needs for one request: the parsed
// selection, what is loaded, and the computed figures.
type View struct {
	Selection queries.Selection
	Geography *queries.Geography
	Data      queries.DataRange
	Report    *queries.Report // nil when no data is loaded
	// Disclosure says whether disclosure control was applied to Report.
	Disclosure string
}

// HasData reports whether any areas and activity are loaded.
func (v *View) HasData() bool { return v.Data.Areas > 0 && !v.Data.LastMonth.IsZero() }

// view parses the request's selection and computes its figures: the one code
// path behind every page and the API. extra names parameters the endpoint
// takes beyond the selection.
func (s *Server) view(c echo.Context, extra ...string) (*View, error) {
	v, err := s.selection(c, extra...)
	if err != nil || !v.HasData() {
		return v, err
	}
	if v.Report, err = s.metrics(c.Request().Context(), v.Selection); err != nil {
		return nil, err
	}
	return v, nil
}

// selection parses the request's selection without computing figures, for
// pages that only need what is loaded.
func (s *Server) selection(c echo.Context, extra ...string) (*View, error) {
	q := c.QueryParams()
	if err := checkKnown(q, selectionParams, extra); err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	geo, err := s.db.Places(ctx)
	if err != nil {
		return nil, err
	}
	data, err := s.db.Range(ctx)
	if err != nil {
		return nil, err
	}
	sel, err := parseSelection(q, geo, data)
	if err != nil {
		return nil, err
	}
	return &View{Selection: sel, Geography: geo, Data: data, Disclosure: s.disclosure}, nil
}

// request is a selection with this server's settings and disclosure control.
func (s *Server) request(sel queries.Selection) queries.Request {
	return queries.Request{Selection: sel, Settings: s.settings, Disclose: s.disclosure == queries.DisclosureOn}
}

// The one place in dashboard/ that asks queries for figures: every page, the
// API and (later) downloads get theirs through report, monthly and target.

// report computes a request's figures (DB.Metrics: counts, disclosure
// control when on, then every derived figure once).
func (s *Server) report(ctx context.Context, req queries.Request) (*queries.Report, error) {
	return s.db.Metrics(ctx, req)
}

// monthly computes a request's figures month by month for its place.
func (s *Server) monthly(ctx context.Context, req queries.Request) ([]queries.MonthFigures, error) {
	return s.db.Trends(ctx, req)
}

// metrics computes a selection's figures with the server's settings.
func (s *Server) metrics(ctx context.Context, sel queries.Selection) (*queries.Report, error) {
	return s.report(ctx, s.request(sel))
}

// monthlyRows streams a request's figures by area and month.
func (s *Server) monthlyRows(ctx context.Context, req queries.Request, fn func(*queries.AreaMonth) error) error {
	return s.db.Monthly(ctx, req, fn)
}
