package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"spdash/dashboard"
	"spdash/reports"
)

// report writes one download to a file for scheduled jobs. It asks the
// dashboard's own handler for GET /download/REPORT.FORMAT with the flags as
// the URL's parameters, in process: the file is byte for byte the web's.
func (a *app) report(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var df dbFlags
	df.register(fs)
	format := fs.String("format", "csv", "csv or xlsx")
	out := fs.String("out", "", "the file to write (required)")
	disclosure := disclosureFlag(fs)
	params := map[string]*string{}
	for _, p := range []struct{ name, help string }{
		{"from", "first month YYYY-MM (default: 11 months before --to)"},
		{"to", "last month YYYY-MM (default: the latest with data)"},
		{"place", "England (E92000001, the default), a region or an ICB code"},
		{"level", "region, icb or pcn (default: the level below the place)"},
		{"fy", "financial year YYYY-YY (default: the latest with funding data)"},
		{"budget", "targeting: the budget in £"},
		{"caseload_standard", "targeting: people per FTE a year"},
		{"fte_cost", "targeting: £ per FTE a year"},
		{"training_cost", "targeting: £ per person trained"},
		{"need_weight", "targeting: the need index's exponent"},
	} {
		params[p.name] = fs.String(strings.ReplaceAll(p.name, "_", "-"), "", p.help)
	}
	// The report's name may come before the flags: spdash report capacity --out f.csv.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return exitUsage, usageError{"report takes one report name: " + strings.Join(reports.Names, ", ")}
	}
	switch {
	case name == "":
		return exitUsage, usageError{"report needs a report name: " + strings.Join(reports.Names, ", ")}
	case *out == "":
		return exitUsage, usageError{"report needs --out FILE"}
	case *format != "csv" && *format != "xlsx":
		return exitUsage, usageError{fmt.Sprintf("--format must be csv or xlsx, got %q", *format)}
	}
	off, err := disclosureOff(*disclosure)
	if err != nil {
		return exitUsage, err
	}
	db, closeDB, err := a.connect(ctx, df)
	if err != nil {
		return exitUnreachable, err
	}
	defer closeDB()

	q := url.Values{}
	for k, v := range params {
		if *v != "" {
			q.Set(k, *v)
		}
	}
	target := "/download/" + url.PathEscape(name) + "." + *format
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".spdash-report-*")
	if err != nil {
		return exitInvalid, fmt.Errorf("report: %w", err)
	}
	defer os.Remove(tmp.Name())
	// The body goes straight to the file as the handler writes it: the
	// monthly extract streams in constant memory here as on the web.
	rw := &fileResponse{file: tmp, header: http.Header{}}
	handler := dashboard.New(dashboard.Options{DB: db, Log: a.log, DisclosureOff: off})
	if aborted := serveCatchingAbort(handler, rw, req); aborted {
		tmp.Close()
		return exitUnreachable, fmt.Errorf("report: the extract failed part-way (see the log); nothing was written to %s", *out)
	}
	if err := tmp.Close(); err != nil {
		return exitInvalid, fmt.Errorf("report: write %s: %w", *out, err)
	}
	if rw.status != http.StatusOK {
		msg := strings.TrimSpace(rw.errBody.String())
		if rw.status == http.StatusBadRequest || rw.status == http.StatusNotFound {
			return exitUsage, usageError{"report: " + msg}
		}
		return exitUnreachable, fmt.Errorf("report: %s", msg)
	}
	if rw.err != nil {
		return exitInvalid, fmt.Errorf("report: write %s: %w", *out, rw.err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { // as a file the user wrote, not a private temp file
		return exitInvalid, fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil { // complete or not at all
		return exitInvalid, fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(a.stdout, "%s: %s (%d bytes, data version %s, disclosure control %s)\n", *out, name,
		rw.written, rw.header.Get("X-Spdash-Data-Version"), rw.header.Get("X-Spdash-Disclosure"))
	return exitOK, nil
}

// fileResponse is an http.ResponseWriter that writes a 200's body to a file
// and keeps any other status's body as the error message.
type fileResponse struct {
	file    *os.File
	header  http.Header
	status  int
	written int64
	errBody bytes.Buffer
	err     error
}

func (r *fileResponse) Header() http.Header { return r.header }

func (r *fileResponse) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *fileResponse) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if r.status != http.StatusOK {
		return r.errBody.Write(b)
	}
	n, err := r.file.Write(b)
	r.written += int64(n)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// serveCatchingAbort serves one request; aborted is true when the handler
// gave up part-way (http.ErrAbortHandler), as the web server would drop the
// connection.
func serveCatchingAbort(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(w, r)
	return false
}
