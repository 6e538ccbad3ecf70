// Package etltest loads files into a test database the way spdash etl load
// does, for the tests of the packages above the ETL (queries, dashboard).
package etltest

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"spdash/etl"
	"spdash/queries"
)

// Load validates and loads paths (files or folders) into db with a quiet
// Loader, failing the test on an error; it returns each file's result.
func Load(t testing.TB, db *queries.DB, paths ...string) []etl.Result {
	t.Helper()
	pl, err := etl.NewProblemLog(io.Discard, filepath.Join(t.TempDir(), "report.csv"), false)
	if err != nil {
		t.Fatal(err)
	}
	files, problems := etl.ExpandPaths(paths, nil)
	if len(problems) > 0 {
		t.Fatalf("expand %v: %v", paths, problems)
	}
	l := &etl.Loader{DB: db, Problems: pl, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	res, err := l.LoadAll(context.Background(), files, io.Discard)
	if err != nil {
		t.Fatalf("load %v: %v", paths, err)
	}
	return res
}

// MustLoad is Load, failing the test unless every file loaded.
func MustLoad(t testing.TB, db *queries.DB, paths ...string) {
	t.Helper()
	for _, r := range Load(t, db, paths...) {
		if r.Status != etl.ResultLoaded {
			t.Fatalf("%s: %s", r.Path, r.Status)
		}
	}
}
