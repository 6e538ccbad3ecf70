package dashboard

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/labstack/echo/v4"

	"spdash/queries"
	"spdash/reports"
)

// Downloads: GET /download/REPORT.csv takes the same selection (and, for
// targeting, the same inputs) as the pages, and writes the figures the page
// shows (reports.Build over Server.report or Server.target).

// downloadParams are the parameters a download takes beyond the selection.
// disclosure=off is for analysts where the deployment allows it (access.go).
var downloadParams = append(append([]string{}, targetingParams...), "outcome", "disclosure")

// WholeSelection is the workbook of every report of a selection.
const WholeSelection = "selection"

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) download(c echo.Context) error {
	file := c.Param("file")
	name, ext, ok := strings.Cut(file, ".")
	if !ok || (ext != "csv" && ext != "xlsx") || !(isReport(name) || (name == WholeSelection && ext == "xlsx")) {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no download %q. The downloads are %s, each as .csv or .xlsx, and %s.xlsx.",
			file, strings.Join(append(append([]string{}, reports.Names...), reports.Monthly), ", "), WholeSelection))
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
	meta := tables[0].Meta
	// The file's headers go out only with the file: an error before it is a
	// message, never saved under the file's name.
	fileHeaders := func() {
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", reports.FileName(name, meta, ext)))
		h.Set("X-Spdash-Data-Version", fmt.Sprint(meta.DataVersion))
		h.Set("X-Spdash-Disclosure", meta.Disclosure)
	}
	if ext == "csv" && tables[0].Stream != nil {
		return s.streamCSV(c, tables[0], fileHeaders)
	}
	// Built whole first (a streamed workbook in a temporary file): an error
	// half-way must not leave a truncated file that looks complete.
	tmp, err := os.CreateTemp("", "spdash-download-*")
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	contentType := "text/csv; charset=utf-8"
	if ext == "csv" {
		err = reports.WriteCSV(tmp, tables[0])
	} else {
		contentType = xlsxType
		title := reports.Titles[name]
		if name == WholeSelection {
			title = "Social prescribing: every table of the selection"
		}
		err = reports.WriteXLSX(tmp, title, tables)
	}
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	fileHeaders()
	return c.Stream(http.StatusOK, contentType, tmp)
}

// streamCSV writes a streamed table (the monthly extract) as it is read:
// constant memory however many areas and months. The status goes out with
// the first row, once the statements have run; an error after that aborts
// the response, so a client never takes a truncated file for a whole one.
func (s *Server) streamCSV(c echo.Context, t *reports.Table, fileHeaders func()) error {
	w := c.Response()
	var write func([]reports.Cell) error
	var closeCSV func() error
	start := func() error {
		fileHeaders()
		w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		var err error
		write, closeCSV, err = reports.CSVStream(w, t.Columns)
		return err
	}
	err := t.Each(func(row []reports.Cell) error {
		if write == nil {
			if err := start(); err != nil {
				return err
			}
		}
		return write(row)
	})
	if err == nil && write == nil { // no area in the selection: the header alone
		err = start()
	}
	if err == nil {
		err = closeCSV()
	}
	if err != nil && w.Committed {
		s.log.Error("download failed part-way: aborting the response", "report", t.Report, "err", err)
		panic(http.ErrAbortHandler) // the client sees a broken transfer, not a short file
	}
	return err
}

