package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"spdash/queries"
	"spdash/queries/localch"
)

// dbFlags are the connection settings every database command takes.
type dbFlags struct {
	dsn     string
	dataDir string
	cluster string
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dsn, "clickhouse", os.Getenv("SPDASH_CLICKHOUSE_URL"), "ClickHouse DSN: clickhouse://user:password@host:9000/database")
	fs.StringVar(&f.dataDir, "data-dir", "./.spdash", "data folder for the local ClickHouse and reports")
	fs.StringVar(&f.cluster, "cluster", os.Getenv("SPDASH_CLUSTER"), "shard the facts over this ClickHouse cluster (its remote_servers name); --clickhouse names its primary node")
}

// localDatabase is the database spdash uses on its own local server.
const localDatabase = "spdash"

// connect opens the configured database, or starts (or reuses) the local
// server when none is configured, and brings the schema up to date. close
// releases both.
func (a *app) connect(ctx context.Context, f dbFlags) (db *queries.DB, close func(), err error) {
	if f.cluster != "" && f.dsn == "" {
		return nil, nil, fmt.Errorf("--cluster needs --clickhouse naming a node of the cluster (the local server is no cluster)")
	}
	dsn := f.dsn
	stopServer := func() {}
	if dsn == "" {
		srv, err := localch.Start(ctx, f.dataDir, a.log)
		switch {
		case errors.Is(err, syscall.EROFS):
			return nil, nil, fmt.Errorf("%w: %w", queries.ErrStorageReadOnly, err)
		case errors.Is(err, syscall.ENOSPC):
			return nil, nil, fmt.Errorf("%w: %w", queries.ErrDiskFull, err)
		case err != nil:
			return nil, nil, fmt.Errorf("%w: %w", queries.ErrUnreachable, err)
		}
		stopServer = func() { _ = srv.Stop() }
		dsn = srv.DSN(localDatabase)
	}
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if f.cluster != "" {
		db, err = queries.OpenCluster(openCtx, dsn, f.cluster, a.log)
	} else {
		db, err = queries.Open(openCtx, dsn, a.log)
	}
	if err != nil {
		stopServer()
		return nil, nil, err
	}
	// Migrations on a large database take longer than a connection may:
	// migration 013 first builds the analysts' views' rows of every row
	// already loaded.
	migrateCtx, cancelMigrate := context.WithTimeout(ctx, migrateTimeout)
	defer cancelMigrate()
	if _, err := db.Migrate(migrateCtx); err != nil {
		// A read-only user (for serve) cannot migrate: fine if nothing is due.
		current, cerr := db.SchemaCurrent(openCtx)
		if !queries.IsReadOnly(err) || cerr != nil || !current {
			db.Close()
			stopServer()
			return nil, nil, fmt.Errorf("migrate: %w", err)
		}
		a.log.Info("read-only database user: the schema is current, no migration needed")
	}
	return db, func() { db.Close(); stopServer() }, nil
}

// migrateTimeout bounds the migrations a command runs when it opens the
// database (connecting has 30 s).
const migrateTimeout = 10 * time.Minute

func isUnreachable(err error) bool {
	return errors.Is(err, queries.ErrUnreachable) || errors.Is(err, localch.ErrNoServerBinary)
}

func reportPath(flagValue, dataDir string) (string, bool) {
	if flagValue != "" {
		return flagValue, true
	}
	name := "problems-" + time.Now().UTC().Format("20060102T150405.000000000Z") + ".csv"
	return filepath.Join(dataDir, "reports", name), false
}
