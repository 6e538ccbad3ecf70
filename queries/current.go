package queries

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The current rows per month and PCN (migration 007): for each state of the
// summed kinds' committed loads, a build of their current rows. Every answer
// reads the build of its data version's state (pcn_month_source in
// current.sql), or, where none is built and this connection may not build
// one (a read-only reader), the same rows computed from the storage tables.

var currentBuildTmpl = parseWithShared("current_build")

// building makes concurrent needs of one snapshot's build, in this
// process, build it once.
type building struct {
	mu      sync.Mutex
	pending map[uint64]*buildCall
}

type buildCall struct {
	done  chan struct{}
	build uint64
	err   error
}

// snapshot reads what the figures read at version: the areas load, the
// summed kinds' state and its build (current_snaps.sql).
func (db *DB) snapshot(ctx context.Context, version uint64) (DataAsOf, error) {
	a := DataAsOf{Version: version}
	if err := db.conn.QueryRow(ctx, sqlText("current_snaps"), clickhouse.Named("version", version)).Scan(&a.AreasSeq, &a.summed, &a.snap, &a.Current); err != nil {
		return a, Classify(fmt.Errorf("read the current rows' build at version %d: %w", version, err))
	}
	return a, nil
}

// CurrentBuild names the build of the current rows a reader at version
// reads (0: nothing committed, or none built and none may be), building it
// when it is missing.
func (db *DB) CurrentBuild(ctx context.Context, version uint64) (uint64, error) {
	a, err := db.asOf(ctx, Request{Version: version})
	return a.Current, err
}

// buildWhenMissing builds a state's current rows. A connection that may
// not write (IsReadOnly) builds nothing and returns 0: the statements then
// compute the current rows from the storage tables, the same rows, slower.
// Any other failure to build is returned.
func (db *DB) buildWhenMissing(ctx context.Context, snap, version uint64) (uint64, error) {
	build, err := db.buildOnce(ctx, snap, version)
	if IsReadOnly(err) {
		db.log.Debug("no build of the current rows: the connection is read-only; reading the storage tables", "version", version)
		return 0, nil
	}
	return build, err
}

// buildOnce builds a snapshot, or waits for this process's build of it
// already under way.
func (db *DB) buildOnce(ctx context.Context, snap, version uint64) (uint64, error) {
	db.builds.mu.Lock()
	if c, ok := db.builds.pending[snap]; ok {
		db.builds.mu.Unlock()
		select {
		case <-c.done:
			return c.build, c.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if db.builds.pending == nil {
		db.builds.pending = map[uint64]*buildCall{}
	}
	c := &buildCall{done: make(chan struct{})}
	db.builds.pending[snap] = c
	db.builds.mu.Unlock()

	c.build, c.err = db.buildCurrent(ctx, snap, version)
	db.builds.mu.Lock()
	delete(db.builds.pending, snap)
	db.builds.mu.Unlock()
	close(c.done)
	return c.build, c.err
}

// buildCurrent writes a build of the current rows at version: a 'started'
// event, the rows, then the 'built' event that makes it visible.
func (db *DB) buildCurrent(ctx context.Context, snap, version uint64) (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("build the current rows: %w", err)
	}
	build := binary.BigEndian.Uint64(b[:])>>1 | 1 // nonzero, and below 2^63 for any client
	started := time.Now()
	if err := db.recordBuild(ctx, snap, build, "started"); err != nil {
		return 0, err
	}
	if err := db.conn.Exec(ctx, expand(currentBuildTmpl, nil), clickhouse.Named("version", version), clickhouse.Named("build", build)); err != nil {
		return 0, Classify(fmt.Errorf("build the current rows at version %d: %w", version, err))
	}
	if err := db.recordBuild(ctx, snap, build, "built"); err != nil {
		return 0, err
	}
	db.log.Info("built the current rows", "version", version, "build", build, "took", time.Since(started).Round(time.Millisecond))
	return build, nil
}

func (db *DB) recordBuild(ctx context.Context, snap, build uint64, event string) error {
	batch, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("current_build_event"))
	if err != nil {
		return Classify(fmt.Errorf("record a build of the current rows: %w", err))
	}
	if err := batch.Append(snap, build, event, time.Now().UTC().Truncate(time.Second)); err != nil {
		_ = batch.Abort()
		return fmt.Errorf("record a build of the current rows: %w", err)
	}
	if err := batch.Send(); err != nil {
		return Classify(fmt.Errorf("record a build of the current rows: %w", err))
	}
	return nil
}

// BuildCurrent builds the current rows of the newest data version if they
// are not built: the loader calls it after its commits and spdash migrate
// after migrating, so that readers find them built.
func (db *DB) BuildCurrent(ctx context.Context) (uint64, error) {
	a, err := db.DataAsOf(ctx)
	if err != nil {
		return 0, err
	}
	return db.CurrentBuild(ctx, a.Version)
}

// ReclaimBuilds deletes the builds of the current rows no reader reads any
// more, and says how many: every build but the one read at the newest
// version, once that one was built more than keep ago (a reader of an older
// state began before it existed: long finished), and only builds whose own
// last event is older than keep (one under way, or just built beside the
// read one, is left). Events go first, so no reader can pick a build whose
// rows are going; ClickHouse deletes the rows in the background.
func (db *DB) ReclaimBuilds(ctx context.Context, keep time.Duration) (int, error) {
	a, err := db.DataAsOf(ctx)
	if err != nil {
		return 0, err
	}
	read := a.Current
	if read == 0 {
		return 0, nil
	}
	rows, err := db.conn.Query(ctx, sqlText("current_builds_list"))
	if err != nil {
		return 0, Classify(fmt.Errorf("list the builds of the current rows: %w", err))
	}
	defer rows.Close()
	type seen struct{ started, built time.Time }
	builds := map[uint64]seen{}
	for rows.Next() {
		var build uint64
		var s seen
		if err := rows.Scan(&build, &s.started, &s.built); err != nil {
			return 0, fmt.Errorf("list the builds of the current rows: %w", err)
		}
		builds[build] = s
	}
	if err := rows.Err(); err != nil {
		return 0, Classify(err)
	}
	cutoff := time.Now().Add(-keep)
	if kept, ok := builds[read]; !ok || !kept.built.Before(cutoff) {
		return 0, nil
	}
	var stale []uint64
	for b, s := range builds {
		if b != read && s.started.Before(cutoff) && (s.built.Unix() <= 0 || s.built.Before(cutoff)) {
			stale = append(stale, b)
		}
	}
	if len(stale) == 0 {
		return 0, nil
	}
	if err := db.conn.Exec(ctx, sqlText("current_builds_delete"), stale); err != nil {
		return 0, Classify(fmt.Errorf("forget the stale builds of the current rows: %w", err))
	}
	if err := db.conn.Exec(ctx, sqlText("current_rows_delete"), stale); err != nil {
		return 0, Classify(fmt.Errorf("delete the stale builds of the current rows: %w", err))
	}
	return len(stale), nil
}
