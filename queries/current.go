package queries

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The current rows per month and PCN (migration 007): for each state of a
// summed kind's committed loads, a build of its current rows. Every answer
// reads the builds of its data version's states (<kind>_source in
// current.sql), or, where one is not built and this connection may not
// build it (a read-only reader), the same rows computed from the storage
// tables.

// Builds names the build of each summed kind's current rows an answer
// reads; 0 where none is built (the statements then compute the kind's
// current rows themselves) or where the kind has nothing committed.
type Builds struct {
	Activity, Training, Outcomes, Workforce, Appointments uint64
}

// CurrentKinds are the kinds with current rows per month and PCN.
var CurrentKinds = []string{"activity", "training", "outcomes", "pcn_workforce", "gpad"}

// builtKinds says which kinds have a build to read; the statement
// templates choose their source by it.
type builtKinds struct {
	Activity, Training, Outcomes, Workforce, Appointments bool
}

func (b Builds) built() builtKinds {
	return builtKinds{Activity: b.Activity != 0, Training: b.Training != 0, Outcomes: b.Outcomes != 0,
		Workforce: b.Workforce != 0, Appointments: b.Appointments != 0}
}

func (b Builds) args() []any {
	return []any{clickhouse.Named("build_activity", b.Activity), clickhouse.Named("build_training", b.Training),
		clickhouse.Named("build_outcomes", b.Outcomes), clickhouse.Named("build_pcn_workforce", b.Workforce),
		clickhouse.Named("build_gpad", b.Appointments)}
}

func (b *Builds) set(kind string, build uint64) {
	switch kind {
	case "activity":
		b.Activity = build
	case "training":
		b.Training = build
	case "outcomes":
		b.Outcomes = build
	case "pcn_workforce":
		b.Workforce = build
	case "gpad":
		b.Appointments = build
	}
}

// kindState is a summed kind's state at a version and its build (0: none
// built yet).
type kindState struct {
	kind        string
	snap, build uint64
}

var (
	dataAsOfTmpl          = parseWithShared("data_as_of")
	currentSnapsTmpl      = parseWithShared("current_snaps")
	currentBuildTmpls     = map[string]*template.Template{}
	currentAddTmpls       = map[string]*template.Template{}
	currentCopyStmts      = map[string]string{}
	currentBuildLoads     = expand(parseWithShared("current_build_loads"), nil)
	currentBuildBase      = expand(parseWithShared("current_build_base"), nil)
	currentBuildCheck     = expand(parseWithShared("current_build_check"), nil)
	currentRowsDeleteTmpl = template.Must(template.New("currentrowsdelete").Parse(sqlText("current_rows_delete")))
)

// addedKinds are the kinds whose build may start from the previous state's
// (current_<kind>_add.sql): every column adds up. The published kinds'
// builds (a set of staff identifiers) are always made whole.
var addedKinds = []string{"activity", "training", "outcomes"}

func init() {
	for _, k := range CurrentKinds {
		currentBuildTmpls[k] = parseWithShared("current_" + k)
	}
	for _, k := range addedKinds {
		currentAddTmpls[k] = parseWithShared("current_" + k + "_add")
		currentCopyStmts[k] = sqlText("current_" + k + "_copy")
	}
}

// states reads each summed kind's state at version and its build.
func (db *DB) states(ctx context.Context, version uint64) ([]kindState, error) {
	rows, err := db.conn.Query(ctx, expand(currentSnapsTmpl, nil), clickhouse.Named("version", version))
	if err != nil {
		return nil, Classify(fmt.Errorf("read the current rows' builds at version %d: %w", version, err))
	}
	defer rows.Close()
	var out []kindState
	for rows.Next() {
		var s kindState
		if err := rows.Scan(&s.kind, &s.snap, &s.build); err != nil {
			return nil, fmt.Errorf("read the current rows' builds at version %d: %w", version, err)
		}
		out = append(out, s)
	}
	return out, Classify(rows.Err())
}

// withStates sets a's builds from its states.
func (a *DataAsOf) withStates(states []kindState) {
	a.states, a.Current = states, Builds{}
	for _, s := range states {
		a.Current.set(s.kind, s.build)
	}
}

