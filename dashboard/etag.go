package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// Data pages, the API and downloads carry an ETag made of the data's stamp
// (version and commits), who asks (their areas, role and disclosure rule), the build and the URL: a browser or proxy that sends
// it back gets 304 Not Modified, without the figures being computed, until a
// load commits (or a new build is served).

// buildIdentity names this build for ETags: the templates and static files,
// and the executable itself (a new build may compute figures differently
// with the same templates). Read once per process, as buildTag is: hashing
// the executable took ~35 ms of every server made (docs/BENCHMARKS.md).
var buildIdentity = sync.OnceValue(func() string {
	h := sha256.New()
	h.Write([]byte(buildTag()))
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			_, _ = io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
})

// buildTag identifies the templates and static files of this build
// (computed once, by the first server made).
var buildTag = sync.OnceValue(func() string {
	h := sha256.New()
	for _, fsys := range []fs.FS{templateFiles, staticFiles} {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
			h.Write(b)
			return nil
		})
		if err != nil {
			panic(fmt.Sprintf("dashboard: reading embedded files: %v", err))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
})

// etags answers a GET of a data page, the API or a download with 304 when the
// client holds the current answer, and otherwise tags the answer it gives.
func (s *Server) etags(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		p := r.URL.Path
		if r.Method != http.MethodGet || publicPath(p) || p == "/admin" {
			return next(c)
		}
		asOf, err := s.dataAsOf(r.Context())
		if err != nil {
			return next(c) // the handler reports it
		}
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), asOfKey{}, asOf)))
		stamp := asOf.Stamp()
		if p == "/about" {
			// /about shows the latest load, running or failed too, which
			// the data's stamp does not mark: its events do.
			stamp += fmt.Sprintf(".%d", asOf.Events)
		}
		// Who asks is part of the tag: their areas, role and disclosure
		// rule change the answer, and pages name them.
		who := s.principalOf(r.Context()).key()
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%s", stamp, who, s.build, r.URL.RequestURI())))
		tag := `"` + hex.EncodeToString(sum[:12]) + `"`
		h := c.Response().Header()
		h.Set("ETag", tag)
		h.Set("Cache-Control", "no-cache") // keep it, but ask each time: a load may have committed
		for _, inm := range strings.Split(r.Header.Get("If-None-Match"), ",") {
			if t := strings.TrimSpace(inm); t == tag || t == "W/"+tag {
				return c.NoContent(http.StatusNotModified)
			}
		}
		return s.serveSaved(c, tag, next)
	}
}
