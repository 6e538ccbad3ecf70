package dashboard

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"spdash/queries"
)

// Period is the selection's month range in the API.
type Period struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Months int    `json:"months"`
}

// MetricsResponse is the body of GET /api/v1/metrics (METRICS.md).
type MetricsResponse struct {
	Period     Period                `json:"period"`
	Place      queries.Place         `json:"place"`
	Level      string                `json:"level"`
	FY         string                `json:"fy"`
	Disclosure string                `json:"disclosure"`
	England    *queries.Metrics      `json:"england"`
	Areas      []queries.AreaMetrics `json:"areas"`
	Message    string                `json:"message,omitempty"`
}

// MarshalJSON writes withheld figures as null, as METRICS.md asks; the
// figures themselves hold 0 once disclosure control has withheld them.
func (r MetricsResponse) MarshalJSON() ([]byte, error) {
	type plain MetricsResponse
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.Areas) == 0 {
		return b, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	areas := doc["areas"].([]any)
	for i, a := range r.Areas {
		obj := areas[i].(map[string]any)
		for _, name := range a.Suppressed {
			setNull(obj, strings.Split(name, "."))
		}
	}
	return json.Marshal(doc)
}

func setNull(obj map[string]any, path []string) {
	for len(path) > 1 {
		next, ok := obj[path[0]].(map[string]any)
		if !ok {
			return
		}
		obj, path = next, path[1:]
	}
	if _, ok := obj[path[0]]; ok {
		obj[path[0]] = nil
	}
}

func newMetricsResponse(v *View) MetricsResponse {
	sel := v.Selection
	r := MetricsResponse{
		Period:     Period{From: sel.From.Format("2006-01"), To: sel.To.Format("2006-01"), Months: sel.Months()},
		Place:      sel.Place,
		Level:      sel.Level,
		FY:         sel.FY,
		Disclosure: v.Disclosure,
		Areas:      []queries.AreaMetrics{},
	}
	if v.Report == nil {
		r.Message = "No data is loaded yet: load the monthly returns with spdash etl load."
		return r
	}
	r.England = &v.Report.England
	r.Areas = v.Report.Areas
	return r
}

func (s *Server) apiMetrics(c echo.Context) error {
	v, err := s.view(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newMetricsResponse(v))
}
