package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
)

// pageData is what the layout needs, with the page's own Body.
type pageData struct {
	Title  string
	Lead   string // the selection in words, under the heading
	Nav    []navLink
	Filter *filterBar
	Charts bool // the page draws charts: load ECharts
	NoData bool
	// Disclosure says whether disclosure control applied to the figures.
	Disclosure string
	// DataAsOf says which data the page's figures show.
	DataAsOf string
	// Warning is shown above the figures: the latest month is incomplete.
	Warning string
	// User is who is signed in (nil when sign-in is off).
	User *userBar
	Body any
}

type navLink struct {
	Label, Href string
	Current     bool
}

// navLinks lists the pages, each keeping the selection's query so the
// chosen period and place follow the reader from page to page.
func navLinks(current, query string) []navLink {
	pages := []struct{ label, path string }{
		{"Overview", "/"}, {"Capacity", "/capacity"}, {"Training", "/training"},
		{"Outcomes", "/outcomes"}, {"Funding", "/funding"}, {"Targeting", "/targeting"}, {"Inequality", "/inequality"}, {"Evidence", "/evidence"}, {"Data quality", "/data-quality"}, {"Downloads", "/downloads"}, {"About the data", "/about"},
	}
	links := make([]navLink, len(pages))
	for i, p := range pages {
		links[i] = navLink{Label: p.label, Href: p.path + query, Current: p.path == current}
	}
	return links
}

// pageView is s.view for pages. A GET form cannot leave out an empty field,
// so an empty parameter means "the default" here (the API refuses it); every
// other check, and every figure, is the API's own.
func (s *Server) pageView(c echo.Context, extra ...string) (*View, url.Values, error) {
	return s.pageViewWith(c, s.view, extra...)
}

// pageSelection is pageView without computing the figures.
func (s *Server) pageSelection(c echo.Context, extra ...string) (*View, url.Values, error) {
	return s.pageViewWith(c, s.selection, extra...)
}

func (s *Server) pageViewWith(c echo.Context, view func(echo.Context, ...string) (*View, error), extra ...string) (*View, url.Values, error) {
	takeTableParam(c)
	q := c.QueryParams() // echo caches this map: view reads the cleaned one
	for name, values := range q {
		if len(values) == 1 && strings.TrimSpace(values[0]) == "" {
			delete(q, name)
		}
	}
	warm(c, warmNote)
	v, err := view(c, extra...)
	if err != nil {
		return nil, nil, err
	}
	// Every page says when each kind was loaded and warns when the
	// selection's latest month is incomplete (METRICS.md).
	n, err := s.returnsNote(c.Request().Context(), v)
	if err != nil {
		return nil, nil, err
	}
	c.Set(returnsNoteKey, n)
	return v, q, nil
}

