package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"spdash/etl"
	"spdash/etl/sample"
	"spdash/queries"
)

// loadMemoryLimit is the soft Go heap limit of etl load; GOMEMLIMIT overrides it.
const loadMemoryLimit = 120 << 20

type etlFlags struct {
	kind   string
	report string
}

func (f *etlFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.kind, "kind", "", "treat every file as this kind: "+strings.Join(etl.KindNames(), ", "))
	fs.StringVar(&f.report, "report", "", "write every problem to this CSV file (default: reports/ under the data folder)")
}

// files resolves the paths and kind flag; problems with the paths themselves
// are printed and make the result invalid.
func (f *etlFlags) files(fs *flag.FlagSet, problems *etl.ProblemLog) ([]etl.File, bool, error) {
	if fs.NArg() == 0 {
		return nil, false, usageError{fs.Name() + ": give at least one file or folder"}
	}
	var kind *etl.Kind
	if f.kind != "" {
		k, err := etl.LookupKind(f.kind)
		if err != nil {
			return nil, false, usageError{err.Error()}
		}
		kind = k
	}
	files, pathProblems := etl.ExpandPaths(fs.Args(), kind)
	for _, p := range pathProblems {
		problems.Add(p)
	}
	return files, len(pathProblems) == 0, nil
}

func (a *app) etlValidate(args []string) (int, error) {
	fs := flag.NewFlagSet("etl validate", flag.ContinueOnError)
	var ef etlFlags
	var df dbFlags
	ef.register(fs)
	df.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	path, eager := reportPath(ef.report, df.dataDir)
	problems, err := etl.NewProblemLog(a.stderr, path, eager)
	if err != nil {
		return exitInvalid, err
	}
	files, ok, err := ef.files(fs, problems)
	if err != nil {
		return exitUsage, err
	}
	var areas map[string]struct{} // checked only against areas files given in the same run
	for _, f := range files {
		if f.Kind.Name == "areas" && areas == nil {
			areas = map[string]struct{}{}
		}
		if !f.Kind.Reference && areas == nil {
			fmt.Fprintf(a.stderr, "%s: note: no areas file given, so area codes are not checked against areas\n", f.Path)
		}
		res := etl.ValidateFile(f, areas, problems)
		fmt.Fprintln(a.stdout, res.Summary())
		ok = ok && res.Status == etl.ResultValid
	}
	return a.finishProblems(problems, ok)
}

func (a *app) finishProblems(problems *etl.ProblemLog, ok bool) (int, error) {
	if err := problems.Close(); err != nil {
		return exitInvalid, err
	}
	if p := problems.ReportPath(); p != "" {
		fmt.Fprintf(a.stderr, "all problems are listed in %s\n", p)
	}
	if !ok {
		return exitInvalid, nil
	}
	return exitOK, nil
}

func (a *app) etlLoad(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("etl load", flag.ContinueOnError)
	var ef etlFlags
	var df dbFlags
	allowRejects := fs.Bool("allow-rejects", false, "load the valid rows of a file with invalid rows, recording the rejects")
	force := fs.Bool("force", false, "load a file even if an identical one was loaded before (to make an older file the newest again)")
	batchRows := fs.Int("batch-rows", etl.DefaultBatchRows, "rows per block sent to the server (memory is bounded by two batches; the server writes parts of 20)")
	who := fs.String("actor", "", "who runs the load, for the audit table (default $SPDASH_ACTOR or the system user)")
	ef.register(fs)
	df.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *batchRows < 1 {
		return exitUsage, usageError{"--batch-rows must be at least 1"}
	}
	// A soft limit on the Go heap, so that the garbage collector keeps a long
	// load's memory down instead of letting the heap double between cycles
	// (the target is under 200 MB of resident memory whatever the file size).
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(loadMemoryLimit)
	}
	path, eager := reportPath(ef.report, df.dataDir)
	problems, err := etl.NewProblemLog(a.stderr, path, eager)
	if err != nil {
		return exitInvalid, err
	}
	files, ok, err := ef.files(fs, problems)
	if err != nil {
		return exitUsage, err
	}
	db, closeDB, err := a.connect(ctx, df)
	if err != nil {
		_ = problems.Close()
		return exitUnreachable, err
	}
	defer closeDB()
	// Loads killed earlier are marked failed first, so that `loads` does not
	// show them running forever.
	if _, err := etl.MarkAbandoned(ctx, db, etl.DefaultStaleAfter, a.stdout); err != nil {
		_ = problems.Close()
		if isUnreachable(err) {
			return exitUnreachable, err
		}
		return exitInvalid, err
	}
	loader := &etl.Loader{DB: db, AllowRejects: *allowRejects, Force: *force, Problems: problems, Log: a.log, BatchRows: *batchRows, Actor: actor(*who),
		Progress: func(path string, rows int64, frac float64) {
			fmt.Fprintf(a.stderr, "%s: %d rows read (%.0f%%)\n", path, rows, 100*frac)
		}}
	results, err := loader.LoadAll(ctx, files, a.stdout)
	if err != nil {
		err = queries.Classify(err)
		_ = problems.Close()
		if isUnreachable(err) {
			return exitUnreachable, err
		}
		return exitInvalid, err
	}
	for _, r := range results {
		if r.Status == etl.ResultInvalid || r.Status == etl.ResultFailed {
			ok = false
		}
	}
	return a.finishProblems(problems, ok)
}