// buildMissing builds the current rows of each of a's kinds with none, and
// names them in a. A connection that may not write (IsReadOnly) builds
// nothing: it waits for a build under way in another process (a loader's),
// and where there is none, that kind's statements compute its current rows
// from the storage tables, the same rows, slower. Any other failure is
// returned.
func (db *DB) buildMissing(ctx context.Context, a *DataAsOf) error {
	for i, s := range a.states {
		if s.build != 0 {
			continue
		}
		build, err := db.buildOnce(ctx, s.kind, s.snap, a.Version)
		if errors.Is(err, errNoBuild) {
			db.log.Debug("no build of the current rows: the connection is read-only and none is under way; reading the storage tables", "kind", s.kind, "version", a.Version)
			continue
		}
		if err != nil {
			return err
		}
		a.states[i].build = build
		a.Current.set(s.kind, build)
	}
	return nil
}

// CurrentBuild names the builds of the current rows a reader at version
// reads, building any that is missing (when this connection may).
func (db *DB) CurrentBuild(ctx context.Context, version uint64) (Builds, error) {
	a, err := db.asOf(ctx, Request{Version: version})
	return a.Current, err
}

// BuildCurrent builds the current rows of the newest data version that are
// not built: the loader calls it after its commits and spdash migrate after
// migrating, so that readers find them built.
func (db *DB) BuildCurrent(ctx context.Context) (Builds, error) {
	return db.CurrentBuild(ctx, 0)
}

// building makes the needs of one state's build, in this process, build
// it once: those at the same time wait for it, and later ones (a data
// version read a moment before it was built still says none) find it.
type building struct {
	mu       sync.Mutex
	pending  map[string]*buildCall
	built    map[string]uint64 // the latest states built here, by kind|snap
	readOnly atomic.Bool       // this connection may not write: it waits for others' builds
}

type buildCall struct {
	done  chan struct{}
	build uint64
	err   error
}

