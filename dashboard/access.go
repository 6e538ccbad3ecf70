package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"spdash/internal/users"
	"spdash/queries"
)

// Who may see what (issue 16, docs/ACCESS.md).
//
// With sign-in off (the local demo) everyone sees everything, under the
// deployment's disclosure rule. Otherwise every request but the health
// checks, static files and the sign-in page itself belongs to a user of the
// users file, known either by a signed session cookie (built-in users) or by
// an identity header that only the configured proxies may send. The user's
// role decides whether disclosure control may be turned off (on downloads,
// for analysts and admins, where the deployment allows it) and whether /admin
// is theirs; their areas decide which places exist for them at all.

// The ways of signing in.
const (
	AuthOff   = "off"
	AuthUsers = "users"
	AuthProxy = "proxy"
)

// Access configures sign-in.
type Access struct {
	Mode  string       // AuthOff (the zero value), AuthUsers or AuthProxy
	Users *users.Store // who may sign in, their roles and areas
	// ProxyHeader names the header in which the trusted proxy sends the
	// signed-in user's name; only requests whose connection comes from
	// TrustedProxies may send it (AuthProxy).
	ProxyHeader    string
	TrustedProxies []netip.Prefix
	// SessionKey signs session cookies; a random key when empty (sessions
	// then end when the process does, and replicas cannot share them).
	SessionKey []byte
	// InsecureCookies leaves the Secure flag off session cookies, for plain
	// http on a test machine only.
	InsecureCookies bool
}

// principal is who a request is answered for.
type principal struct {
	Name    string
	Role    users.Role
	Regions []string
	ICBs    []string
	// Disclosure is the rule this request's figures follow.
	Disclosure string
}

func (p *principal) limited() bool { return len(p.Regions) > 0 || len(p.ICBs) > 0 }

// key names everything about the principal that can change an answer: the
// name (pages say who is signed in), the role (/admin's link), the areas and
// the disclosure rule. Part of every ETag and so of every kept answer.
func (p *principal) key() string {
	return fmt.Sprintf("%s|%s|%s|%s|%s", p.Name, p.Role, strings.Join(p.Regions, ","), strings.Join(p.ICBs, ","), p.Disclosure)
}

type principalKey struct{}

// principalOf is the request's principal; outside a request (or before the
// access step) the anonymous one with the deployment's rule.
func (s *Server) principalOf(ctx context.Context) *principal {
	if p, ok := ctx.Value(principalKey{}).(*principal); ok {
		return p
	}
	return &principal{Name: "anonymous", Role: users.Admin, Disclosure: s.disclosure}
}

const (
	sessionCookie   = "spdash_session"
	sessionLifetime = 8 * time.Hour // a working day; then sign in again
)

// publicPath: answered to anyone.
func publicPath(p string) bool {
	return p == "/healthz" || p == "/readyz" || p == "/login" || strings.HasPrefix(p, "/static/")
}

// access identifies the request's principal, refuses it when it may not be
// answered, and audits downloads and answers without disclosure control.
func (s *Server) access(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.Set("client", s.clientAddr(r))
		if publicPath(r.URL.Path) {
			return next(c)
		}
		p, err := s.identify(c)
		if err != nil {
			return err
		}
		if p == nil {
			return s.signInFirst(c)
		}
		if p.Disclosure, err = s.disclosureFor(c, p); err != nil {
			return err
		}
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		err = next(c)
		if err != nil {
			c.Error(err)
			err = nil
		}
		if status := c.Response().Status; status == http.StatusOK || status == http.StatusNotModified {
			switch {
			case strings.HasPrefix(r.URL.Path, "/download/"):
				s.audit.record(c, p, queries.AuditDownload, r.URL.RequestURI(), "ok", "disclosure "+p.Disclosure)
			case p.Disclosure == queries.DisclosureOff && r.Method == http.MethodGet && r.URL.Path != "/admin":
				s.audit.record(c, p, queries.AuditDisclosureOff, r.URL.RequestURI(), "ok", "")
			}
		}
		return err
	}
}

// identify finds the request's user: nil when nobody is signed in.
func (s *Server) identify(c echo.Context) (*principal, error) {
	switch s.accessConf.Mode {
	case AuthUsers:
		return s.sessionUser(c)
	case AuthProxy:
		return s.proxyUser(c)
	}
	return &principal{Name: "anonymous", Role: users.Admin}, nil
}

func principalFor(u users.User) *principal {
	return &principal{Name: u.Name, Role: u.Role, Regions: u.Regions, ICBs: u.ICBs}
}

func (s *Server) currentUsers() ([]users.User, error) {
	list, err := s.accessConf.Users.Users()
	if err != nil {
		s.log.Error("cannot read the users file: nobody can sign in", "err", err)
		return nil, echo.NewHTTPError(http.StatusServiceUnavailable, "Signing in is not possible just now: the dashboard cannot read its list of users. Tell the dashboard's administrators.")
	}
	return list, nil
}

// sessionUser reads the session cookie. A session holds its user's name and
// the stamp of their record when they signed in: a changed or removed user's
// sessions end at once.
func (s *Server) sessionUser(c echo.Context) (*principal, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	sess, ok := s.readSession(ck.Value)
	if !ok {
		return nil, nil
	}
	list, err := s.currentUsers()
	if err != nil {
		return nil, err
	}
	u, ok := users.Find(list, sess.Name)
	if !ok || u.Stamp() != sess.Stamp {
		return nil, nil
	}
	return principalFor(u), nil
}

