package enginecheck

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"spdash/queries"
	"spdash/queries/testdb"
)

// server is the ClickHouse 18.16 test server, seen through the product's own
// connection (so results scan exactly as the product's do).
type server struct {
	db       *queries.DB
	httpPort int
}

func newServer(t *testing.T, db *queries.DB) *server {
	return &server{db: db, httpPort: testdb.Server(t).HTTPPort}
}

// query runs a statement and scans every column into the type clickhouse-go
// chooses for it.
func (s *server) query(ctx context.Context, sql string) (*result, error) {
	rows, err := s.db.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &result{Complete: true, Names: rows.Columns()}
	cts := rows.ColumnTypes()
	for _, ct := range cts {
		res.Types = append(res.Types, ct.DatabaseTypeName())
		res.GoTypes = append(res.GoTypes, ct.ScanType().String())
	}
	for rows.Next() {
		dest := make([]any, len(cts))
		for i, ct := range cts {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		vals := make([]any, len(cts))
		for i := range dest {
			c, err := canonicalGo(reflect.ValueOf(dest[i]), res.Types[i])
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", res.Names[i], err)
			}
			vals[i] = c
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

// text runs a query over the HTTP interface and returns its output as the
// server formats it (for copying rows as loaded, byte for byte).
func (s *server) text(ctx context.Context, sql string) ([]byte, error) {
	u := fmt.Sprintf("http://127.0.0.1:%d/?database=%s&query=%s", s.httpPort, url.QueryEscape(s.db.Database()), url.QueryEscape(sql))
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// tableColumns lists a table's or view's columns in order (DESCRIBE keeps it;
// system.columns on 18.16 has no position).
func (s *server) tableColumns(ctx context.Context, table string) ([]string, error) {
	r, err := s.query(ctx, "DESCRIBE TABLE "+table)
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, row := range r.Rows {
		cols = append(cols, fmt.Sprint(row[0]))
	}
	return cols, nil
}
