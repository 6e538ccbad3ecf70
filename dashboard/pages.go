package dashboard

import (
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"
)

// routePages registers the HTML pages. (Placeholder until the pages land.)
func (s *Server) routePages(e *echo.Echo) {}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Status}} – spdash</title></head>
<body><main><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/">Back to the overview</a></p></main></body></html>
`))

// renderError shows an error page: never a stack trace.
func (s *Server) renderError(c echo.Context, status int, msg string) {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	_ = errorPage.Execute(c.Response(), map[string]any{"Status": status, "Title": http.StatusText(status), "Message": msg})
}
