// Command etlbench measures `spdash etl load` against
// `clickhouse-client ... FORMAT CSVWithNames` loading the same files into the
// same local ClickHouse, and writes the results into docs/BENCHMARKS.md.
//
//	go run ./cmd/etlbench [--rounds 3] [--rows 5000000] [--dir /tmp/spdash-bench] [--out docs/BENCHMARKS.md] [--rev HEAD]
//
// It builds the spdash binary, generates the national sample (seed 1) and big
// outcomes files once (reused by later runs), starts a private ClickHouse in
// the bench folder, and then, per round, loads every scenario with both tools
// into fresh databases, alternating which tool goes first. See
// docs/BENCHMARKS.md for the method.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"spdash/queries/localch"
)

const (
	defaultRows      = 5_000_000
	defaultSmallRows = 1_000_000
	defaultSeed      = 1
)

type config struct {
	rounds    int
	rows      int
	smallRows int
	dir       string
	out       string
	seed      int64
	rev       string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.rounds, "rounds", 3, "measurement rounds (each loads every scenario once with each tool)")
	flag.IntVar(&cfg.rows, "rows", defaultRows, "data rows of the big outcomes file")
	flag.IntVar(&cfg.smallRows, "small-rows", defaultSmallRows, "data rows of the smaller outcomes file of the memory check (0 skips it)")
	flag.StringVar(&cfg.dir, "dir", filepath.Join(os.TempDir(), "spdash-bench"), "bench folder: binary, data files, local ClickHouse, logs")
	flag.StringVar(&cfg.out, "out", "", "markdown file whose results section (between the results markers) is rewritten")
	flag.Int64Var(&cfg.seed, "seed", defaultSeed, "seed of the generated data")
	flag.StringVar(&cfg.rev, "rev", "", "build spdash from this git revision (e.g. HEAD) instead of the working tree")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./cmd/etlbench [flags]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "etlbench: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if cfg.rounds < 1 || cfg.rows < 1 || cfg.smallRows < 0 {
		fmt.Fprintln(os.Stderr, "etlbench: --rounds and --rows must be at least 1, --small-rows at least 0")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintf(os.Stderr, "etlbench: %v\n", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) (err error) {
	began := time.Now()
	progress := func(format string, args ...any) {
		fmt.Fprintf(stderr, "[%6.1fs] %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
	}

	dir, err := filepath.Abs(cfg.dir)
	if err != nil {
		return err
	}
	// Resolve --out before anything slow, so a wrong path fails at once.
	if cfg.out != "" {
		if cfg.out, err = filepath.Abs(cfg.out); err != nil {
			return err
		}
		if _, _, err := splitMarkers(cfg.out); err != nil {
			return err
		}
	}
	for _, sub := range []string{"logs", "spdash-data"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("create bench folder: %w", err)
		}
	}
	repo, err := repoRoot(ctx)
	if err != nil {
		return err
	}

	src, commit, err := sourceTree(ctx, repo, cfg.rev, dir)
	if err != nil {
		return err
	}
	progress("building spdash %s from %s", commit, src)
	bin := filepath.Join(dir, "spdash")
	if err := buildSpdash(ctx, src, bin); err != nil {
		return err
	}

	progress("preparing data in %s (generated once, then reused)", dir)
	data, err := prepareData(ctx, dir, cfg, progress)
	if err != nil {
		return err
	}

	progress("starting local ClickHouse in %s", dir)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := localch.Start(ctx, dir, log)
	if err != nil {
		return fmt.Errorf("start local clickhouse: %w", err)
	}
	defer func() {
		progress("stopping local ClickHouse")
		if serr := srv.Stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	admin, err := openAdmin(ctx, srv.DSN("default"))
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := admin.dropBenchDatabases(ctx); err != nil {
		return err
	}

	env, err := collectEnv(ctx, commit, admin)
	if err != nil {
		return err
	}
	progress("ClickHouse %s on port %d; %d CPUs; commit %s", env.ClickHouse, srv.TCPPort, env.CPUs, env.Commit)

	b := &bench{cfg: cfg, dir: dir, bin: bin, data: data, srv: srv, admin: admin, progress: progress, cpu: newCPUMeter(srv.Dir)}
	if b.cpu.serverPID == 0 {
		progress("warning: cannot find the server's pid; the other CPU load will not be reported")
	}
	if err := b.runRounds(ctx); err != nil {
		return err
	}
	env.Took = time.Since(began)
	table := renderResults(env, cfg, data, b.results)
	fmt.Fprint(stdout, table)
	if cfg.out != "" {
		if err := replaceResults(cfg.out, table); err != nil {
			return err
		}
		progress("results written to %s", cfg.out)
	}
	progress("done in %s", time.Since(began).Round(time.Second))
	return nil
}

// errVerify marks a load whose result in the database is not what the file holds.
var errVerify = errors.New("verification failed")
