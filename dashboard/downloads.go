package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"spdash/queries"
	"spdash/reports"
)

// Downloads: GET /download/REPORT.csv takes the same selection (and, for
// targeting, the same inputs) as the pages, and writes the figures the page
// shows (reports.Build over Server.report or Server.target).

// downloadParams are the parameters a download takes beyond the selection.
var downloadParams = append(append([]string{}, targetingParams...), "outcome")

// WholeSelection is the workbook of every report of a selection.
const WholeSelection = "selection"

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) download(c echo.Context) error {
	file := c.Param("file")
	name, ext, ok := strings.Cut(file, ".")
	if !ok || (ext != "csv" && ext != "xlsx") || !(isReport(name) || (name == WholeSelection && ext == "xlsx") || (name == reports.Monthly && ext == "csv")) {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no download %q. The downloads are %s, each as .csv or .xlsx, %s.csv and %s.xlsx.",
			file, strings.Join(reports.Names, ", "), reports.Monthly, WholeSelection))
	}
	if name == reports.Monthly {
		return s.downloadMonthly(c)
	}
	names := []string{name}
	if name == WholeSelection {
		names = reports.Names
	}
	tables, err := s.buildReports(c, names)
	if err != nil {
		return err
	}
	if tables == nil {
		return echo.NewHTTPError(http.StatusNotFound, "No data is loaded yet: load the monthly returns with spdash etl load.")
	}
	// Built in memory first: an error half-way must not leave a truncated
	// file that looks complete.
	var buf bytes.Buffer
	contentType, fileName := "text/csv; charset=utf-8", reports.FileName(tables[0].Report, tables[0].Meta, ext)
	if ext == "csv" {
		err = reports.WriteCSV(&buf, tables[0])
	} else {
		contentType = xlsxType
		title := reports.Titles[name]
		if name == WholeSelection {
			title = "Social prescribing: every table of the selection"
			fileName = strings.Replace(fileName, "-"+tables[0].Report+"-", "-"+WholeSelection+"-", 1)
		}
		err = reports.WriteXLSX(&buf, title, tables)
	}
	if err != nil {
		return err
	}
	meta := tables[0].Meta
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", fileName))
	h.Set("X-Spdash-Data-Version", fmt.Sprint(meta.DataVersion))
	h.Set("X-Spdash-Disclosure", meta.Disclosure)
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

// downloadMonthly streams the monthly extract as it is read: constant memory
// however many areas and months. An error after the first byte aborts the
// response, so that a client never takes a truncated file for a whole one.
func (s *Server) downloadMonthly(c echo.Context) error {
	ctx := c.Request().Context()
	v, q, err := s.pageSelection(c, downloadParams...)
	if err != nil {
		return err
	}
	if !v.HasData() {
		return echo.NewHTTPError(http.StatusNotFound, "No data is loaded yet: load the monthly returns with spdash etl load.")
	}
	if _, err := parseTargeting(q, s.settings); err != nil {
		return err
	}
	meta, err := s.downloadMeta(ctx, v)
	if err != nil {
		return err
	}
	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", reports.FileName(reports.Monthly, meta, "csv")))
	h.Set("X-Spdash-Data-Version", fmt.Sprint(meta.DataVersion))
	h.Set("X-Spdash-Disclosure", meta.Disclosure)
	var write func([]reports.Cell) error
	var closeCSV func() error
	started := false
	err = s.monthlyRows(ctx, s.request(v.Selection), func(am *queries.AreaMonth) error {
		if !started { // the status goes out with the first row, once the statements run
			started = true
			w.WriteHeader(http.StatusOK)
			var err error
			if write, closeCSV, err = reports.CSVStream(w, reports.MonthlyColumns()); err != nil {
				return err
			}
		}
		return write(reports.MonthlyRow(am, meta))
	})
	if err == nil && started {
		err = closeCSV()
	}
	switch {
	case err != nil && started:
		s.log.Error("monthly download failed part-way: aborting the response", "err", err)
		panic(http.ErrAbortHandler) // the client sees a broken transfer, not a short file
	case err != nil:
		return err
	case !started: // no area in the selection: the header alone
		w.WriteHeader(http.StatusOK)
		_, closeCSV, err := reports.CSVStream(w, reports.MonthlyColumns())
		if err != nil {
			return err
		}
		return closeCSV()
	}
	return nil
}

func isReport(name string) bool {
	for _, n := range reports.Names {
		if n == name {
			return true
		}
	}
	return false
}

