package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"time"

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
	// AsOf is the data version every figure of this request reads.
	AsOf queries.DataAsOf
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
	ctx := c.Request().Context()
	s.startWarm(c, v)
	if v.Report, err = s.metrics(ctx, v.Selection); err != nil {
		return nil, err
	}
	return v, nil
}

// warmKey holds what a request's page reads after its figures (warm).
const warmKey = "warm"

// warmer is one of a page's reads after its figures, for its view.
type warmer func(s *Server, ctx context.Context, v *View)

// warm says what a page reads after its figures. view starts each beside
// the figures, through the cache (which computes one request once), so the
// page's own later call finds it computed or under way: independent
// statements run at once instead of one after another. An error is left
// for the page's own call to meet.
func warm(c echo.Context, ws ...warmer) {
	prev, _ := c.Get(warmKey).([]warmer)
	c.Set(warmKey, append(prev, ws...))
}

// startWarm starts the request's warmers, each with a copy of the view
// (view goes on to fill in its figures).
func (s *Server) startWarm(c echo.Context, v *View) {
	ws, _ := c.Get(warmKey).([]warmer)
	ctx := c.Request().Context()
	for _, w := range ws {
		copied := *v
		go w(s, ctx, &copied)
	}
}

// The warmers of the pages.
var (
	warmNote        warmer = func(s *Server, ctx context.Context, v *View) { _, _ = s.returnsNote(ctx, v) }
	warmTrends      warmer = func(s *Server, ctx context.Context, v *View) { _, _ = s.trends(ctx, v) }
	warmPlaceTrends warmer = func(s *Server, ctx context.Context, v *View) { _, _ = s.placeTrends(ctx, v.Selection) }
	warmAreaTrends  warmer = func(s *Server, ctx context.Context, v *View) { _, _ = s.areaTrends(ctx, v.Selection) }
	warmRecent      warmer = func(s *Server, ctx context.Context, v *View) { _, _ = s.recentTrends(ctx, v.Selection) }
	// warmPlace: a region's or an ICB's own figures (placeMetrics), beside
	// those of its areas (England's come with every answer).
	warmPlace warmer = func(s *Server, ctx context.Context, v *View) {
		if v.Selection.Place.Level != queries.LevelEngland {
			_, _ = s.areaMetrics(ctx, v.Selection, v.Selection.Place)
		}
	}
	// warmPrevious: the place's figures over the period before the
	// selection's, where the data covers it (the overview's changes).
	warmPrevious warmer = func(s *Server, ctx context.Context, v *View) {
		if prev := queries.PreviousPeriod(v.Selection); v.Data.Covers(prev.From, prev.To) {
			_, _ = s.areaMetrics(ctx, prev, v.Selection.Place)
		}
	}
)

