package dashboard_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"spdash/dashboard"
	"spdash/internal/users"
)

// TestBrowserSignIn signs in with the form in Chromium as a viewer limited
// to one ICB: the page asked for comes back, names the user, offers only
// their ICB, and signing out returns to the form. No console error or CSP
// violation on the way. Screenshots: sign-in, the scoped capacity page, and
// /admin as an admin.
func TestBrowserSignIn(t *testing.T) {
	geo, err := sampleDB(t).Places(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	icb := geo.ICBs[0]
	f := newAccessFixture(t, dashboard.Access{Mode: dashboard.AuthUsers}, false,
		users.User{Name: "viewer", Role: users.Viewer, ICBs: []string{icb.Code}}, users.User{Name: "admin", Role: users.Admin})
	ctx, problems, shots := openBrowser(t, f.srv.URL, 60*time.Second)
	location := func() *url.URL {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(loc)
		return u
	}
	signIn := func(name, shot string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("login-name"), f.prefix+name), chromedp.SendKeys(chromedp.ID("login-password"), testPassword)); err != nil {
			t.Fatal(err)
		}
		if shot != "" {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			_ = os.WriteFile(filepath.Join(shots, shot+".png"), png, 0o644)
		}
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`)))); err != nil {
			t.Fatal(err)
		}
	}

	// A page asked for before signing in comes back after it.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/capacity?level=pcn")); err != nil {
		t.Fatal(err)
	}
	if u := location(); u.Path != "/login" || u.Query().Get("next") != "/capacity?level=pcn" {
		t.Fatalf("before signing in: %s, want the sign-in page", u)
	}
	signIn("viewer", "sign-in")
	if u := location(); u.Path != "/capacity" || u.Query().Get("level") != "pcn" {
		t.Fatalf("after signing in: %s, want /capacity?level=pcn", u)
	}
	checkLoaded(t, ctx, "/capacity signed in", "capacity-scoped-viewer", shots)
	bar, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('form.signed-in').innerText`))
	if err != nil || !strings.Contains(bar, f.prefix+"viewer") || !strings.Contains(bar, icb.Code) {
		t.Errorf("signed-in bar %q (%v)", bar, err)
	}
	places, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#f-place option')).map(o => o.value)`))
	if err != nil || len(places) != 1 || places[0] != icb.Code {
		t.Errorf("place list %v (%v), want only %s", places, err, icb.Code)
	}
	for _, p := range problems.take() {
		t.Errorf("signed in: %s", p)
	}

	// Signing out with the button returns to the form; pages ask again.
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`form.signed-in button`)))); err != nil {
		t.Fatal(err)
	}
	if u := location(); u.Path != "/login" {
		t.Errorf("after signing out: %s", u)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/admin")); err != nil {
		t.Fatal(err)
	}
	if u := location(); u.Path != "/login" {
		t.Errorf("/admin after signing out: %s", u)
	}
	signIn("admin", "")
	if u := location(); u.Path != "/admin" {
		t.Fatalf("admin after signing in: %s", u)
	}
	checkLoaded(t, ctx, "/admin", "admin", shots)
	for _, p := range problems.take() {
		t.Errorf("admin: %s", p)
	}
}
