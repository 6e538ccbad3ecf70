// Package dashboard serves the commissioning dashboard: pages with charts,
// and the JSON API they share their figures with.
package dashboard

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"spdash/internal/flight"
	"spdash/queries"
)

// Options configure a Server.
type Options struct {
	DB       *queries.DB
	Log      *slog.Logger
	Settings queries.Settings
	// DisclosureOff turns disclosure control off, for a deployment used only
	// by internal analysts (METRICS.md). It is on by default.
	DisclosureOff bool
	// CacheWeight bounds the answers kept in memory (DefaultCacheWeight when 0).
	CacheWeight int
	// VersionEvery is how long a data version read from the database is
	// used before it is read again: a load shows on pages at most this long
	// after it commits. 0 reads it for every request (concurrent requests
	// still share one read). spdash serve uses DefaultVersionEvery.
	VersionEvery time.Duration
	// Access configures sign-in; off when zero.
	Access Access
	// Audit records who did what: in the log and, through its own
	// connection, the audit table (spdash serve makes one). When nil, events
	// go to the log only.
	Audit *Auditor
}

// DefaultVersionEvery: under load, one version query a second instead of
// one per request (each costs the server a few milliseconds of CPU).
const DefaultVersionEvery = time.Second

// Server holds what the handlers share.
type Server struct {
	db         *queries.DB
	log        *slog.Logger
	settings   queries.Settings
	disclosure string // queries.DisclosureOn or Off
	// cache holds computed answers by request and data version;
	// versionCheck shares the data version's query among concurrent requests.
	cache        *figureCache
	responses    *responseCache
	versionCheck flight.Group[any]
	versionEvery time.Duration
	lastVersion  struct {
		sync.Mutex
		asOf queries.DataAsOf
		read time.Time // zero: never read
	}
	build string // this build's identity, for ETags

	accessConf Access
	sessionKey []byte
	audit      *Auditor
	logins     *loginLimiter
	proxySeen  seenOnce
}

// contentSecurityPolicy allows only the server's own scripts, styles and
// images: no inline script, no CDN.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// New returns the HTTP handler of the dashboard.
func New(opts Options) *echo.Echo {
	_, e := newServer(opts)
	return e
}

func newServer(opts Options) (*Server, *echo.Echo) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Settings.CaseloadStandard == 0 {
		opts.Settings = queries.DefaultSettings
	}
	s := &Server{db: opts.DB, log: opts.Log, settings: opts.Settings, disclosure: queries.DisclosureOn, cache: newFigureCache(opts.CacheWeight),
		responses: newResponseCache(0), versionEvery: opts.VersionEvery, build: buildIdentity()}
	pageTemplates() // parsed once per process, here rather than by the first page
	if opts.DisclosureOff {
		s.disclosure = queries.DisclosureOff
	}
	s.accessConf, s.audit, s.logins = opts.Access, opts.Audit, newLoginLimiter()
	if s.accessConf.Mode == "" {
		s.accessConf.Mode = AuthOff
	}
	if s.sessionKey = opts.Access.SessionKey; len(s.sessionKey) == 0 {
		s.sessionKey = randomKey()
	}
	if s.audit == nil {
		s.audit = NewAuditor(nil, opts.Log)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RequestID())
	e.Use(middleware.Recover())
	// Only the sign-in form has a body: refuse anything large before a
	// handler sees it.
	e.Use(middleware.BodyLimit("1M"))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy:        "same-origin",
		// Only over TLS (or behind a proxy that says X-Forwarded-Proto: https):
		// browsers then refuse plain http to this host for a year.
		HSTSMaxAge: 365 * 24 * 60 * 60,
	}))
	// A form that changes state (sign in, sign out) is refused when a
	// browser says another site sent it (Sec-Fetch-Site, Origin); after the
	// security headers, so that the refusal carries them too.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin form refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		http.Error(w, "Refused: this form was sent from another site.", http.StatusForbidden)
	}))
	e.Use(echo.WrapMiddleware(csrf.Handler))
	e.Use(s.logRequests)
	e.Use(s.access)
	// The ETag step (and the answers it keeps) sits outside compression, so
	// that a kept answer is kept compressed and written as it is.
	e.Use(s.etags)
	e.Use(compressAnswers())

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/api/v1/metrics", s.apiMetrics)
	e.GET("/api/v1/targeting", s.apiTargeting)
	e.GET("/api/v1/evidence", s.apiEvidence)
	e.GET("/api/v1/completeness", s.apiCompleteness)
	e.GET("/api/v1/inequality", s.apiInequality)
	e.GET("/api/v1/peers", s.apiPeers)
	e.GET("/login", s.loginPage)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout)
	e.GET("/admin", s.adminPage)
	s.routePages(e)
	return s, e
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		attrs := []any{"method", c.Request().Method, "path", c.Request().URL.Path,
			"status", c.Response().Status, "took", time.Since(start).Round(time.Millisecond),
			"id", c.Response().Header().Get(echo.HeaderXRequestID)}
		if p, ok := c.Request().Context().Value(principalKey{}).(*principal); ok && s.accessConf.Mode != AuthOff {
			attrs = append(attrs, "user", p.Name)
		}
		s.log.Info("request", attrs...)
		return nil
	}
}

// healthz: the process is up.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz: the database answers and the schema is current.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	current, err := s.db.SchemaCurrent(ctx)
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "cannot read the schema version"})
	}
	if !current {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "schema not current: run spdash migrate"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// errorStatus maps an error to its status and a message safe to show.
func errorStatus(err error) (int, string) {
	var pe *ParamError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest, pe.Error()
	case errors.Is(err, queries.ErrBusy):
		return http.StatusServiceUnavailable, "The dashboard is busy just now: every database connection is in use. Try again in a few seconds."
	case errors.Is(err, queries.ErrUnreachable):
		return http.StatusServiceUnavailable, "The database cannot be reached just now. Try again in a minute; if it goes on, tell the dashboard's administrators."
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "The figures took too long to compute. Try a shorter period or a smaller place."
	case errors.As(err, &he):
		if m, ok := he.Message.(string); ok {
			return he.Code, m
		}
		return he.Code, http.StatusText(he.Code)
	}
	return http.StatusInternalServerError, "Something went wrong on our side. It has been logged."
}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		// The answer was begun (written as it is encoded) and is cut
		// short: the client has an unfinished answer, and this log the
		// reason.
		s.log.Warn("request failed after its answer began", "path", c.Request().URL.Path, "err", err,
			"id", c.Response().Header().Get(echo.HeaderXRequestID))
		return
	}
	status, msg := errorStatus(err)
	if status >= 500 {
		s.log.Error("request failed", "path", c.Request().URL.Path, "status", status, "err", err,
			"id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") || strings.HasSuffix(c.Request().URL.Path, "z") {
		_ = c.JSON(status, map[string]string{"error": msg})
		return
	}
	if strings.HasPrefix(c.Request().URL.Path, "/download/") { // a file was asked for: the reason as text
		_ = c.String(status, msg+"\n")
		return
	}
	s.renderError(c, status, msg)
}
