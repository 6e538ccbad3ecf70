package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
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
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	db, closeDB, err := a.connect(ctx, df)
	if err != nil {
		return exitUnreachable, err
	}
	defer closeDB()
	return a.serveDB(ctx, db, *addr, *timeout)
}

// serveDB serves the dashboard until ctx is cancelled.
func (a *app) serveDB(ctx context.Context, db *queries.DB, addr string, timeout time.Duration) (int, error) {
	db.SetQueryTimeout(timeout)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return exitUsage, usageError{fmt.Sprintf("serve: cannot listen on %s: %v", addr, err)}
	}
	srv := &http.Server{Handler: dashboard.New(dashboard.Options{DB: db, Log: a.log}), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(a.stdout, "dashboard: http://%s/\n", displayAddr(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
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
