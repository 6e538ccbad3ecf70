package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"spdash/dashboard"
	"spdash/queries"
)

func (a *app) serve(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var df dbFlags
	df.register(fs)
	addr := fs.String("addr", ":8080", "address to listen on")
	timeout := fs.Duration("query-timeout", queries.DefaultQueryTimeout, "longest a page's queries may take")
	versionEvery := fs.Duration("version-check", dashboard.DefaultVersionEvery, "how often the data version is read: a load shows on pages at most this long after it commits (0: on every request)")
	disclosure := disclosureFlag(fs)
	var af accessFlags
	af.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	off, err := disclosureOff(*disclosure)
	if err != nil {
		return exitUsage, err
	}
	access, err := af.access(*addr)
	if err != nil {
		return exitUsage, err
	}
	db, closeDB, err := a.connect(ctx, df)
	if err != nil {
		return exitUnreachable, err
	}
	defer closeDB()
	auditDB, closeAudit, err := a.auditConnection(ctx, af.auditDSN, db)
	if err != nil {
		return exitUnreachable, err
	}
	defer closeAudit()
	return a.serveDB(ctx, db, serveConfig{addr: *addr, timeout: *timeout, versionEvery: *versionEvery, disclosureOff: off,
		access: access, auditDB: auditDB})
}

// serveConfig is what serveDB needs beyond the database.
type serveConfig struct {
	addr                  string
	timeout, versionEvery time.Duration
	disclosureOff         bool
	access                dashboard.Access
	auditDB               *queries.DB // where audit events go: may insert into audit
}

func disclosureFlag(fs *flag.FlagSet) *string {
	return fs.String("disclosure", envOr("SPDASH_DISCLOSURE", queries.DisclosureOn), "on (default) or off: disclosure control of small counts; off only for internal analysts (env SPDASH_DISCLOSURE)")
}

func disclosureOff(v string) (bool, error) {
	switch strings.ToLower(v) {
	case queries.DisclosureOn:
		return false, nil
	case queries.DisclosureOff:
		return true, nil
	}
	return false, usageError{fmt.Sprintf("--disclosure must be on or off, got %q", v)}
}

// httpLimits bound what one client can hold or send.
type httpLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

// defaultHTTPLimits: a client has 10 s to send its request's headers and 30 s
// for the whole request (no page takes a body); a response may take 10
// minutes to write (the national monthly extract to a slow link); an idle
// keep-alive connection is closed after 2 minutes; headers are at most 64 KB
// (431 beyond). Bodies are refused beyond 1 MB by the dashboard itself.
var defaultHTTPLimits = httpLimits{readHeader: 10 * time.Second, read: 30 * time.Second, write: 10 * time.Minute,
	idle: 2 * time.Minute, maxHeaderBytes: 64 << 10}

func httpServer(h http.Handler, l httpLimits) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: l.readHeader, ReadTimeout: l.read, WriteTimeout: l.write,
		IdleTimeout: l.idle, MaxHeaderBytes: l.maxHeaderBytes}
}

// serveDB serves the dashboard until ctx is cancelled.
func (a *app) serveDB(ctx context.Context, db *queries.DB, cfg serveConfig) (int, error) {
	dashboard.TuneGC(os.Getenv)
	db.SetQueryTimeout(cfg.timeout)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return exitUsage, usageError{fmt.Sprintf("serve: cannot listen on %s: %v", cfg.addr, err)}
	}
	if cfg.auditDB == nil {
		cfg.auditDB = db
	}
	auditor := dashboard.NewAuditor(cfg.auditDB, a.log)
	srv := httpServer(dashboard.New(dashboard.Options{DB: db, Log: a.log, DisclosureOff: cfg.disclosureOff, VersionEvery: cfg.versionEvery,
		Access: cfg.access, Audit: auditor}), defaultHTTPLimits)
	fmt.Fprintf(a.stdout, "dashboard: http://%s/ (sign-in %s, disclosure control %s)\n", displayAddr(ln.Addr()), accessText(cfg.access),
		disclosureText(cfg.disclosureOff, cfg.access))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		auditor.Close(shutdownCtx)
		return exitOK, nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return exitOK, nil
		}
		return exitInvalid, err
	}
}

func displayAddr(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