// selection parses the request's selection without computing figures, for
// pages that only need what is loaded. It reads the request's data version
// once: every figure of the request reads that version (METRICS.md: one data
// version per answer), and the version keys the cache.
func (s *Server) selection(c echo.Context, extra ...string) (*View, error) {
	q := c.QueryParams()
	if err := checkKnown(q, selectionParams, extra); err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	asOf, ok := ctx.Value(asOfKey{}).(queries.DataAsOf) // read by the ETag step
	if !ok {
		var err error
		if asOf, err = s.dataAsOf(ctx); err != nil {
			return nil, err
		}
		ctx = context.WithValue(ctx, asOfKey{}, asOf)
		c.SetRequest(c.Request().WithContext(ctx))
	}
	// The places and the data's range are independent: read them side by side.
	var data queries.DataRange
	var dataErr error
	rangeRead := make(chan struct{})
	go func() {
		defer close(rangeRead)
		data, dataErr = cached(ctx, s, "range|"+asOf.Stamp(), func(ctx context.Context) (queries.DataRange, error) {
			return s.db.Range(ctx, asOf)
		}, func(queries.DataRange) int { return 1 })
	}()
	areas, err := s.areasOf(ctx, asOf, func(ctx context.Context) (*queries.Areas, error) {
		return s.db.AreasAt(ctx, asOf)
	})
	<-rangeRead
	if err != nil {
		return nil, err
	}
	if dataErr != nil {
		return nil, dataErr
	}
	// The request's answers take the areas from here: one read of them per
	// request (and none while they are kept).
	asOf = asOf.WithAreas(areas)
	c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), asOfKey{}, asOf)))
	geo := areas.Geography()
	who := s.principalOf(ctx)
	if who.limited() {
		// Only their areas exist for them: any other code is "not found",
		// as an unknown one is, so codes do not leak (docs/ACCESS.md).
		if geo = geo.Within(who.Regions, who.ICBs); len(geo.ICBs) == 0 {
			return nil, echo.NewHTTPError(http.StatusNotFound, "None of the areas you may see is loaded yet.")
		}
	}
	sel, err := parseSelection(q, geo, data)
	if err != nil {
		return nil, err
	}
	return &View{Selection: sel, Geography: geo, Data: data, Disclosure: who.Disclosure, AsOf: asOf}, nil
}

// request is a selection with this server's settings and the disclosure rule
// of whoever asks (ctx's principal).
func (s *Server) request(ctx context.Context, sel queries.Selection) queries.Request {
	return queries.Request{Selection: sel, Settings: s.settings, Disclose: s.principalOf(ctx).Disclosure == queries.DisclosureOn}
}

// The one place in dashboard/ that asks queries for figures: every page, the
// API and the downloads get theirs through report, monthly, monthlyRows and
// target, at the request's data version, from the cache when they can.

// report computes a request's figures (DB.Metrics: counts, disclosure
// control when on, then every derived figure once), from the cache when the
// same request at the same data version was answered before.
func (s *Server) report(ctx context.Context, req queries.Request) (*queries.Report, error) {
	req, err := s.versioned(ctx, req)
	if err != nil {
		return nil, err
	}
	return cached(ctx, s, requestKey("report", req, stampOf(ctx)), func(ctx context.Context) (*queries.Report, error) {
		return s.db.Metrics(ctx, req)
	}, func(r *queries.Report) int { return len(r.Areas) + 1 })
}

// monthly computes a request's figures month by month for its place.
func (s *Server) monthly(ctx context.Context, req queries.Request) ([]queries.MonthFigures, error) {
	req, err := s.versioned(ctx, req)
	if err != nil {
		return nil, err
	}
	return cached(ctx, s, requestKey("trends", req, stampOf(ctx)), func(ctx context.Context) ([]queries.MonthFigures, error) {
		return s.db.Trends(ctx, req)
	}, func(m []queries.MonthFigures) int { return len(m)/12 + 1 })
}

// metrics computes a selection's figures with the server's settings.
func (s *Server) metrics(ctx context.Context, sel queries.Selection) (*queries.Report, error) {
	return s.report(ctx, s.request(ctx, sel))
}

// monthlyRows streams a request's figures by area and month (not cached:
// an extract is read once, as it is written).
func (s *Server) monthlyRows(ctx context.Context, req queries.Request, fn func(*queries.AreaMonth) error) error {
	req, err := s.versioned(ctx, req)
	if err != nil {
		return err
	}
	return s.db.Monthly(ctx, req, fn)
}

// asOfKey carries a request's data version in its context.
type asOfKey struct{}

