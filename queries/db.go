// Package queries owns the ClickHouse schema and every SQL statement spdash runs,
// with typed results. One DB value wraps the connection (as miniflux's storage does).
package queries

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"spdash/internal/flight"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// StatementTag starts every statement spdash sends, followed by the file it
// came from: "-- spdash:sql/areas_as_of.sql". Operators see in system.query_log
// which file a query came from, and the engine check (queries/enginecheck)
// attributes each logged statement to its file.
const StatementTag = "-- spdash:"

// sqlText returns an embedded statement by file name (without .sql), tagged
// with its file name on a first comment line.
func sqlText(name string) string {
	b, err := sqlFiles.ReadFile("sql/" + name + ".sql")
	if err != nil {
		panic(fmt.Sprintf("queries: missing embedded sql/%s.sql", name)) // a build defect, caught by every test
	}
	return StatementTag + "sql/" + name + ".sql\n" + string(b)
}

// ErrUnreachable marks errors where the ClickHouse server could not be reached
// or the connection was lost; the CLI maps it to exit status 3.
var ErrUnreachable = errors.New("clickhouse unreachable")

// ErrBusy marks a query that waited its time for a connection from the pool
// and got none: the server is up but every connection is in use.
var ErrBusy = errors.New("clickhouse busy: every connection is in use")

// ErrDiskFull and ErrStorageReadOnly: the server could not write its data
// folder. Nothing of what was being written is visible (a load commits
// only after its rows are stored); reads go on. An operator must act: free
// space, or make the folder writable, then run the same command again.
var (
	ErrDiskFull        = errors.New("the ClickHouse server's disk is full: free space there, then run the same command again (nothing half-written is visible)")
	ErrStorageReadOnly = errors.New("the ClickHouse server's data folder is read-only: make it writable, then run the same command again (nothing half-written is visible)")
)

// DB is a connection to one spdash database.
type DB struct {
	conn         driver.Conn
	database     string
	addr         string
	log          *slog.Logger
	queryTimeout time.Duration
	cluster      *clusterOf                         // nil on a single server (cluster.go)
	builds       building                           // builds of the current rows under way (current.go)
	months       flight.Group[map[string][]*counts] // reads of the months under way (pcn_month.go)
	areas        flight.Group[*Areas]               // reads of the areas under way (areas.go)
	periods      flight.Group[*pcnPeriod]           // reads of every PCN's sums over a period under way (pcn_month.go)
}

// DefaultMaxOpenConns is the connection pool's size when the DSN sets none.
const DefaultMaxOpenConns = 24

// DefaultQueryTimeout bounds each dashboard query.
const DefaultQueryTimeout = 20 * time.Second

// SetQueryTimeout bounds each read query from now on. The server is told too
// (max_execution_time): a cancelled context alone leaves it running.
func (db *DB) SetQueryTimeout(d time.Duration) { db.queryTimeout = d }

// readContext applies the query timeout to ctx, on the client and the server.
func (db *DB) readContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return db.readContextWith(ctx, nil)
}

// readContextWith is readContext with more server settings (int values only
// on 18.16).
func (db *DB) readContextWith(ctx context.Context, extra clickhouse.Settings) (context.Context, context.CancelFunc) {
	d := db.queryTimeout
	if d <= 0 {
		d = DefaultQueryTimeout
	}
	secs := int(d / time.Second)
	if secs < 1 {
		secs = 1
	}
	settings := clickhouse.Settings{"max_execution_time": secs}
	for k, v := range extra {
		settings[k] = v
	}
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(settings))
	return context.WithTimeout(ctx, d+2*time.Second)
}

var (
	databaseName       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	databaseCreateTmpl = template.Must(template.New("dbcreate").Parse(sqlText("database_create")))
)

// Open connects using a DSN such as clickhouse://user:password@host:9000/database,
// creating the database when it is missing.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	return open(ctx, dsn, log, nil)
}