// encodeQuery keeps the named parameters of q, as "?a=b&…" or "".
func encodeQuery(q url.Values, names ...string) string {
	keep := url.Values{}
	for _, n := range names {
		if vs, ok := q[n]; ok {
			keep[n] = vs
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return "?" + keep.Encode()
}

// selectionQuery is the whole selection; periodQuery only the period (and
// funding year), which is what an area's profile takes.
func selectionQuery(q url.Values) string { return encodeQuery(q, selectionParams...) }
func periodQuery(q url.Values) string    { return encodeQuery(q, "from", "to", "fy") }

// profileHref links to an area's profile, keeping the period.
func profileHref(code string, q url.Values) string {
	return "/areas/" + url.PathEscape(code) + periodQuery(q)
}

// basePage fills the layout's fields common to the selection pages.
func basePage(c echo.Context, v *View, q url.Values, title string) *pageData {
	p := &pageData{
		Title:      title,
		Nav:        navLinks(c.Request().URL.Path, selectionQuery(q)),
		NoData:     !v.HasData(),
		Disclosure: disclosureNote(v.Disclosure),
	}
	if v.HasData() {
		p.Lead = selectionLead(v.Selection)
		p.Filter = newFilterBar(c.Request().URL.Path, v, q, false)
	}
	if v.Report != nil {
		p.DataAsOf = dataAsOfText(v.AsOf)
	}
	if n, ok := c.Get(returnsNoteKey).(returnsNote); ok {
		p.Warning = n.Warning
		if n.Kinds != "" {
			p.DataAsOf = dataAsOfText(v.AsOf) + " Latest load of each kind: " + n.Kinds + "."
		}
	}
	return p
}

// dataAsOfText says which data a page shows (METRICS.md: one data version
// per answer).
func dataAsOfText(a queries.DataAsOf) string {
	text := fmt.Sprintf("Data version %d", a.Version)
	if !a.LoadedAt.IsZero() {
		text += ", loaded " + a.LoadedAt.Format("2 January 2006 15:04") + " UTC"
	}
	return text + "."
}

// selectionLead says what the page shows: "North West, by ICB: Jul 2024 to
// Jun 2025 (12 months)".
func selectionLead(sel queries.Selection) string {
	return fmt.Sprintf("%s, by %s: %s (%s)", sel.Place.Name, levelNoun(sel.Level, false),
		periodLabel(sel.From, sel.To), monthsLabel(sel.Months()))
}

// areaMetrics returns the figures of one area (England, a region, an ICB or
// a PCN) for a period, from the same computation the API uses (s.metrics):
// the area as the place, at its own level, so that only its own figures are
// computed.
func (s *Server) areaMetrics(ctx context.Context, sel queries.Selection, area queries.Place) (*queries.Metrics, error) {
	if area.Level == queries.LevelEngland {
		sel.Place, sel.Level = queries.England, queries.LevelRegion
		rep, err := s.metrics(ctx, sel)
		if err != nil {
			return nil, fmt.Errorf("figures for England: %w", err)
		}
		return &rep.England, nil
	}
	sel.Place, sel.Level = area, area.Level
	rep, err := s.metrics(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("figures for %s: %w", area.Code, err)
	}
	if len(rep.Areas) != 1 || rep.Areas[0].Code != area.Code {
		return nil, fmt.Errorf("figures for %s: %d areas computed", area.Code, len(rep.Areas))
	}
	return &rep.Areas[0].Metrics, nil
}

// placeMetrics returns the selected place's own figures.
func (s *Server) placeMetrics(ctx context.Context, v *View) (*queries.Metrics, error) {
	if v.Selection.Place.Level == queries.LevelEngland {
		return &v.Report.England, nil
	}
	return s.areaMetrics(ctx, v.Selection, v.Selection.Place)
}

// table is a data table: the accessible form of a chart.
type table struct {
	ID       string
	Caption  string
	Head     []column
	Rows     [][]cell
	RowHeads bool // the first cell of each row is its header (th scope=row)
}

type column struct {
	Label string
	Num   bool
}

type cell struct {
	Text, Href string
	Num        bool
}

func num(text string) cell { return cell{Text: text, Num: true} }

// areaCell names an area, linked to its profile.
func areaCell(code, name string, q url.Values) cell {
	if code == "" { // a group of areas (a peer group) has no profile
		return cell{Text: name}
	}
	return cell{Text: name, Href: profileHref(code, q)}
}

// chartView is one chart: heading, summary in words, the options for the
// static script, and the same data as a table.
type chartView struct {
	ID, Title, Summary string
	Spec               json.RawMessage // nil: nothing to draw
	Table              table
	Downloads          []downloadLink // the report that holds this chart's figures
}

func newChart(id, title, summary string, spec *charts.Spec, t table, q url.Values) (chartView, error) {
	cv := chartView{ID: id, Title: title, Summary: summary, Table: t}
	if t.ID == "" {
		cv.Table.ID = id + "-table"
	}
	if cv.Table.Caption == "" {
		cv.Table.Caption = title
	}
	if spec == nil {
		return cv, nil
	}
	spec.Query = strings.TrimPrefix(periodQuery(q), "?")
	raw, err := spec.Marshal()
	if err != nil {
		return cv, fmt.Errorf("chart %s: %w", id, err)
	}
	cv.Spec = raw
	return cv, nil
}

// monthCategories labels the months of a trend.
func monthCategories(months []trendMonth) []string {
	out := make([]string, len(months))
	for i, m := range months {
		out[i] = monthLabel(m.Month)
	}
	return out
}

func ptr(v float64) *float64 { return &v }

// changeText says how a figure moved against the previous period.
type changeKind int

const (
	changePercent changeKind = iota // counts: relative change
	changeAbsolute
	changePoints // rates: percentage points
)

func changeText(cur, prev *float64, kind changeKind, months int) string {
	against := "the previous " + monthsLabel(months)
	if cur == nil || prev == nil {
		return "No figure to compare for " + against
	}
	d := *cur - *prev
	var size string
	switch kind {
	case changePercent:
		if *prev == 0 {
			return "No figure to compare for " + against
		}
		size = withCommas(absf(d / *prev * 100), 1) + "%"
	case changePoints:
		size = withCommas(absf(d*100), 1) + " percentage points"
	default:
		size = withCommas(absf(d), 1)
	}
	switch {
	case size == "0.0%" || size == "0.0" || size == "0.0 percentage points":
		return "No change on " + against
	case d > 0:
		return "Up " + size + " on " + against
	}
	return "Down " + size + " on " + against
}

func absf(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
