package enginecheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/chdb-io/chdb-go/chdb"
)

// chEngine is ClickHouse 26.7 in-process: one chDB session per test binary
// (chDB allows one), with a database of the same name as the 18.16 test's.
//
// Every call into chDB is made from one goroutine locked to one OS thread:
// the embedded server keeps per-thread state, and calls made from whichever
// thread a goroutine happens to be on hung or crashed the test process.
type chEngine struct {
	s     *chdb.Session
	calls chan func()
}

// do runs f on the chDB thread and waits for it.
func (e *chEngine) do(f func()) {
	done := make(chan struct{})
	e.calls <- func() { f(); close(done) }
	<-done
}

// rawQuery is Session.Query on the chDB thread; the result is read there too.
func (e *chEngine) rawQuery(sql, format string) (buf []byte, err error) {
	e.do(func() {
		r, qerr := e.s.Query(sql, format)
		if qerr != nil {
			err = qerr
			return
		}
		if r != nil {
			buf = append([]byte(nil), r.Buf()...)
			r.Free()
		}
	})
	return buf, err
}

// openChDB starts the session. A missing library fails the test with the
// install command: this check never skips.
func openChDB(t *testing.T) *chEngine {
	t.Helper()
	if os.Getenv("CHDB_LIB_PATH") == "" {
		t.Fatal("CHDB_LIB_PATH is not set: run scripts/install-deps chdb and export CHDB_LIB_PATH=$(scripts/install-deps --chdb-lib) (.ci/run does both)")
	}
	e := &chEngine{calls: make(chan func())}
	dir := t.TempDir()
	opened := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		s, err := chdb.NewSession(dir)
		e.s = s
		opened <- err
		if err != nil {
			return
		}
		for f := range e.calls {
			f()
		}
		s.Close()
	}()
	if err := <-opened; err != nil {
		t.Fatalf("open chDB session: %v", err)
	}
	t.Cleanup(func() { close(e.calls) })
	// Exact text for 64-bit integers and decimals, and nan/inf as text, so
	// that values compare exactly with what clickhouse-go scans.
	for _, set := range []string{
		"SET output_format_json_quote_64bit_integers = 1",
		"SET output_format_json_quote_decimals = 1",
		"SET output_format_json_quote_denormals = 1",
	} {
		if err := e.exec(set); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// version is the engine's version string.
func (e *chEngine) version() (string, error) {
	r, err := e.query("SELECT version() AS v")
	if err != nil {
		return "", err
	}
	if len(r.Rows) != 1 {
		return "", fmt.Errorf("version(): %d rows", len(r.Rows))
	}
	return fmt.Sprint(r.Rows[0][0]), nil
}

// exec runs a statement whose result, if any, is not wanted.
func (e *chEngine) exec(sql string) error {
	_, err := e.rawQuery(sql, "TabSeparated")
	return err
}

// query runs a statement and reads its result as JSONCompact.
func (e *chEngine) query(sql string) (*result, error) {
	raw, err := e.rawQuery(sql, "JSONCompact")
	if err != nil {
		return nil, err
	}
	buf := bytes.TrimSpace(raw)
	if len(buf) == 0 { // DDL or INSERT: no result block
		return &result{}, nil
	}
	var out struct {
		Meta []struct{ Name, Type string }
		Data [][]any
	}
	dec := json.NewDecoder(bytes.NewReader(buf))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("read chDB's JSONCompact: %w", err)
	}
	res := &result{Complete: true}
	for _, m := range out.Meta {
		res.Names = append(res.Names, m.Name)
		res.Types = append(res.Types, m.Type)
		gt, err := scanTypeOf(m.Type)
		if err != nil {
			return nil, err
		}
		res.GoTypes = append(res.GoTypes, gt)
	}
	for _, row := range out.Data {
		vals := make([]any, len(row))
		for i, v := range row {
			c, err := canonicalJSON(v, res.Types[i])
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", res.Names[i], err)
			}
			vals[i] = c
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, nil
}

// insertTSV inserts tab-separated rows, as ClickHouse writes them, into table's columns.
func (e *chEngine) insertTSV(table string, columns []string, tsv []byte) error {
	if len(bytes.TrimSpace(tsv)) == 0 {
		return nil
	}
	return e.exec(fmt.Sprintf("INSERT INTO %s (%s) FORMAT TabSeparated\n%s", table, strings.Join(columns, ", "), tsv))
}
