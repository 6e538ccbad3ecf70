package etl_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spdash/etl"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// Only loads with no sign of life for the whole interval count as
// abandoned: one that started long ago but beat recently is alive, one that
// started just now is alive, one that started long ago and never beat is not.
func TestAbandonedLoadsNeedSilence(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	hourAgo := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	start := func(id string, seq uint64, at time.Time) queries.Load {
		l := queries.Load{ID: id, Seq: seq, FileName: id + ".csv", Kind: "activity", Status: queries.StatusRunning, StartedAt: at}
		if err := db.RecordLoad(ctx, l, 0); err != nil {
			t.Fatal(err)
		}
		return l
	}
	start("beating", 1, hourAgo)
	if err := db.Heartbeat(ctx, "beating", time.Now()); err != nil {
		t.Fatal(err)
	}
	start("fresh", 2, time.Now().UTC().Truncate(time.Second))
	start("silent", 3, hourAgo)
	finished := start("finished", 4, hourAgo)
	finished.Status = queries.StatusFailed
	if err := db.RecordLoad(ctx, finished, 1); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	loads, err := etl.MarkAbandoned(ctx, db, 10*time.Minute, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(loads) != 1 || loads[0].ID != "silent" || !strings.Contains(out.String(), "silent.csv (activity") {
		t.Fatalf("marked %+v\n%s; want only the silent load", loads, out.String())
	}
	var status, message string
	if err := db.QueryRow(ctx, "SELECT toString(status), message FROM loads WHERE load_id = 'silent'").Scan(&status, &message); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || !strings.HasPrefix(message, "abandoned:") {
		t.Errorf("the silent load is now %s: %q", status, message)
	}
	if again, err := etl.MarkAbandoned(ctx, db, 10*time.Minute, io.Discard); err != nil || len(again) != 0 {
		t.Errorf("marking again: %v %v, want nothing left", again, err)
	}
}

// A load that cleanup marks abandoned while it is still running (its
// process was only slow) does not commit afterwards: it ends failed and
// nothing of it is visible.
func TestMarkedLoadDoesNotCommit(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 12, Scale: sample.National, Months: 12}); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, db, filepath.Join(dir, "areas.csv"))
	kind, _ := etl.LookupKind("training")
	// The load goes through a proxy that holds its connections once it has
	// sent its first rows, so it is still running when it is marked,
	// however fast the machine.
	gate := make(chan struct{})
	proxy := newHoldingProxy(t, db.Addr(), 256<<10, gate)
	viaProxy, err := queries.Open(ctx, "clickhouse://default@"+proxy.ln.Addr().String()+"/"+db.Database(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer viaProxy.Close()
	l := &etl.Loader{DB: viaProxy, Problems: mustProblemLog(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BatchRows: 2000}
	type outcome struct {
		res etl.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := l.LoadFile(ctx, etl.File{Path: filepath.Join(dir, "training.csv"), Kind: kind})
		done <- outcome{res, err}
	}()
	select {
	case <-proxy.held:
	case o := <-done:
		t.Fatalf("the load ended (%s, %v) before the proxy held it; make the file bigger", o.res.Status, o.err)
	}
	// Now mark it abandoned (a stale-after of 0: as if its heartbeats had
	// stopped), then let it go on.
	// Its last sign of life must be older than now, to the second.
	marked := false
	for deadline := time.Now().Add(60 * time.Second); !marked && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		loads, err := db.AbandonedLoads(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, ld := range loads {
			if ld.Kind == "training" {
				if err := db.MarkAbandoned(ctx, ld, "abandoned: test", time.Now()); err != nil {
					t.Fatal(err)
				}
				marked = true
			}
		}
	}
	close(gate)
	if !marked {
		t.Fatal("the load never showed as running")
	}
	o := <-done
	if o.err == nil || o.res.Status != etl.ResultFailed || !strings.Contains(o.err.Error(), "marked abandoned") {
		t.Fatalf("the marked load ended %s, %v; want failed, marked abandoned", o.res.Status, o.err)
	}
	if n := scalar[uint64](t, db, "SELECT count() FROM training"); n != 0 {
		t.Errorf("%d training rows visible after a load marked abandoned", n)
	}
}

// Cleanup deletes the stored rows a newer committed load superseded once
// that load is older than --keep, and nothing visible changes: the view is
// the same before and after, and rows nothing superseded stay.
func TestCleanupReclaimsSupersededRows(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	mustLoad(t, db, writeFile(t, dir, "areas.csv", areasCSV))
	mustLoad(t, db, writeFile(t, dir, "activity_v1.csv", activityHeader+
		"2024-07,U00001,P1,100,90,80,300,4,3.5,12\n"+
		"2024-07,U00002,P1,10,9,8,30,1,1,5\n"+
		"2025-08,U00001,P1,110,95,85,310,4,3.5,11\n"))
	mustLoad(t, db, writeFile(t, dir, "activity_v2.csv", activityHeader+
		"2024-07,U00001,P1,200,190,180,400,5,4.5,\n"+ // supersedes a v1 row
		"2025-08,U00001,P1,120,95,85,310,4,3.5,11\n")) // and another, in another year
	before := viewActivity(t, db)
	stored := func() uint64 { return scalar[uint64](t, db, "SELECT count() FROM activity_rows") }
	if n := stored(); n != 5 {
		t.Fatalf("%d rows stored, want 5", n)
	}
	var out strings.Builder
	if err := etl.Cleanup(ctx, db, time.Hour, time.Hour, &out); err != nil { // v2 committed just now: kept
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "superseded") {
		t.Errorf("rows superseded less than --keep ago were deleted:\n%s", out.String())
	}
	time.Sleep(1100 * time.Millisecond) // commits are stamped to the second
	out.Reset()
	if err := etl.Cleanup(ctx, db, time.Hour, 0, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "activity: deleting 2 rows superseded") {
		t.Errorf("cleanup said:\n%s", out.String())
	}
	for deadline := time.Now().Add(60 * time.Second); stored() != 3; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d rows stored after cleanup, want 3 (the superseded 2 deleted)", stored())
		}
	}
	if after := viewActivity(t, db); after.String() != before.String() {
		t.Errorf("the view changed:\n before %s\n after  %s", before, after)
	}
}
