package etl_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"spdash/etl"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// cuttingProxy forwards TCP to target and closes every connection once limit
// bytes have gone from client to server, as a network failure would. With a
// gate it holds them instead: nothing more goes to the server (held is
// closed) until the gate is closed.
type cuttingProxy struct {
	ln       net.Listener
	target   string
	limit    int64
	sent     atomic.Int64
	cut      atomic.Bool
	wg       sync.WaitGroup
	gate     chan struct{}
	held     chan struct{}
	holdOnce sync.Once
}

// newHoldingProxy is a cuttingProxy that holds instead of cutting; close
// gate to let the connections go on.
func newHoldingProxy(t *testing.T, target string, limit int64, gate chan struct{}) *cuttingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{ln: ln, target: target, limit: limit, gate: gate, held: make(chan struct{})}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func newCuttingProxy(t *testing.T, target string, limit int64) *cuttingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{ln: ln, target: target, limit: limit}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *cuttingProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Add(2)
		go func() { // client -> server, counted
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if p.sent.Add(int64(n)) > p.limit && p.gate != nil {
						p.holdOnce.Do(func() { close(p.held) })
						<-p.gate
					} else if p.sent.Load() > p.limit {
						p.cut.Store(true)
						c.Close()
						s.Close()
						return
					}
					if _, werr := s.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					s.Close()
					return
				}
			}
		}()
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(c, s)
			c.Close()
		}()
	}
}

// A connection lost half-way through a file leaves nothing of it visible, and
// running the same load again completes it.
func TestLostConnectionLeavesNothingAndRerunCompletes(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 5, Scale: sample.Demo}); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, db, filepath.Join(dir, "areas.csv"))
	outcomes := filepath.Join(dir, "outcomes.csv")
	want := readTotals(t, outcomes)

	proxy := newCuttingProxy(t, db.Addr(), 300<<10) // well inside the 800 KB file
	ctx := context.Background()
	viaProxy, err := queries.Open(ctx, "clickhouse://default@"+proxy.ln.Addr().String()+"/"+db.Database(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer viaProxy.Close()
	pl, _ := etl.NewProblemLog(io.Discard, filepath.Join(t.TempDir(), "r.csv"), false)
	kind, _ := etl.LookupKind("outcomes")
	l := &etl.Loader{DB: viaProxy, Problems: pl, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BatchRows: 1000}
	res, err := l.LoadFile(ctx, etl.File{Path: outcomes, Kind: kind})
	if !proxy.cut.Load() {
		t.Fatal("the proxy never cut the connection")
	}
	if err == nil || !errors.Is(err, queries.ErrUnreachable) {
		t.Fatalf("load through a cut connection: %v (status %s), want ErrUnreachable", err, res.Status)
	}
	if n := scalar[uint64](t, db, "SELECT count() FROM outcomes"); n != 0 {
		t.Fatalf("%d outcomes rows visible after a lost connection", n)
	}
	if n := scalar[uint64](t, db, "SELECT count() FROM outcomes_rows"); n == 0 {
		t.Log("note: no batch reached the server before the cut")
	}

	mustLoad(t, db, outcomes)
	if n := scalar[uint64](t, db, "SELECT count() FROM outcomes"); int(n) != want.rows {
		t.Fatalf("after the rerun %d rows, want %d", n, want.rows)
	}
	if s := scalar[float64](t, db, "SELECT toFloat64(sum(people)) FROM outcomes"); !near(s, want.sums["people"]) {
		t.Fatalf("after the rerun people = %v, want %v", s, want.sums["people"])
	}
}
