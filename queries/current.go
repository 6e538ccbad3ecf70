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
	build, err := newBuildID()
	if err != nil {
		return 0, err
	}
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

// PCNMonth is one PCN's rows of one month summed, as pcn_month_current
// holds them: what the loader sums as a file streams (ExtendCurrent).
type PCNMonth struct {
	Month                                                        time.Time
	Area                                                         string
	Returns, Referrals, Accepted, Supported, Caseload, Headcount uint64
	FTE                                                          float64
	Waits                                                        []float64
	Providers                                                    []string
	InPost, Trained                                              []uint64 // by module, Modules' order
	People, Cohort                                               []uint64 // by outcome, Outcomes' order
}

// NewPCNMonth is an empty PCNMonth.
func NewPCNMonth(month time.Time, area string) *PCNMonth {
	return &PCNMonth{Month: month, Area: area, Waits: []float64{}, Providers: []string{},
		InPost: make([]uint64, len(Modules)), Trained: make([]uint64, len(Modules)),
		People: make([]uint64, len(Outcomes)), Cohort: make([]uint64, len(Outcomes))}
}

// ExtendCurrent builds the current rows of the newest version from the
// build of base (the data as of before loads seqs) and the loads' own sums
// per month and PCN, when that gives the rows a build from the storage
// tables would: base's state was built (or empty), the loads are exactly
// what has committed since, and they supersede no row (they only add).
// It reports whether it built; otherwise the caller builds from the
// storage tables (BuildCurrent). A run of loads of new months costs the
// server a copy of the build, not a second read of the rows.
func (db *DB) ExtendCurrent(ctx context.Context, base DataAsOf, seqs []uint64, sums []*PCNMonth) (bool, error) {
	now, err := db.DataAsOf(ctx)
	if err != nil {
		return false, err
	}
	if now.Current != 0 {
		return true, nil // built already
	}
	if len(seqs) == 0 || (base.summed > 0 && base.Current == 0) || now.summed != base.summed+uint64(len(seqs)) {
		return false, nil // no build to extend, or other loads committed meanwhile
	}
	var superseding uint64
	if err := db.conn.QueryRow(ctx, sqlText("superseded_by_count"), seqs).Scan(&superseding); err != nil {
		return false, Classify(fmt.Errorf("extend the current rows: %w", err))
	}
	if superseding > 0 {
		return false, nil // the loads replace rows: their sums alone do not say what is current
	}
	build, err := newBuildID()
	if err != nil {
		return false, err
	}
	delta, err := newBuildID()
	if err != nil {
		return false, err
	}
	started := time.Now()
	// The loads' sums go in under a build number never marked built (no
	// reader reads it; cleanup deletes it), then the merge makes the build.
	if err := db.recordBuild(ctx, 0, delta, "started"); err != nil {
		return false, err
	}
	if err := db.insertSums(ctx, delta, sums); err != nil {
		return false, err
	}
	if err := db.recordBuild(ctx, now.snap, build, "started"); err != nil {
		return false, err
	}
	if err := db.conn.Exec(ctx, sqlText("current_merge"), clickhouse.Named("build", build), clickhouse.Named("base", base.Current),
		clickhouse.Named("delta", delta)); err != nil {
		return false, Classify(fmt.Errorf("extend the current rows: %w", err))
	}
	if err := db.recordBuild(ctx, now.snap, build, "built"); err != nil {
		return false, err
	}
	db.log.Info("extended the current rows with the loads' sums", "version", now.Version, "build", build, "loads", len(seqs),
		"took", time.Since(started).Round(time.Millisecond))
	return true, nil
}

func (db *DB) insertSums(ctx context.Context, build uint64, sums []*PCNMonth) error {
	batch, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("current_delta_insert"))
	if err != nil {
		return Classify(fmt.Errorf("insert the loads' sums: %w", err))
	}
	// Column by column: a row at a time, the driver's arrays cost seconds.
	n := len(sums)
	builds, months, areas := make([]uint64, n), make([]time.Time, n), make([]string, n)
	counts := make([][]uint64, 6)
	for i := range counts {
		counts[i] = make([]uint64, n)
	}
	fte, waits, providers := make([]float64, n), make([][]float64, n), make([][]string, n)
	arrays := make([][][]uint64, 4)
	for i := range arrays {
		arrays[i] = make([][]uint64, n)
	}
	for i, r := range sums {
		builds[i], months[i], areas[i] = build, r.Month, r.Area
		for j, v := range []uint64{r.Returns, r.Referrals, r.Accepted, r.Supported, r.Caseload, r.Headcount} {
			counts[j][i] = v
		}
		fte[i], waits[i], providers[i] = r.FTE, r.Waits, r.Providers
		arrays[0][i], arrays[1][i], arrays[2][i], arrays[3][i] = r.InPost, r.Trained, r.People, r.Cohort
	}
	columns := []any{builds, months, areas, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5],
		fte, waits, providers, arrays[0], arrays[1], arrays[2], arrays[3]}
	for i, c := range columns {
		if err := batch.Column(i).Append(c); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("insert the loads' sums, column %d: %w", i, err)
		}
	}
	if err := batch.Send(); err != nil {
		return Classify(fmt.Errorf("insert the loads' sums: %w", err))
	}
	return nil
}

// newBuildID is a random build number: nonzero, below 2^63 for any client.
func newBuildID() (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("a build number: %w", err)
	}
	return binary.BigEndian.Uint64(b[:])>>1 | 1, nil
}
