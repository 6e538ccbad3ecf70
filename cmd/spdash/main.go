// Command spdash loads social prescribing returns into ClickHouse and serves
// the commissioning dashboard.
//
// Exit status: 0 done, 1 invalid input, 2 usage error, 3 database unreachable,
// 4 the database cannot store data (disk full, read-only).
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
	"syscall"

	"spdash/queries"
)

const (
	exitOK          = 0
	exitInvalid     = 1
	exitUsage       = 2
	exitUnreachable = 3
	exitStorage     = 4
)

const usage = `spdash: social prescribing commissioning dashboard

Usage:
  spdash etl validate [--kind KIND] [--report FILE] PATH...
  spdash etl load [--allow-rejects] [--force] [--kind KIND] [--report FILE] [--actor NAME] PATH...
  spdash etl generate --out DIR [--seed N] [--scale demo|national]
  spdash etl cleanup [--stale-after 10m] [--keep 1h]
  spdash serve [--addr :8080] [--query-timeout 20s] [--version-check 1s] [--disclosure on|off]
         [--auth users|proxy|off] [--users-file FILE] [--session-key-file FILE]
         [--proxy-header NAME --trusted-proxies CIDR,...] [--audit-clickhouse DSN]
  spdash users add [--role viewer|analyst|admin] [--icb CODES] [--region CODES] [--no-password] NAME
                     (the password is read from standard input)
  spdash users remove NAME
  spdash users list
  spdash report REPORT --out FILE [--format csv|xlsx] [--from YYYY-MM] [--to YYYY-MM]
         [--place CODE] [--level region|icb|pcn] [--fy YYYY-YY] [--disclosure on|off]
         [--budget £ --need-weight W --caseload-standard N --fte-cost £ --training-cost £]
                     REPORT: capacity, training, outcomes, funding, targeting,
                     monthly (csv) or selection (xlsx: every table); the same
                     file as the dashboard's /download/REPORT.FORMAT
  spdash migrate
  spdash healthcheck [--url http://127.0.0.1:8080/healthz]   (exit 0 when the dashboard answers 200)
  spdash demo [--addr 127.0.0.1:8080] [--scale demo|national]   (loopback only: no sign-in)

PATH is a file or a folder of files named areas*.csv, activity*.csv,
training*.csv, outcomes*.csv or funding*.csv (optionally .gz), or the
published NHS files as downloaded: the PCN workforce census
(*Individual Level*.csv, PCNWFIndividualCSV*.zip; kind pcn_workforce) and
GP appointments (Practice_Level_Crosstab*.csv or .zip; kind gpad).

Every command that needs a database takes:
  --clickhouse DSN   clickhouse://user:password@host:9000/database
                     (default: $SPDASH_CLICKHOUSE_URL; without either, spdash
                     starts its own local ClickHouse in the data folder)
  --data-dir DIR     data folder for the local server and reports (default ./.spdash)
  --cluster NAME     shard the facts over this ClickHouse cluster (a name in the
                     servers' remote_servers; default $SPDASH_CLUSTER);
                     --clickhouse names its primary node (docs/DEPLOYMENT.md)

Exit status: 0 done, 1 invalid input, 2 usage error, 3 database unreachable,
4 the database cannot store data (its disk is full or read-only).
`

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &app{stdin: os.Stdin, stdout: stdout, stderr: stderr, log: log}
	code, err := app.dispatch(ctx, args)
	if err != nil {
		var ue usageError
		switch {
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "spdash: %s\n\n%s", ue.msg, usage)
			return exitUsage
		case errors.Is(err, flag.ErrHelp):
			return exitUsage
		default:
			fmt.Fprintf(stderr, "spdash: %v\n", err)
			if isUnreachable(err) {
				return exitUnreachable
			}
			if errors.Is(err, queries.ErrDiskFull) || errors.Is(err, queries.ErrStorageReadOnly) {
				return exitStorage
			}
			if code == exitOK {
				code = exitInvalid
			}
		}
	}
	return code
}

type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

func (a *app) dispatch(ctx context.Context, args []string) (int, error) {
	if len(args) == 0 {
		return exitUsage, usageError{"no command given"}
	}
	switch args[0] {
	case "etl":
		if len(args) < 2 {
			return exitUsage, usageError{"etl needs a subcommand: validate, load, generate or cleanup"}
		}
		switch args[1] {
		case "validate":
			return a.etlValidate(args[2:])
		case "load":
			return a.etlLoad(ctx, args[2:])
		case "generate":
			return a.etlGenerate(args[2:])
		case "cleanup":
			return a.etlCleanup(ctx, args[2:])
		}
		return exitUsage, usageError{fmt.Sprintf("unknown etl subcommand %q", args[1])}
	case "migrate":
		return a.migrate(ctx, args[1:])
	case "demo":
		return a.demo(ctx, args[1:])
	case "serve":
		return a.serve(ctx, args[1:])
	case "report":
		return a.report(ctx, args[1:])
	case "users":
		return a.users(args[1:], a.stdin)
	case "healthcheck":
		return a.healthcheck(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(a.stdout, usage)
		return exitOK, nil
	}
	return exitUsage, usageError{fmt.Sprintf("unknown command %q", args[0])}
}

// parseFlags parses fs, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{"help for " + fs.Name()}
		}
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	return nil
}