func isReport(name string) bool {
	for _, n := range append(append([]string{}, reports.Names...), reports.Monthly, reports.Peers) {
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
	params := downloadParams
	if len(names) == 1 && names[0] == reports.Peers {
		params = append(append([]string{}, downloadParams...), "area")
	}
	v, q, err := s.pageSelection(c, params...)
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
	if _, err := funnelOutcome(q); err != nil { // carried by links from the outcomes page
		return nil, err
	}
	meta := downloadMeta(v)
	var out []*reports.Table
	for _, name := range names {
		m := meta
		var t *queries.Targeting
		var ev *queries.Evidence
		var comp *queries.Completeness
		var ineq *queries.Inequality
		var trends map[string]map[string]string
		rep := v.Report
		// Every table reads the request's data version, the one meta names.
		req := s.request(c.Request().Context(), v.Selection)
		if name == reports.Monthly {
			out = append(out, reports.MonthlyTable(m, func(fn func(*queries.AreaMonth) error) error { return s.monthlyRows(ctx, req, fn) }))
			continue
		}
		switch name {
		case reports.Evidence:
			if ev, err = s.evidence(ctx, v); err != nil {
				return nil, err
			}
		case reports.Completeness:
			if comp, err = s.completeness(ctx, v, v.Selection); err != nil {
				return nil, err
			}
		case reports.Inequality:
			if ineq, err = s.inequality(ctx, v); err != nil {
				return nil, err
			}
		case reports.Peers:
			area, err := peerArea(c, v)
			if err != nil {
				return nil, err
			}
			pf, err := s.peers(ctx, v, area)
			if err != nil {
				return nil, err
			}
			tb, err := reports.Build(name, reports.Inputs{PeerFigures: pf, PeersHidden: v.Geography.Limited()}, m)
			if err != nil {
				return nil, err
			}
			out = append(out, tb)
			continue
		case reports.Outcomes, reports.Training:
			if trends, err = s.areaTrends(ctx, v.Selection); err != nil {
				return nil, err
			}
		}
		if name == reports.Targeting {
			tv := *v
			if t, err = s.target(ctx, &tv, in); err != nil {
				return nil, err
			}
			rep, m.Settings = tv.Report, in.String()
		} else if rep == nil && name != reports.Evidence && name != reports.Completeness && name != reports.Inequality {
			if v.Report, err = s.report(ctx, req); err != nil {
				return nil, err
			}
			rep = v.Report
		}
		tb, err := reports.Build(name, reports.Inputs{Report: rep, Targeting: t, Evidence: ev, Completeness: comp, Inequality: ineq, Trends: trends}, m)
		if err != nil {
			return nil, err
		}
		out = append(out, tb)
	}
	return out, nil
}

// downloadMeta says what a download shows: the selection, the disclosure
// rule and the data version every table of it reads (the request's).
func downloadMeta(v *View) reports.Meta {
	return reports.Meta{From: v.Selection.From.Format("2006-01"), To: v.Selection.To.Format("2006-01"), Place: v.Selection.Place,
		Level: v.Selection.Level, FY: v.Selection.FY, Disclosure: v.Disclosure, DataVersion: v.AsOf.Version, LoadedAt: v.AsOf.LoadedAt}
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

// withDownloads links each chart to the report that holds its table: a
// chart of the place's months to the monthly extract of the place itself
// (England's by region, the extract's highest level), any other to report.
func withDownloads(cvs []chartView, report string, v *View, q url.Values) []chartView {
	for i := range cvs {
		name, query, what := report, q, "the whole "+report+" report for this selection"
		if h := cvs[i].Table.Head; len(h) > 0 && h[0].Label == "Month" {
			name, query = reports.Monthly, url.Values{}
			for k, vs := range q {
				query[k] = vs
			}
			query.Set("place", v.Selection.Place.Code)
			if v.Selection.Place.Level == queries.LevelEngland {
				query.Set("level", queries.LevelRegion)
				what = "every monthly figure of England's regions"
			} else {
				query.Set("level", v.Selection.Place.Level)
				what = "every monthly figure of " + v.Selection.Place.Name
			}
		}
		cvs[i].Downloads = downloadLinks(name, query, what)
	}
	return cvs
}

type downloadLink struct{ Label, Href, What string }

// downloadLinks are a report's CSV and Excel links for a query.
func downloadLinks(report string, q url.Values, what string) []downloadLink {
	return []downloadLink{{Label: "Download CSV", Href: downloadHref(report, "csv", q), What: what},
		{Label: "Download Excel", Href: downloadHref(report, "xlsx", q), What: what}}
}

type downloadsBody struct {
	// Without links to the same page with disclosure control off, for an
	// analyst where the deployment allows it (with sign-in on); With back.
	Without, With string
	Selection     string // the whole-selection workbook
	Reports       []reportEntry
	Dictionary    []dictionaryReport
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
	// The inputs it carries into its links are refused here as the downloads
	// would refuse them.
	if _, err := parseTargeting(q, s.settings); err != nil {
		return err
	}
	if _, err := funnelOutcome(q); err != nil {
		return err
	}
	p := basePage(c, v, q, "Downloads")
	body := downloadsBody{Selection: downloadHref(WholeSelection, "xlsx", q)}
	if who := s.principalOf(c.Request().Context()); s.accessConf.Mode != AuthOff && s.mayTurnOff(who) {
		other := url.Values{}
		for k, vs := range q {
			other[k] = vs
		}
		if who.Disclosure == queries.DisclosureOff {
			other.Del("disclosure")
			body.With = "/downloads" + encodeQuery(other, append(append([]string{}, selectionParams...), downloadParams...)...)
		} else {
			other.Set("disclosure", queries.DisclosureOff)
			body.Without = "/downloads" + encodeQuery(other, append(append([]string{}, selectionParams...), downloadParams...)...)
		}
	}
	for _, name := range append(append([]string{}, reports.Names...), reports.Monthly) {
		entry := reportEntry{Name: name, Title: reports.Titles[name], CSV: downloadHref(name, "csv", q), XLSX: downloadHref(name, "xlsx", q)}
		var cols []reports.Column
		if name == reports.Monthly {
			cols = reports.MonthlyColumns()
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
