package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"spdash/internal/users"
)

// The pages are html/template files (a base layout and one template per
// page) and static files, all embedded so the binary serves everything a page
// loads: no CDN, no web fonts.
var (
	//go:embed templates/*.html
	templateFiles embed.FS
	//go:embed static
	staticFiles embed.FS
)

// assetVersions maps each static file to a hash of its content. Pages link
// to /static/NAME?v=HASH, so the files can be cached for a year and a new
// build is still fetched at once. Computed on first use (by the first server
// made), not when the program starts: the command line's other commands
// never need it.
var assetVersions = sync.OnceValue(func() map[string]string {
	versions := map[string]string{}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		versions[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("dashboard: reading embedded static files: %v", err))
	}
	return versions
})

func assetURL(name string) (string, error) {
	v, ok := assetVersions()[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + v, nil
}

// cardList is the "cards" partial's data: headline figures as cards.
type cardList struct {
	Items    []headline
	Outcomes bool // the outcome cards, which mark the direct routes into work
}

// pageTemplates holds one template set per page: the layout and partials
// with that page's "content". Parsed on first use: every server parses them
// when it is made (newServer), so a broken template stops it there.
var pageTemplates = sync.OnceValue(func() map[string]*template.Template {
	funcs := template.FuncMap{"asset": assetURL, "kindLabel": kindLabel, "cards": func(items []headline, outcomes bool) cardList {
		return cardList{Items: items, Outcomes: outcomes}
	}}
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFiles,
		"templates/layout.html", "templates/partials.html"))
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "capacity", "training", "outcomes", "area", "about", "targeting", "downloads", "error", "login", "admin", "evidence", "quality", "inequality"} {
		t := template.Must(base.Clone())
		pages[name] = template.Must(t.ParseFS(templateFiles, "templates/"+name+".html"))
	}
	return pages
})

// routePages registers the HTML pages and their static files.
func (s *Server) routePages(e *echo.Echo) {
	e.GET("/", s.overviewPage)
	e.GET("/capacity", s.capacityPage)
	e.GET("/training", s.trainingPage)
	e.GET("/outcomes", s.outcomesPage)
	e.GET("/funding", s.fundingPage)
	e.GET("/downloads", s.downloadsPage)
	e.GET("/download/:file", s.download)
	e.GET("/targeting", s.targetingPage)
	e.GET("/evidence", s.evidencePage)
	e.GET("/data-quality", s.dataQualityPage)
	e.GET("/inequality", s.inequalityPage)
	e.GET("/areas/:code", s.areaPage)
	e.GET("/about", s.aboutPage)
	e.GET("/static/*", s.static)
}

// render executes a page into a buffer first, so a template error gives an
// error page rather than half a page.
func (s *Server) render(c echo.Context, status int, name string, data *pageData) error {
	if id, _ := c.Get(tableParam).(string); id != "" && status == http.StatusOK {
		return writeTable(c, c.Request().URL.Path, data)
	}
	s.signedIn(c, data)
	t, ok := pageTemplates()[name]
	if !ok {
		return fmt.Errorf("render: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return writeBlob(c, status, echo.MIMETextHTMLCharsetUTF8, buf.Bytes())
}

// signedIn names the signed-in user on the page, with the sign-out button
// and, for admins, the admin page's link.
func (s *Server) signedIn(c echo.Context, data *pageData) {
	if s.accessConf.Mode == AuthOff {
		return
	}
	p, ok := c.Request().Context().Value(principalKey{}).(*principal)
	if !ok {
		return
	}
	scope := ""
	if p.limited() {
		scope = strings.Join(append(append([]string{}, p.Regions...), p.ICBs...), ", ")
	}
	data.User = &userBar{Name: p.Name, Role: string(p.Role), Areas: scope, CanSignOut: s.accessConf.Mode == AuthUsers}
	if p.Role.AtLeast(users.Admin) {
		data.Nav = append(data.Nav, navLink{Label: "Admin", Href: "/admin", Current: c.Request().URL.Path == "/admin"})
	}
}

// userBar is who the page is for.
type userBar struct {
	Name, Role, Areas string
	CanSignOut        bool
}

// errorTitles are the headings of the error pages, in plain words.
var errorTitles = map[int]string{
	http.StatusBadRequest:          "There is a problem with the address",
	http.StatusNotFound:            "Page not found",
	http.StatusServiceUnavailable:  "Sorry, the figures are not available just now",
	http.StatusInternalServerError: "Sorry, there is a problem with the dashboard",
}

// renderError shows an error page in the site's layout: never a stack trace.
func (s *Server) renderError(c echo.Context, status int, msg string) {
	title, ok := errorTitles[status]
	if !ok {
		title = http.StatusText(status)
	}
	here := c.Request().URL.Path
	if !strings.HasPrefix(here, "/") || strings.HasPrefix(here, "//") {
		here = "/" // never a link off the site
	}
	data := &pageData{
		Title: title,
		Nav:   navLinks(here, ""),
		Body:  errorBody{Status: status, Message: msg, Path: here, BadRequest: status == http.StatusBadRequest},
	}
	if err := s.render(c, status, "error", data); err != nil {
		s.log.Error("render error page", "err", err)
		// The layout itself failed: fall back to plain text, still no trace.
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextPlainCharsetUTF8)
		c.Response().WriteHeader(status)
		_, _ = c.Response().Write([]byte(title + "\n\n" + msg + "\n"))
	}
}

type errorBody struct {
	Status     int
	Message    string
	Path       string
	BadRequest bool
}

// static serves the embedded files under /static/ with long cache headers
// (their URLs carry a version).
func (s *Server) static(c echo.Context) error {
	name := path.Clean("/" + c.Param("*"))[1:]
	if name == "" || name == "." {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such file.")
	}
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such file.")
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	switch {
	case strings.HasSuffix(name, ".js"):
		ctype = "text/javascript; charset=utf-8"
	case ctype == "":
		ctype = "text/plain; charset=utf-8" // LICENSE, NOTICE
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, ctype, b)
}