// etlCleanup marks loads that were killed or cut off (no sign of life for
// --stale-after) failed, and deletes the stored rows of failed loads and
// the rows superseded more than --keep ago.
func (a *app) etlCleanup(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("etl cleanup", flag.ContinueOnError)
	var df dbFlags
	df.register(fs)
	stale := fs.Duration("stale-after", etl.DefaultStaleAfter, "a load still running with no sign of life for this long was killed or cut off")
	keep := fs.Duration("keep", etl.DefaultKeep, "keep rows superseded by a newer load for this long after it committed")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if fs.NArg() > 0 || *stale <= 0 || *keep < 0 {
		return exitUsage, usageError{"etl cleanup takes no paths; --stale-after must be above 0 and --keep not negative"}
	}
	db, closeDB, err := a.connect(ctx, df)
	if err != nil {
		return exitUnreachable, err
	}
	defer closeDB()
	if err := etl.Cleanup(ctx, db, *stale, *keep, a.stdout); err != nil {
		if isUnreachable(err) {
			return exitUnreachable, err
		}
		return exitInvalid, err
	}
	return exitOK, nil
}

func (a *app) etlGenerate(args []string) (int, error) {
	fs := flag.NewFlagSet("etl generate", flag.ContinueOnError)
	out := fs.String("out", "", "folder to write the files into")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same files")
	scale := fs.String("scale", "demo", "demo (a few dozen PCNs) or national (about 1,250 PCNs)")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *out == "" {
		return exitUsage, usageError{"etl generate: --out DIR is required"}
	}
	if *scale != string(sample.Demo) && *scale != string(sample.National) {
		return exitUsage, usageError{"etl generate: --scale must be demo or national"}
	}
	start := time.Now()
	sum, err := sample.Generate(sample.Options{Out: *out, Seed: *seed, Scale: sample.Scale(*scale)})
	if err != nil {
		return exitInvalid, fmt.Errorf("generate: %w", err)
	}
	for _, f := range sum.Files {
		fmt.Fprintln(a.stdout, f)
	}
	a.log.Info("generated sample data", "out", *out, "scale", *scale, "seed", *seed, "rows", sum.Rows, "took", time.Since(start).Round(time.Millisecond))
	return exitOK, nil
}

func (a *app) migrate(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var df dbFlags
	df.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	db, closeDB, err := a.connect(ctx, df)
	if err != nil {
		return exitUnreachable, err
	}
	defer closeDB()
	fmt.Fprintf(a.stdout, "schema of database %s is current\n", db.Database())
	// The current rows of the data already loaded (migration 007), so that
	// the dashboard's first reader after an upgrade finds them built.
	if _, err := db.BuildCurrent(ctx); err != nil {
		return exitInvalid, fmt.Errorf("build the current rows: %w", err)
	}
	// And the default period's sums and months (migrations 008 and 009).
	if _, err := db.BuildPeriod(ctx); err != nil {
		return exitInvalid, fmt.Errorf("build the default period's sums and months: %w", err)
	}
	// And the analysts' views' rows (migration 012).
	if _, err := db.BuildNewest(ctx); err != nil {
		return exitInvalid, fmt.Errorf("build the analysts' views' rows: %w", err)
	}
	return exitOK, nil
}