// buildOnce names a build of a kind's state, another process's or its own
// (buildOrAwait), or waits for this process's search for one already under
// way.
func (db *DB) buildOnce(ctx context.Context, kind string, snap, version uint64) (uint64, error) {
	key := fmt.Sprintf("%s|%d", kind, snap)
	db.builds.mu.Lock()
	if build, ok := db.builds.built[key]; ok {
		db.builds.mu.Unlock()
		return build, nil
	}
	if c, ok := db.builds.pending[key]; ok {
		db.builds.mu.Unlock()
		select {
		case <-c.done:
			return c.build, c.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if db.builds.pending == nil {
		db.builds.pending = map[string]*buildCall{}
	}
	c := &buildCall{done: make(chan struct{})}
	db.builds.pending[key] = c
	db.builds.mu.Unlock()

	c.build, c.err = db.buildOrAwait(ctx, kind, snap, version)
	db.builds.mu.Lock()
	delete(db.builds.pending, key)
	if c.err == nil {
		if db.builds.built == nil || len(db.builds.built) >= 64 { // a few states are current at a time
			db.builds.built = map[string]uint64{}
		}
		db.builds.built[key] = c.build
	}
	db.builds.mu.Unlock()
	close(c.done)
	return c.build, c.err
}

// How a reader waits for another process's build of a state: a 'started'
// event younger than buildUnderWay is a build under way (a loader's, just
// after its commit); the reader asks every awaitBuildEvery for at most
// awaitBuildFor, then builds it (or, read-only, reads the storage tables).
const (
	buildUnderWay   = 60 * time.Second
	awaitBuildEvery = 100 * time.Millisecond
	awaitBuildFor   = 10 * time.Second
)

// errNoBuild says a read-only reader found no build of a state, none under
// way (or none finished in time): its statements read the storage tables.
var errNoBuild = errors.New("no build of the current rows, and none under way")

// buildOrAwait names a build of a kind's state: another process's, built
// or under way (awaitBuild: a loader builds the state its commit made just
// after the commit, when a dashboard starts recomputing every page for it;
// two builds of one state would be twice the work at that moment), else
// one it builds. A connection that may not write (found at its first try,
// then remembered) says there is none (errNoBuild).
func (db *DB) buildOrAwait(ctx context.Context, kind string, snap, version uint64) (uint64, error) {
	build, err := db.awaitBuild(ctx, kind, snap)
	if err != nil || build != 0 {
		return build, err
	}
	if db.builds.readOnly.Load() {
		return 0, errNoBuild
	}
	build, err = db.buildCurrent(ctx, kind, snap, version, false)
	if IsReadOnly(err) {
		db.builds.readOnly.Store(true)
		return 0, errNoBuild
	}
	return build, err
}

// awaitBuild finds another process's build of a kind's state, waiting for
// one under way. For the dashboard's read-only reader, the other way is to
// compute the kind's current rows from the storage tables for each page,
// the slow way to the same rows; for a writer, a second build. It returns
// 0 when none is built or under way, or none was built within
// awaitBuildFor.
func (db *DB) awaitBuild(ctx context.Context, kind string, snap uint64) (uint64, error) {
	deadline := time.Now().Add(awaitBuildFor)
	for {
		var build uint64
		var started time.Time
		if err := db.conn.QueryRow(ctx, sqlText("current_build_await"), clickhouse.Named("kind", kind), clickhouse.Named("snap", snap)).Scan(&build, &started); err != nil {
			return 0, Classify(fmt.Errorf("read the builds of the current %s rows: %w", kind, err))
		}
		if build != 0 {
			return build, nil
		}
		if time.Since(started) > buildUnderWay || time.Now().After(deadline) { // the loader's clock, to the second
			return 0, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(awaitBuildEvery):
		}
	}
}

// buildCurrent writes a build of a kind's current rows at version: a
// 'started' event, the rows, then the 'built' event that makes it visible.
//
// When the state before the kind's newest load is built, the build starts
// from that build: the months and PCNs the load has no row for are copied
// (current_<kind>_copy.sql). The others are, when the load superseded no
// row of a committed load, that build's rows and the load's own added up
// (current_<kind>_add.sql): a month's return then costs its own rows and a
// copy of one row per month and PCN, not every row of the kind again. When
// it superseded rows (a correction), they are summed again from the current
// rows in those months and PCNs alone (current_<kind>.sql "touched"): the
// rows it supersedes share its rows' natural keys, so no other month and PCN
// changed. The 'built' event, after both, makes the build visible.
// Otherwise, or when whole, the build reads every current row
// (current_<kind>.sql).
func (db *DB) buildCurrent(ctx context.Context, kind string, snap, version uint64, whole bool) (uint64, error) {
	t, ok := currentBuildTmpls[kind]
	if !ok {
		return 0, fmt.Errorf("build current rows: %q has none", kind)
	}
	build, err := newBuildID()
	if err != nil {
		return 0, err
	}
	started := time.Now()
	if err := db.recordBuild(ctx, kind, snap, build, "started", time.Now()); err != nil {
		return 0, err
	}
	stmt, args := expand(t, ""), []any{clickhouse.Named("version", version), clickhouse.Named("build", build)}
	exec := func(stmt string) error {
		if err := db.conn.Exec(ctx, stmt, args...); err != nil {
			return Classify(fmt.Errorf("build the current %s rows at version %d: %w", kind, version, err))
		}
		return nil
	}
	var prev, load uint64
	var superseding bool
	if add, ok := currentAddTmpls[kind]; ok && !whole {
		if prev, load, superseding, err = db.buildBase(ctx, kind, version); err != nil {
			return 0, err
		}
		if prev != 0 {
			args = append(args, clickhouse.Named("prev", prev), clickhouse.Named("load", load))
			if err := exec(currentCopyStmts[kind]); err != nil {
				return 0, err
			}
			if superseding {
				stmt = expand(t, "touched")
			} else {
				stmt = expand(add, nil)
			}
		}
	}
	if err := exec(stmt); err != nil {
		return 0, err
	}
	// The state must not have changed while the rows were written: a load
	// of the kind that started before version and committed meanwhile would
	// be in the rows but not in the build's name, and a later build from
	// this one would count it twice. Nor may the build it started from have
	// been reclaimed meanwhile. Commits only add loads, so one check after
	// the statements covers the whole time they ran.
	if err := db.checkBuild(ctx, kind, snap, version, prev); err != nil {
		return 0, err // left 'started': cleanup deletes it
	}
	if err := db.recordBuild(ctx, kind, snap, build, "built", time.Now()); err != nil {
		return 0, err
	}
	attrs := []any{"kind", kind, "version", version, "build", build, "took", time.Since(started).Round(time.Millisecond)}
	if prev != 0 {
		attrs = append(attrs, "from_build", prev, "and_load", load, "load_superseded_rows", superseding)
	}
	db.log.Info("built the current rows", attrs...)
	return build, nil
}

// errStateMoved says a kind's state changed while its build was made (a
// load committed meanwhile), or the build it started from was reclaimed:
// the build is not made visible, and this answer reads the storage tables
// for the kind, as with no build (errNoBuild).
var errStateMoved = fmt.Errorf("%w: the state changed while it was built", errNoBuild)

// checkBuild returns errStateMoved unless the kind's state at version is
// still snap and the build prev (0: none) is still built.
func (db *DB) checkBuild(ctx context.Context, kind string, snap, version, prev uint64) error {
	var now, prevBuilt uint64
	if err := db.conn.QueryRow(ctx, currentBuildCheck, clickhouse.Named("kind", kind), clickhouse.Named("version", version), clickhouse.Named("prev", prev)).Scan(&now, &prevBuilt); err != nil {
		return Classify(fmt.Errorf("check the state of the current %s rows at version %d: %w", kind, version, err))
	}
	if now != snap || (prev != 0 && prevBuilt == 0) {
		db.log.Info("a build of the current rows was not made visible: its state changed while it was built", "kind", kind, "version", version)
		return errStateMoved
	}
	return nil
}

// buildBase names what a build of a kind's state at version can start
// from: the build of the state before its newest committed load, that load,
// and whether the load superseded rows of a committed load; prev is 0 when
// the kind has one load, or that state was never built, or its build is
// reclaimed. A kind's first load costs one small statement.
func (db *DB) buildBase(ctx context.Context, kind string, version uint64) (prev, load uint64, superseding bool, err error) {
	var loads, snapAll, newestHash uint64
	args := []any{clickhouse.Named("kind", kind), clickhouse.Named("version", version)}
	if err := db.conn.QueryRow(ctx, currentBuildLoads, args...).Scan(&loads, &load, &snapAll, &newestHash); err != nil {
		return 0, 0, false, Classify(fmt.Errorf("read the committed %s loads at version %d: %w", kind, version, err))
	}
	if loads < 2 {
		return 0, 0, false, nil
	}
	// The state before the newest load: the same sum without its part,
	// wrapping as the server's sum does.
	prevSnap := snapAll - newestHash
	var superseded uint64
	args = append(args, clickhouse.Named("load", load), clickhouse.Named("prev_snap", prevSnap))
	if err := db.conn.QueryRow(ctx, currentBuildBase, args...).Scan(&superseded, &prev); err != nil {
		return 0, 0, false, Classify(fmt.Errorf("read what the current %s rows at version %d can be built from: %w", kind, version, err))
	}
	return prev, load, superseded > 0, nil
}

func (db *DB) recordBuild(ctx context.Context, kind string, snap, build uint64, event string, at time.Time) error {
	batch, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("current_build_event"))
	if err != nil {
		return Classify(fmt.Errorf("record a build of the current %s rows: %w", kind, err))
	}
	if err := batch.Append(kind, snap, build, event, at.UTC().Truncate(time.Second)); err != nil {
		_ = batch.Abort()
		return fmt.Errorf("record a build of the current %s rows: %w", kind, err)
	}
	if err := batch.Send(); err != nil {
		return Classify(fmt.Errorf("record a build of the current %s rows: %w", kind, err))
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

// ReclaimBuilds deletes the builds of the current rows no reader reads any
// more, and those of the default period's sums and months (period.go), and
// says how many: of each kind, every build but the one read at
// the newest version, once that one was built more than keep ago (a reader
// of an older state began before it existed: long finished), and only
// builds whose own last event is older than keep (one under way, or just
// built beside the read one, is left). Events go first, so no reader can
// pick a build whose rows are going; ClickHouse deletes the rows in the
// background.
func (db *DB) ReclaimBuilds(ctx context.Context, keep time.Duration) (int, error) {
	a, err := db.DataAsOf(ctx)
	if err != nil {
		return 0, err
	}
	read := map[string]uint64{}
	for _, s := range a.states {
		read[s.kind] = s.build
	}
	// The builds with packs are listed before the builds' events: one of
	// them with no event is one whose events were deleted, by a cleanup
	// that stopped before its packs (or one of a release before packs).
	packed, err := db.packedBuilds(ctx)
	if err != nil {
		return 0, err
	}
	rows, err := db.conn.Query(ctx, sqlText("current_builds_list"))
	if err != nil {
		return 0, Classify(fmt.Errorf("list the builds of the current rows: %w", err))
	}
	defer rows.Close()
	type seen struct{ started, built time.Time }
	byKind := map[string]map[uint64]seen{}
	for rows.Next() {
		var kind string
		var build uint64
		var s seen
		if err := rows.Scan(&kind, &build, &s.started, &s.built); err != nil {
			return 0, fmt.Errorf("list the builds of the current rows: %w", err)
		}
		if byKind[kind] == nil {
			byKind[kind] = map[uint64]seen{}
		}
		byKind[kind][build] = s
	}
	if err := rows.Err(); err != nil {
		return 0, Classify(err)
	}
	cutoff := time.Now().Add(-keep)
	n := 0
	for _, kind := range CurrentKinds {
		builds := byKind[kind]
		kept, ok := builds[read[kind]]
		if read[kind] == 0 || !ok || !kept.built.Before(cutoff) {
			continue
		}
		var stale []uint64
		for b, s := range builds {
			if b != read[kind] && s.started.Before(cutoff) && (s.built.Unix() <= 0 || s.built.Before(cutoff)) {
				stale = append(stale, b)
			}
		}
		if err := db.forgetBuilds(ctx, kind+"_current", stale); err != nil {
			return n, err
		}
		n += len(stale)
	}
	// The default period's builds (period.go): of each kind, every build
	// but those read at the newest version (the sums of the default period
	// and of the one before it; the months; the range), once those were
	// built more than keep ago.
	defaults, err := db.defaultsRead(ctx, a)
	if err != nil {
		return n, err
	}
	evented := map[uint64]bool{}
	for _, builds := range byKind {
		for b := range builds {
			evented[b] = true
		}
	}
	var unpack []uint64 // builds whose packs go
	for _, b := range packed {
		if !evented[b] {
			unpack = append(unpack, b)
		}
	}
	for kind, k := range defaultKinds {
		read := defaults[kind]
		if len(read) == 0 || slices.ContainsFunc(read, func(b uint64) bool {
			kept, ok := byKind[kind][b]
			return !ok || !kept.built.Before(cutoff)
		}) {
			continue
		}
		var stale []uint64
		for b, s := range byKind[kind] {
			if !slices.Contains(read, b) && s.started.Before(cutoff) && (s.built.Unix() <= 0 || s.built.Before(cutoff)) {
				stale = append(stale, b)
			}
		}
		if err := db.forgetBuilds(ctx, k.table, stale); err != nil {
			return n, err
		}
		unpack = append(unpack, stale...)
		n += len(stale)
	}
	if len(unpack) > 0 { // migration 014's packs, last: no reader picks a build without events
		if err := db.conn.Exec(ctx, expand(currentRowsDeleteTmpl, map[string]string{"Table": "current_packs"}), unpack); err != nil {
			return n, Classify(fmt.Errorf("delete the packs of stale builds: %w", err))
		}
	}
	return n, nil
}

// packedBuilds are the builds with packs (migration 014).
func (db *DB) packedBuilds(ctx context.Context) ([]uint64, error) {
	return queryColumn[uint64](ctx, db, "list the builds with packs", sqlText("packs_builds"))
}

// forgetBuilds deletes builds' events, then their rows from table: no
// reader can pick a build whose rows are going.
func (db *DB) forgetBuilds(ctx context.Context, table string, stale []uint64) error {
	if len(stale) == 0 {
		return nil
	}
	if err := db.conn.Exec(ctx, sqlText("current_builds_delete"), stale); err != nil {
		return Classify(fmt.Errorf("forget the stale builds of %s: %w", table, err))
	}
	if err := db.conn.Exec(ctx, expand(currentRowsDeleteTmpl, map[string]string{"Table": table}), stale); err != nil {
		return Classify(fmt.Errorf("delete the stale builds of %s: %w", table, err))
	}
	return nil
}
