package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"spdash/dashboard"
	"spdash/etl"
	"spdash/etl/sample"
	"spdash/queries"
)

// demoAddr is where the demo listens unless told otherwise: this machine
// only, as it has no sign-in.
const demoAddr = "127.0.0.1:8080"

// demo starts the local ClickHouse (or uses the configured one), generates the
// sample data once, loads it (a rerun finds it already loaded) and serves the
// dashboard until interrupted.
func (a *app) demo(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var df dbFlags
	df.register(fs)
	scale := fs.String("scale", "demo", "demo or national")
	seed := fs.Int64("seed", 1, "random seed of the sample data")
	addr := fs.String("addr", demoAddr, "address the dashboard listens on: loopback only, as the demo has no sign-in")
	disclosure := disclosureFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	// Without sign-in every visitor is an admin: the demo, like serve without
	// --auth, is for this machine only.
	if !loopbackOnly(*addr) {
		return exitUsage, usageError{fmt.Sprintf("demo: %s is reachable from other machines, and the demo has no sign-in (every visitor is an admin): use a loopback address such as 127.0.0.1:8080, or load the data and run spdash serve with --auth", *addr)}
	}
	off, err := disclosureOff(*disclosure)
	if err != nil {
		return exitUsage, err
	}
	if *scale != string(sample.Demo) && *scale != string(sample.National) {
		return exitUsage, usageError{"demo: --scale must be demo or national"}
	}
	dir := filepath.Join(df.dataDir, fmt.Sprintf("sample-%s-%d", *scale, *seed))
	if _, err := os.Stat(filepath.Join(dir, "funding.csv")); err != nil {
		if _, err := sample.Generate(sample.Options{Out: dir, Seed: *seed, Scale: sample.Scale(*scale)}); err != nil {
			return exitInvalid, fmt.Errorf("generate sample data: %w", err)
		}
	}
	db, closeDB, err := a.connect(ctx, df)
	if err != nil {
		return exitUnreachable, err
	}
	defer closeDB()
	path, eager := reportPath("", df.dataDir)
	problems, err := etl.NewProblemLog(a.stderr, path, eager)
	if err != nil {
		return exitInvalid, err
	}
	files, _ := etl.ExpandPaths([]string{dir}, nil)
	loader := &etl.Loader{DB: db, Problems: problems, Log: a.log}
	if _, err := loader.LoadAll(ctx, files, a.stdout); err != nil {
		_ = problems.Close()
		return exitUnreachable, err
	}
	if code, err := a.finishProblems(problems, problems.Total() == 0); code != exitOK {
		return code, err
	}
	fmt.Fprintf(a.stdout, "\nSample data (%s scale) is loaded into database %s.\n", *scale, db.Database())
	return a.serveDB(ctx, db, serveConfig{addr: *addr, timeout: queries.DefaultQueryTimeout, versionEvery: dashboard.DefaultVersionEvery,
		disclosureOff: off, access: dashboard.Access{Mode: dashboard.AuthOff}})
}