// buildReports computes reports for the request's selection, as the pages
// of the same URL do; nil when no data is loaded.
func (s *Server) buildReports(c echo.Context, names []string) ([]*reports.Table, error) {
	ctx := c.Request().Context()
	v, q, err := s.pageSelection(c, downloadParams...)
	if err != nil {
		return nil, err
	}
	if !v.HasData() {
		return nil, nil
	}
	in, err := parseTargeting(q, s.settings) // checked for every report: a bad input is a 400
	if err != nil {
		return nil, err
	}
	meta, err := s.downloadMeta(ctx, v)
	if err != nil {
		return nil, err
	}
	var out []*reports.Table
	for _, name := range names {
		m := meta
		var t *queries.Targeting
		rep := v.Report
		if name == reports.Targeting {
			tv := *v
			if t, err = s.target(ctx, &tv, in); err != nil {
				return nil, err
			}
			rep = tv.Report
			m.Settings = fmt.Sprintf("budget £%s, need weight %s, caseload standard %s, FTE cost £%s, training cost £%s",
				trimNum(in.Budget), trimNum(in.NeedWeight), trimNum(in.CaseloadStandard), trimNum(in.FTECost), trimNum(in.TrainingCost))
		} else if rep == nil {
			if v.Report, err = s.metrics(ctx, v.Selection); err != nil {
				return nil, err
			}
			rep = v.Report
		}
		tb, err := reports.Build(name, rep, t, m)
		if err != nil {
			return nil, err
		}
		out = append(out, tb)
	}
	return out, nil
}

// downloadMeta says what a download shows: the selection, the disclosure
// rule and the data version (read before the figures).
func (s *Server) downloadMeta(ctx context.Context, v *View) (reports.Meta, error) {
	version, err := s.db.DataVersion(ctx)
	if err != nil {
		return reports.Meta{}, err
	}
	m := reports.Meta{From: v.Selection.From.Format("2006-01"), To: v.Selection.To.Format("2006-01"), Place: v.Selection.Place,
		Level: v.Selection.Level, FY: v.Selection.FY, Disclosure: v.Disclosure, DataVersion: version}
	loads, err := s.db.RecentLoads(ctx, 1)
	if err != nil {
		return m, err
	}
	if len(loads) > 0 && loads[0].FinishedAt != nil {
		m.LatestLoad = loads[0].FinishedAt.UTC().Format("2006-01-02 15:04:05 UTC")
		m.LatestLoadRFC3339 = loads[0].FinishedAt.UTC().Format(time.RFC3339)
	}
	return m, nil
}

// downloadHref links to a report for the page's selection (and inputs).
func downloadHref(report, ext string, q url.Values) string {
	keep := url.Values{}
	for _, n := range append(append([]string{}, selectionParams...), downloadParams...) {
		if vs, ok := q[n]; ok && len(vs) > 0 && vs[0] != "" {
			keep[n] = vs
		}
	}
	href := "/download/" + report + "." + ext
	if len(keep) > 0 {
		href += "?" + keep.Encode()
	}
	return href
}

// withDownloads links each chart to the report that holds its table; a
// chart of months waits for the monthly report.
func withDownloads(cvs []chartView, report string, q url.Values) []chartView {
	for i := range cvs {
		if h := cvs[i].Table.Head; len(h) > 0 && h[0].Label == "Month" {
			continue
		}
		cvs[i].Downloads = []downloadLink{{Label: "Download CSV", Href: downloadHref(report, "csv", q), Report: report},
			{Label: "Download Excel", Href: downloadHref(report, "xlsx", q), Report: report}}
	}
	return cvs
}

type downloadLink struct{ Label, Href, Report string }

type downloadsBody struct {
	Selection  string // the whole-selection workbook
	Reports    []reportEntry
	Dictionary []dictionaryReport
}

type reportEntry struct {
	Name, Title, CSV, XLSX string
}

type dictionaryReport struct {
	Name, Title string
	Table       table
}

// downloadsPage lists every report for the current selection, and the data
// dictionary generated from the reports' own columns (queries.Catalogue).
func (s *Server) downloadsPage(c echo.Context) error {
	v, q, err := s.pageSelection(c, downloadParams...)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "Downloads")
	body := downloadsBody{Selection: downloadHref(WholeSelection, "xlsx", q)}
	for _, name := range append(append([]string{}, reports.Names...), reports.Monthly) {
		entry := reportEntry{Name: name, Title: reports.Titles[name], CSV: downloadHref(name, "csv", q), XLSX: downloadHref(name, "xlsx", q)}
		var cols []reports.Column
		if name == reports.Monthly { // streamed: CSV only
			entry.XLSX, cols = "", reports.MonthlyColumns()
		} else if cols, err = reports.Columns(name); err != nil {
			return err
		}
		body.Reports = append(body.Reports, entry)
		t := table{ID: "dictionary-" + name, Caption: reports.Titles[name] + ": columns", RowHeads: true,
			Head: []column{{Label: "Column"}, {Label: "Meaning"}, {Label: "Unit"}, {Label: "Source"}}}
		for _, col := range cols {
			t.Rows = append(t.Rows, []cell{{Text: col.Name}, {Text: col.Label + ": " + col.Meaning}, {Text: col.Unit}, {Text: col.Source}})
		}
		body.Dictionary = append(body.Dictionary, dictionaryReport{Name: name, Title: reports.Titles[name], Table: t})
	}
	p.NoData = false
	p.Body = body
	return s.render(c, http.StatusOK, "downloads", p)
}
