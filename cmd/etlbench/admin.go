package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// admin is the harness's own connection: it creates and drops the bench
// databases, waits for merges and counts rows. None of it is timed.
type admin struct {
	conn driver.Conn
}

func openAdmin(ctx context.Context, dsn string) (*admin, error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse DSN %s: %w", dsn, err)
	}
	// The harness's own statements stay out of the query log, so that the
	// log's statements in a load's time are the load's (statementsCPU).
	if opts.Settings == nil {
		opts.Settings = clickhouse.Settings{}
	}
	opts.Settings["log_queries"] = 0
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to clickhouse: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect to clickhouse: %w", err)
	}
	return &admin{conn: conn}, nil
}

func (a *admin) Close() error { return a.conn.Close() }

func (a *admin) exec(ctx context.Context, query string) error {
	if err := a.conn.Exec(ctx, query); err != nil {
		return fmt.Errorf("%s: %w", firstLine(query), err)
	}
	return nil
}

func (a *admin) count(ctx context.Context, query string) (int64, error) {
	var n uint64
	if err := a.conn.QueryRow(ctx, query).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: %w", firstLine(query), err)
	}
	return int64(n), nil
}

func (a *admin) version(ctx context.Context) (string, error) {
	var v string
	if err := a.conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", fmt.Errorf("SELECT version(): %w", err)
	}
	return v, nil
}

// statementsCPU is the server's CPU time (user + system, seconds) for the
// statements that finished from the second of from to the second of to,
// from system.query_log: a load's own statements, when nothing else ran
// then (the harness's are not logged). Background merges are not
// statements, so they are not in it.
func (a *admin) statementsCPU(ctx context.Context, from, to time.Time) (float64, error) {
	if err := a.exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return 0, err
	}
	var us float64
	err := a.conn.QueryRow(ctx, `SELECT toFloat64(sum(ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')]
	                                 + ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')]))
FROM system.query_log
WHERE type = 2 AND event_time >= toDateTime(?) AND event_time <= toDateTime(?)`, uint32(from.Unix()), uint32(to.Unix())).Scan(&us)
	if err != nil {
		return 0, fmt.Errorf("the load's statements' CPU from system.query_log: %w", err)
	}
	return us / 1e6, nil
}

const benchPrefix = "bench_"

// dropBenchDatabases removes the databases an earlier, interrupted run left.
func (a *admin) dropBenchDatabases(ctx context.Context) error {
	rows, err := a.conn.Query(ctx, "SELECT name FROM system.databases WHERE startsWith(name, '"+benchPrefix+"')")
	if err != nil {
		return fmt.Errorf("list databases: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		if err := a.exec(ctx, "DROP DATABASE IF EXISTS "+n); err != nil {
			return err
		}
	}
	return nil
}

// settleCap bounds the wait for background merges before a measurement.
const settleCap = 20 * time.Second

// settle waits until no merge is running (or settleCap passes) and tells how long it waited
// and whether merges were still running at the cap.
func (a *admin) settle(ctx context.Context) (time.Duration, bool, error) {
	start := time.Now()
	for {
		n, err := a.count(ctx, "SELECT count() FROM system.merges")
		if err != nil {
			return 0, false, err
		}
		if n == 0 {
			return time.Since(start), false, nil
		}
		if time.Since(start) > settleCap {
			return time.Since(start), true, nil
		}
		select {
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// loadRow is one file's row of spdash's loads view.
type loadRow struct {
	Kind, Status, File          string
	Read, Loaded, Rejected, Seq uint64
}

func (a *admin) loads(ctx context.Context, database string) ([]loadRow, error) {
	// The view's inner queries name load_log unqualified, so query the table itself.
	q := fmt.Sprintf(`SELECT toString(kind), toString(status), file_name, rows_read, rows_loaded, rows_rejected, seq
		FROM %s.load_log
		WHERE (load_id, event_no) IN (SELECT load_id, max(event_no) FROM %s.load_log GROUP BY load_id)
		ORDER BY seq`, database, database)
	rows, err := a.conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read %s.load_log: %w", database, err)
	}
	defer rows.Close()
	var out []loadRow
	for rows.Next() {
		var r loadRow
		if err := rows.Scan(&r.Kind, &r.Status, &r.File, &r.Read, &r.Loaded, &r.Rejected, &r.Seq); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}