// open is Open with server settings for every statement of the
// connection (cluster mode's insert_distributed_sync).
func open(ctx context.Context, dsn string, log *slog.Logger, settings clickhouse.Settings) (*DB, error) {
	if log == nil {
		log = slog.Default()
	}
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse DSN %q: %w (expected clickhouse://user:password@host:9000/database)", redact(dsn), err)
	}
	database := opts.Auth.Database
	if database == "" {
		database = "default"
	}
	if !databaseName.MatchString(database) {
		return nil, fmt.Errorf("clickhouse DSN: database name %q: use letters, digits and _", database)
	}
	sizePool(opts)
	addr := strings.Join(opts.Addr, ",")

	// Create the database through a connection to "default", which always exists.
	opts.Auth.Database = "default"
	boot, err := clickhouse.Open(opts)
	if err != nil {
		return nil, unreachable(addr, err)
	}
	if err := boot.Ping(ctx); err != nil {
		boot.Close()
		return nil, unreachable(addr, err)
	}
	// Create the database only when missing, so that a read-only user can
	// open an existing one.
	var exists uint64
	if err := boot.QueryRow(ctx, sqlText("database_exists"), database).Scan(&exists); err != nil {
		boot.Close()
		return nil, Classify(fmt.Errorf("look for database %s: %w", database, err))
	}
	if exists == 0 {
		// The name was checked against databaseName above: it is safe to splice.
		err = boot.Exec(ctx, expand(databaseCreateTmpl, map[string]string{"Database": database}))
	}
	boot.Close()
	if err != nil {
		return nil, Classify(fmt.Errorf("create database %s: %w", database, err))
	}

	opts.Auth.Database = database
	if len(settings) > 0 {
		if opts.Settings == nil {
			opts.Settings = clickhouse.Settings{}
		}
		for k, v := range settings {
			opts.Settings[k] = v
		}
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, unreachable(addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, unreachable(addr, err)
	}
	return &DB{conn: conn, database: database, addr: addr, log: log}, nil
}

// sizePool bounds the dial and sizes the pool on purpose unless the DSN
// says (max_open_conns, max_idle_conns): a page runs a few statements side
// by side, and more than a few dozen at once only queue inside ClickHouse. A
// query that waits longer than DialTimeout for a connection fails as ErrBusy.
func sizePool(opts *clickhouse.Options) {
	if opts.DialTimeout == 0 || opts.DialTimeout > 10*time.Second {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.MaxOpenConns == 0 {
		opts.MaxOpenConns = DefaultMaxOpenConns
	}
	if opts.MaxIdleConns == 0 {
		opts.MaxIdleConns = DefaultMaxOpenConns / 2
	}
}

// Close closes the connection, and in cluster mode the other nodes'.
func (db *DB) Close() error {
	if db.cluster != nil {
		for _, n := range db.cluster.nodes {
			if n.addr != db.addr || n.database != db.database {
				n.conn.Close()
			}
		}
	}
	return db.conn.Close()
}

// Database is the database name in use.
func (db *DB) Database() string { return db.database }

// Addr is the server address (host:port, comma-separated if several).
func (db *DB) Addr() string { return db.addr }

// Ping checks the server answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.conn.Ping(ctx); err != nil {
		return unreachable(db.addr, err)
	}
	return nil
}

// ServerVersion is the server's version string.
func (db *DB) ServerVersion() (string, error) {
	v, err := db.conn.ServerVersion()
	if err != nil {
		return "", Classify(err)
	}
	return v.String(), nil
}

func unreachable(addr string, err error) error {
	return fmt.Errorf("%w at %s: %v", ErrUnreachable, addr, err)
}

// Classify wraps err with ErrUnreachable when it is a network failure rather
// than an error the server reported.
func Classify(err error) error {
	if err == nil || errors.Is(err, ErrUnreachable) || errors.Is(err, ErrBusy) || errors.Is(err, ErrDiskFull) || errors.Is(err, ErrStorageReadOnly) {
		return err
	}
	if errors.Is(err, clickhouse.ErrAcquireConnTimeout) { // busy is not unreachable
		return fmt.Errorf("%w: %w", ErrBusy, err)
	}
	var exc *clickhouse.Exception
	if errors.As(err, &exc) {
		switch {
		case exc.Code == 243 || strings.Contains(exc.Message, "No space left on device") || strings.Contains(exc.Message, "Not enough space"):
			return fmt.Errorf("%w: %w", ErrDiskFull, err)
		case strings.Contains(exc.Message, "Read-only file system") || strings.Contains(exc.Message, "File is read-only"):
			return fmt.Errorf("%w: %w", ErrStorageReadOnly, err)
		}
		return err
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return err
}

// IsReadOnly reports whether err is the server refusing a write to a
// read-only user (readonly on 18.16: code 164), or to a user without the
// grant (current ClickHouse: 497, ACCESS_DENIED).
func IsReadOnly(err error) bool {
	var exc *clickhouse.Exception
	return errors.As(err, &exc) && (exc.Code == 164 || exc.Code == 497)
}

func redact(dsn string) string {
	if i := strings.Index(dsn, "@"); i >= 0 {
		if j := strings.Index(dsn, "://"); j >= 0 && j < i {
			return dsn[:j+3] + "…" + dsn[i:]
		}
	}
	return dsn
}
