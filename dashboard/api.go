package dashboard

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"spdash/queries"
)

// Period is the selection's month range in the API.
type Period struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Months int    `json:"months"`
}

// Answer says what an API answer is about: its selection, whether
// disclosure control applied, and which data it shows (METRICS.md: one data
// version per answer). The version is a string: it is an identifier beyond
// JSON's exact integers, not a figure.
type Answer struct {
	Period       Period        `json:"period"`
	Place        queries.Place `json:"place"`
	Level        string        `json:"level"`
	FY           string        `json:"fy"`
	Disclosure   string        `json:"disclosure"`
	DataVersion  string        `json:"data_version"`
	DataLoadedAt string        `json:"data_loaded_at,omitempty"` // RFC 3339, UTC
}

func newAnswer(v *View) Answer {
	sel := v.Selection
	a := Answer{
		Period:     Period{From: sel.From.Format("2006-01"), To: sel.To.Format("2006-01"), Months: sel.Months()},
		Place:      sel.Place,
		Level:      sel.Level,
		FY:         sel.FY,
		Disclosure: v.Disclosure,
	}
	if v.Report != nil {
		a.DataVersion = strconv.FormatUint(v.AsOf.Version, 10) // the request's: every figure of it reads this version
		if at := v.AsOf.LoadedAt; !at.IsZero() {
			a.DataLoadedAt = at.Format(time.RFC3339)
		}
	}
	return a
}

// noDataMessage is an answer's message when nothing is loaded.
const noDataMessage = "No data is loaded yet: load the monthly returns with spdash etl load."

// MetricsResponse is the body of GET /api/v1/metrics (METRICS.md). Withheld
// and unknown figures are null by their own JSON form (queries.Figure).
type MetricsResponse struct {
	Answer
	England *queries.Metrics      `json:"england"`
	Areas   []queries.AreaMetrics `json:"areas"`
	Message string                `json:"message,omitempty"`
}

func newMetricsResponse(v *View) MetricsResponse {
	r := MetricsResponse{Answer: newAnswer(v), Areas: []queries.AreaMetrics{}}
	if v.Report == nil {
		r.Message = noDataMessage
		return r
	}
	r.England = &v.Report.England
	r.Areas = v.Report.Areas
	return r
}

func (s *Server) apiMetrics(c echo.Context) error {
	warm(c, warmAreaTrends)
	v, err := s.view(c)
	if err != nil {
		return err
	}
	r := newMetricsResponse(v)
	if v.Report != nil {
		// Each rate carries its recent trend (METRICS.md), on copies of the
		// cached figures.
		ctx := c.Request().Context()
		trends, err := s.areaTrends(ctx, v.Selection)
		if err != nil {
			return err
		}
		eng := queries.WithTrends(*r.England, trends[queries.EnglandCode])
		r.England = &eng
		withTrends := make([]queries.AreaMetrics, len(r.Areas))
		for i, a := range r.Areas {
			a.Metrics = queries.WithTrends(a.Metrics, trends[a.Code])
			withTrends[i] = a
		}
		r.Areas = withTrends
	}
	// The areas are written one at a time (writeJSONList): the same JSON
	// as the whole response's, but "message" (only when nothing is loaded,
	// with no areas) comes before "areas".
	head := struct {
		Answer
		England *queries.Metrics `json:"england"`
		Message string           `json:"message,omitempty"`
	}{r.Answer, r.England, r.Message}
	return writeJSONList(c, http.StatusOK, head, "areas", r.Areas)
}