// dataAsOf is the newest committed data version; concurrent requests share
// one query, and a version read less than versionEvery ago is used as read.
func (s *Server) dataAsOf(ctx context.Context) (queries.DataAsOf, error) {
	if s.versionEvery > 0 {
		s.lastVersion.Lock()
		a, read := s.lastVersion.asOf, s.lastVersion.read
		s.lastVersion.Unlock()
		if !read.IsZero() && time.Since(read) < s.versionEvery {
			return a, nil
		}
	}
	v, err := s.versionCheck.Do(ctx, "data as of", func(ctx context.Context) (any, error) {
		started := time.Now()
		// The newest areas are read beside the version when the areas of
		// the version read last are not kept (a new server, or they left
		// the cache): the version then names them, and the page does not
		// wait for a second statement after the first. Otherwise a load of
		// any other kind leaves the areas as they are, kept by their load.
		var newest *queries.Areas
		read := make(chan struct{})
		if s.lastAreasKept() {
			close(read)
		} else {
			go func() {
				defer close(read)
				newest, _ = s.db.NewestAreas(ctx) // on an error the page reads them itself
			}()
		}
		a, err := s.db.DataAsOf(ctx)
		<-read
		if err == nil && newest.Of(a) { // else an areas load committed between the two
			_, _ = s.areasOf(ctx, a, func(context.Context) (*queries.Areas, error) { return newest, nil })
		}
		if err == nil {
			s.lastVersion.Lock()
			s.lastVersion.asOf, s.lastVersion.read = a, started
			s.lastVersion.Unlock()
		}
		return a, err
	})
	if err != nil {
		return queries.DataAsOf{}, err
	}
	return v.(queries.DataAsOf), nil
}

// areasOf is the areas of asOf's version, kept by the areas load they are
// (read with read when not kept).
func (s *Server) areasOf(ctx context.Context, asOf queries.DataAsOf, read func(context.Context) (*queries.Areas, error)) (*queries.Areas, error) {
	return cached(ctx, s, areasKey(asOf), read, func(a *queries.Areas) int { return a.Len()/10 + 1 })
}

// areasKey names asOf's areas in the cache.
func areasKey(asOf queries.DataAsOf) string { return "areas|" + asOf.AreasKey() }

// lastAreasKept reports whether the areas of the version read last are kept.
func (s *Server) lastAreasKept() bool {
	s.lastVersion.Lock()
	a, read := s.lastVersion.asOf, s.lastVersion.read
	s.lastVersion.Unlock()
	if read.IsZero() {
		return false
	}
	_, ok := s.cache.lookup(areasKey(a))
	return ok
}

// versioned pins a request to the data version of the HTTP request it
// serves (its context), or to the newest when it has none.
func (s *Server) versioned(ctx context.Context, req queries.Request) (queries.Request, error) {
	if req.Version != 0 {
		return req, nil
	}
	if a, ok := ctx.Value(asOfKey{}).(queries.DataAsOf); ok {
		req.Version, req.AsOf = a.Version, a
		return req, nil
	}
	a, err := s.dataAsOf(ctx)
	req.Version, req.AsOf = a.Version, a
	return req, err
}

// cached is figureCache.get with types.
func cached[T any](ctx context.Context, s *Server, key string, compute func(context.Context) (T, error), weigh func(T) int) (T, error) {
	v, err := s.cache.get(ctx, key, func(ctx context.Context) (any, error) { return compute(ctx) },
		func(v any) int { return weigh(v.(T)) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// requestKey names a request in the cache: everything that changes its
// answer, with the stamp of the data current when it was asked.
func requestKey(kind string, req queries.Request, stamp string) string {
	sel, set := req.Selection, req.Settings
	return fmt.Sprintf("%s|%d|%s|%s|%s|%s|%s|%s|%v|%g|%g|%g|%g", kind, req.Version, stamp, sel.From.Format("2006-01"), sel.To.Format("2006-01"),
		sel.Place.Code, sel.Level, sel.FY, req.Disclose, set.CaseloadStandard, set.FTECost, set.TrainingCost, set.NeedWeight)
}

// stampOf is the stamp of the request's data (its context's), or "" outside
// a request (the version alone then keys it).
func stampOf(ctx context.Context) string {
	if a, ok := ctx.Value(asOfKey{}).(queries.DataAsOf); ok {
		return a.Stamp()
	}
	return ""
}
