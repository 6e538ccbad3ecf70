package dashboard

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"spdash/internal/users"
	"spdash/queries"
)

// Sign-in with the built-in users (Access.Mode AuthUsers). The forms that
// change state (sign in, sign out) are protected from other sites by
// net/http's CrossOriginProtection (server.go) and the cookie's SameSite.

type loginBody struct {
	Next    string
	Name    string
	Message string // why the last attempt failed
	Proxy   bool   // sign-in is the proxy's: nothing to fill in
}

// Failed sign-ins allowed per window: per user name (whoever tries it) and
// per client address (whichever names it tries).
const (
	loginWindow     = 15 * time.Minute
	failuresPerName = 5
	failuresPerAddr = 20
)

func (s *Server) loginPage(c echo.Context) error {
	next := localPath(c.QueryParam("next"))
	if s.accessConf.Mode != AuthUsers {
		return c.Redirect(http.StatusSeeOther, next)
	}
	if p, err := s.sessionUser(c); err == nil && p != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return s.renderLogin(c, http.StatusOK, loginBody{Next: next})
}

func (s *Server) renderLogin(c echo.Context, status int, body loginBody) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, "login", &pageData{Title: "Sign in", Body: body})
}

func (s *Server) login(c echo.Context) error {
	if s.accessConf.Mode != AuthUsers {
		return echo.NewHTTPError(http.StatusNotFound, "Signing in here is not used by this dashboard.")
	}
	name := strings.TrimSpace(c.FormValue("name"))
	password := c.FormValue("password")
	next := localPath(c.FormValue("next"))
	body := loginBody{Next: next, Name: clip(name, 64)}
	addr := s.clientAddr(c.Request())
	anon := &principal{Name: body.Name}
	nameKey := "name:" + strings.ToLower(clip(name, 64)) // longer names are no one's: the key stays small
	if wait := s.logins.blocked(nameKey, "addr:"+addr); wait > 0 {
		s.audit.record(c, anon, queries.AuditSignInFailed, "login", "refused", "too many failed sign-ins")
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		body.Message = fmt.Sprintf("Too many failed sign-ins. Try again in %d minutes, or ask the dashboard's administrators.", int(wait.Minutes())+1)
		return s.renderLogin(c, http.StatusTooManyRequests, body)
	}
	list, err := s.currentUsers()
	if err != nil {
		return err
	}
	u, ok := users.Authenticate(list, name, password)
	if !ok {
		s.logins.fail(nameKey, "addr:"+addr)
		s.audit.record(c, anon, queries.AuditSignInFailed, "login", "failed", "wrong name or password")
		body.Message = "The user name or password is not right."
		return s.renderLogin(c, http.StatusUnauthorized, body)
	}
	s.logins.succeed(nameKey)
	value := s.encodeSession(session{Name: u.Name, Stamp: u.Stamp(), Expires: time.Now().Add(sessionLifetime).Unix()})
	c.SetCookie(s.sessionCookieFor(value, int(sessionLifetime.Seconds())))
	s.audit.record(c, principalFor(u), queries.AuditSignIn, "login", "ok", "")
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c echo.Context) error {
	if s.accessConf.Mode == AuthUsers {
		if p, err := s.sessionUser(c); err == nil && p != nil {
			s.audit.record(c, p, queries.AuditSignOut, "logout", "ok", "")
		}
		c.SetCookie(s.sessionCookieFor("", -1))
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// loginLimiter counts failed sign-ins per key in a fixed window. Its memory
// is bounded: past maxKeys keys it forgets finished windows, and if that is
// not enough it refuses every sign-in until windows end (an attacker
// flooding it locks sign-in for at most one window, never the memory).
type loginLimiter struct {
	mu   sync.Mutex
	keys map[string]*failures
	now  func() time.Time
}

type failures struct {
	n     int
	start time.Time
}

const maxLimiterKeys = 100_000

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{keys: map[string]*failures{}, now: time.Now}
}

func limitOf(key string) int {
	if strings.HasPrefix(key, "name:") {
		return failuresPerName
	}
	return failuresPerAddr
}

// blocked is how long until the keys may try again (0: now).
func (l *loginLimiter) blocked(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	if len(l.keys) >= maxLimiterKeys {
		l.prune(now)
		if len(l.keys) >= maxLimiterKeys {
			return loginWindow
		}
	}
	for _, k := range keys {
		f, ok := l.keys[k]
		if !ok || now.Sub(f.start) >= loginWindow {
			continue
		}
		if f.n >= limitOf(k) {
			wait = max(wait, loginWindow-now.Sub(f.start))
		}
	}
	return wait
}

func (l *loginLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		f, ok := l.keys[k]
		if !ok || now.Sub(f.start) >= loginWindow {
			if !ok && len(l.keys) >= maxLimiterKeys {
				l.prune(now)
			}
			l.keys[k] = &failures{n: 1, start: now}
			continue
		}
		f.n++
	}
}

func (l *loginLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

func (l *loginLimiter) prune(now time.Time) {
	for k, f := range l.keys {
		if now.Sub(f.start) >= loginWindow {
			delete(l.keys, k)
		}
	}
}

// seenOnce reports a key's first sighting in each period (a proxy user's
// sign-in is audited once a session's length, not on every request). Keys
// are users of the users file, so it stays small.
type seenOnce struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (o *seenOnce) first(key string, period time.Duration) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen == nil {
		o.seen = map[string]time.Time{}
	}
	if at, ok := o.seen[key]; ok && time.Since(at) < period {
		return false
	}
	if len(o.seen) > 10_000 {
		clear(o.seen)
	}
	o.seen[key] = time.Now()
	return true
}
