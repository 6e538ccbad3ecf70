package dashboard

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// A chart whose figures no report holds as they are shown (an area profile's
// comparisons, targeting's scenarios and sensitivity) links to its own data
// table as CSV: the page's URL with table=CHART-ID. The page is computed as
// usual and, instead of the HTML, its chart's table is written, cell by cell
// as shown.

// tableParam names the chart whose table a page writes as CSV.
const tableParam = "table"

// chartLister is a page body with charts.
type chartLister interface{ chartList() []chartView }

func (b chartsBody) chartList() []chartView   { return b.Charts }
func (b overviewBody) chartList() []chartView { return b.Charts }
func (b areaBody) chartList() []chartView     { return b.Charts }
func (b targetingBody) chartList() []chartView {
	out := append([]chartView{}, b.Charts...)
	if b.Scenario != nil {
		out = append(out, b.Scenario.Chart)
	}
	return append(out, b.Sensitive)
}

// takeTableParam removes table= from the page's parameters (it is not part
// of the selection) and remembers it for render.
func takeTableParam(c echo.Context) {
	q := c.QueryParams()
	if vs, ok := q[tableParam]; ok {
		if len(vs) > 0 {
			c.Set(tableParam, vs[0])
		}
		delete(q, tableParam)
	}
}

// writeTable writes the chart's table of a rendered page as CSV, or 404.
func writeTable(c echo.Context, page string, data *pageData) error {
	id, _ := c.Get(tableParam).(string)
	lister, ok := data.Body.(chartLister)
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("This page has no chart %q.", id))
	}
	for _, cv := range lister.chartList() {
		if cv.ID != id {
			continue
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		head := make([]string, len(cv.Table.Head))
		for i, h := range cv.Table.Head {
			head[i] = h.Label
		}
		_ = w.Write(head)
		for _, row := range cv.Table.Rows {
			rec := make([]string, len(row))
			for i, cell := range row {
				rec[i] = cell.Text
			}
			_ = w.Write(rec)
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		name := strings.NewReplacer("/", "-", " ", "-").Replace(strings.Trim(page, "-")) + "-" + id
		c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", "spdash-"+name+".csv"))
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
	return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("This page has no chart %q.", id))
}

// tableHref is the page's URL writing one chart's table.
func tableHref(c echo.Context, id string) string {
	u := *c.Request().URL
	q := u.Query()
	q.Del(tableParam)
	q.Set(tableParam, id)
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// withTableDownloads links each chart to its own table as shown.
func withTableDownloads(c echo.Context, cvs []chartView) []chartView {
	for i := range cvs {
		cvs[i].Downloads = []downloadLink{{Label: "Download this table (CSV)", Href: tableHref(c, cvs[i].ID), What: "the figures as this page shows them"}}
	}
	return cvs
}