// proxyUser trusts the identity header only on connections from the
// configured proxies; from anywhere else the request is refused, header or
// not, so that nobody can walk round the proxy's sign-in.
func (s *Server) proxyUser(c echo.Context) (*principal, error) {
	if !s.fromTrustedProxy(c.Request()) {
		s.log.Warn("request not from a trusted proxy refused", "remote", c.Request().RemoteAddr, "path", c.Request().URL.Path)
		return nil, echo.NewHTTPError(http.StatusForbidden, "This dashboard is reached through your organisation's sign-in; open it from there.")
	}
	name := strings.TrimSpace(c.Request().Header.Get(s.accessConf.ProxyHeader))
	if name == "" {
		return nil, echo.NewHTTPError(http.StatusForbidden, "The sign-in proxy did not say who you are. Tell the dashboard's administrators.")
	}
	list, err := s.currentUsers()
	if err != nil {
		return nil, err
	}
	u, ok := users.Find(list, name)
	if !ok || users.CheckName(name) != nil {
		s.audit.record(c, &principal{Name: clip(name, 64)}, queries.AuditSignInFailed, "proxy", "refused", "not a user of this dashboard")
		return nil, echo.NewHTTPError(http.StatusForbidden, "You are signed in, but not a user of this dashboard. Ask its administrators to add you.")
	}
	p := principalFor(u)
	if s.proxySeen.first(u.Name+"|"+u.Stamp(), sessionLifetime) {
		s.audit.record(c, p, queries.AuditSignIn, "proxy", "ok", "")
	}
	return p, nil
}

func (s *Server) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range s.accessConf.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// clientAddr is the client's address for limits and the audit: the
// connection's, or, from a trusted proxy, the last address it forwarded for.
// An address a client writes into X-Forwarded-For itself is never believed.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if s.fromTrustedProxy(r) {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
				return a.String()
			}
		}
	}
	return host
}

// signInFirst answers a request nobody is signed in for: a page goes to the
// sign-in page and comes back after; the API and downloads get 401.
func (s *Server) signInFirst(c echo.Context) error {
	r := c.Request()
	if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/download/") {
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
	}
	return echo.NewHTTPError(http.StatusUnauthorized, "Sign in first, at /login.")
}

// disclosureFor is the rule for this request. Pages and the API follow the
// deployment's rule when sign-in is off, and are always under disclosure
// control with sign-in on. A download may ask disclosure=on, or off where the
// deployment allows it (serve --disclosure off) and the user is an analyst or
// admin (or sign-in is off).
func (s *Server) disclosureFor(c echo.Context, p *principal) (string, error) {
	rule := queries.DisclosureOn
	if s.accessConf.Mode == AuthOff {
		rule = s.disclosure
	}
	if !strings.HasPrefix(c.Request().URL.Path, "/download/") && c.Request().URL.Path != "/downloads" {
		return rule, nil // disclosure is not a parameter there: refused as unknown
	}
	asked, given, err := single(c.QueryParams(), "disclosure")
	if err != nil || !given {
		return rule, err
	}
	switch strings.ToLower(asked) {
	case queries.DisclosureOn:
		return queries.DisclosureOn, nil
	case queries.DisclosureOff:
		if !s.mayTurnOff(p) {
			return "", echo.NewHTTPError(http.StatusForbidden, "Disclosure control can be turned off only by analysts, and only where the deployment allows it.")
		}
		return queries.DisclosureOff, nil
	}
	return "", paramErr("disclosure", "must be on or off, got %q", clip(asked, 40))
}

// mayTurnOff reports whether p may ask for downloads without disclosure
// control: the deployment allows it, and p is an analyst or admin (or
// sign-in is off).
func (s *Server) mayTurnOff(p *principal) bool {
	return s.disclosure == queries.DisclosureOff && (s.accessConf.Mode == AuthOff || p.Role.AtLeast(users.Analyst))
}

// clip shortens what a client sent before it is echoed or logged.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// session is what a session cookie holds, signed.
type session struct {
	Name    string `json:"u"`
	Stamp   string `json:"s"`
	Expires int64  `json:"e"`
}

func (s *Server) sign(payload string) string {
	m := hmac.New(sha256.New, s.sessionKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) encodeSession(sess session) string {
	b, _ := json.Marshal(sess)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + s.sign(payload)
}

func (s *Server) readSession(v string) (session, bool) {
	var sess session
	payload, mac, ok := strings.Cut(v, ".")
	if !ok || len(v) > 1024 || !hmac.Equal([]byte(mac), []byte(s.sign(payload))) {
		return sess, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &sess) != nil {
		return sess, false
	}
	return sess, time.Now().Unix() < sess.Expires
}

func (s *Server) sessionCookieFor(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: !s.accessConf.InsecureCookies, SameSite: http.SameSiteLaxMode}
}

func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// localPath is next if it is a path on this site, else "/".
func localPath(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) ||
		strings.ContainsAny(next, "\r\n\x00") {
		return "/"
	}
	return next
}
