package queries

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The analysts' views of the summed fact kinds read <kind>_newest
// (migration 012): exactly the kind's current rows, and a marker row
// naming the state they are the current rows of. BuildNewest brings them
// to the newest state after loads commit.

// newestCols are the columns of each kind's newest rows: its storage
// table's, in order.
var newestCols = map[string]string{
	"activity": "load_seq, line, month, area_code, provider_code, referrals_received, referrals_accepted, people_supported, " +
		"active_caseload, link_worker_headcount, link_worker_fte, median_wait_days",
	"training": "load_seq, line, month, area_code, provider_code, module, staff_in_post, staff_trained",
	"outcomes": "load_seq, line, month, area_code, provider_code, outcome, people, cohort",
	"funding":  "load_seq, line, financial_year, area_code, stream, amount_gbp",
}

// NewestKinds are the kinds whose analysts' view reads a table of their
// current rows, in the order BuildNewest builds them.
var NewestKinds = []string{"activity", "training", "outcomes", "funding"}

var (
	newestMarkerTmpl      = template.Must(template.New("newestmarker").Parse(sqlText("newest_marker")))
	newestStageTmpl       = template.Must(template.New("neweststage").Parse(sqlText("newest_stage")))
	newestReplaceTmpl     = template.Must(template.New("newestreplace").Parse(sqlText("newest_replace")))
	newestStageDropTmpl   = template.Must(template.New("neweststagedrop").Parse(sqlText("newest_stage_drop")))
	newestMarkerInsert    = template.Must(template.New("newestmarkerinsert").Parse(sqlText("newest_marker_insert")))
	newestStageEmptyTmpl  = template.Must(template.New("neweststageempty").Parse(sqlText("newest_stage_empty")))
	newestRowsTmpl        = parseWithShared("newest_rows")
	newestLockTmpl        = template.Must(template.New("newestlock").Parse(sqlText("newest_lock")))
	newestUnlockTmpl      = template.Must(template.New("newestunlock").Parse(sqlText("newest_unlock")))
	newestMergesStopTmpl  = template.Must(template.New("newestmergesstop").Parse(sqlText("newest_merges_stop")))
	newestMergesStartTmpl = template.Must(template.New("newestmergesstart").Parse(sqlText("newest_merges_start")))
	newestState           = expand(parseWithShared("newest_state"), nil)
)

// How a build of a kind's newest rows was made.
const (
	NewestUnchanged = "unchanged" // they were of the newest state already
	NewestAdded     = "added"     // the previous state's rows and the newest load's
	NewestWhole     = "whole"     // every current row, read again
)

// NewestBuild says how BuildNewest brought a kind's newest rows to its
// state: Snap names the state (0: nothing committed).
type NewestBuild struct {
	Kind string
	How  string
	Snap uint64
}

// newestAttempts bounds how often BuildNewest builds a kind again when its
// state moved while it built (a load committing meanwhile, whose own
// loader builds again after it).
const newestAttempts = 3

// everyVersion reads every committed load: a build of the newest rows is
// of the state now.
const everyVersion = uint64(math.MaxUint64)

// BuildNewest brings each kind's newest rows (migration 012) to the state
// of its committed loads now, and says how. A table already of that state
// costs two small reads. Otherwise a build is made in a table of its own:
// when the table holds the state before the kind's newest load, and that
// load superseded no row of another (a new month's return), it starts from
// the table's parts (hard links) and adds the load's rows; otherwise (a
// correction, or loads committed out of order) it reads every current row.
// Its marker names its state; it is swapped in whole, after a check that
// the state did not move while it was made. It builds the kinds named, or
// with none, every kind of NewestKinds; other kinds are skipped.
func (db *DB) BuildNewest(ctx context.Context, kinds ...string) ([]NewestBuild, error) {
	var out []NewestBuild
	for _, kind := range NewestKinds {
		if len(kinds) > 0 && !slices.Contains(kinds, kind) {
			continue
		}
		b, err := db.buildNewestKind(ctx, kind)
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	return out, nil
}

func (db *DB) buildNewestKind(ctx context.Context, kind string) (NewestBuild, error) {
	for attempt := 1; ; attempt++ {
		b, err := db.buildNewestOnce(ctx, kind)
		if !errors.Is(err, errStateMoved) {
			return b, err
		}
		if attempt == newestAttempts {
			db.log.Warn("the analysts' view was not brought to the newest state: its loads kept committing while it was built; the next load builds it", "kind", kind)
			return NewestBuild{Kind: kind, How: NewestUnchanged}, nil
		}
	}
}

// newestStateRow is a kind's committed loads now, for a build of its
// newest rows.
type newestStateRow struct {
	load, snap, loadHash, superseded uint64
}

func (db *DB) readNewestState(ctx context.Context, kind string) (newestStateRow, error) {
	var s newestStateRow
	err := db.conn.QueryRow(ctx, newestState, clickhouse.Named("kind", kind), clickhouse.Named("version", everyVersion)).
		Scan(&s.load, &s.snap, &s.loadHash, &s.superseded)
	if err != nil {
		return s, Classify(fmt.Errorf("read the committed %s loads: %w", kind, err))
	}
	return s, nil
}

// heldState reads which state a table of newest rows holds, and its
// number of builds.
func (db *DB) heldState(ctx context.Context, table string) (snap uint64, builds uint32, err error) {
	err = db.conn.QueryRow(ctx, expand(newestMarkerTmpl, map[string]string{"Table": table})).Scan(&snap, &builds)
	if err != nil {
		return 0, 0, Classify(fmt.Errorf("read which state %s holds: %w", table, err))
	}
	return snap, builds, nil
}

func (db *DB) buildNewestOnce(ctx context.Context, kind string) (NewestBuild, error) {
	table := kind + "_newest"
	s, err := db.readNewestState(ctx, kind)
	if err != nil {
		return NewestBuild{}, err
	}
	held, _, err := db.heldState(ctx, table)
	if err != nil {
		return NewestBuild{}, err
	}
	if held == s.snap {
		return NewestBuild{Kind: kind, How: NewestUnchanged, Snap: s.snap}, nil
	}
	started := time.Now()
	id, err := newBuildID()
	if err != nil {
		return NewestBuild{}, err
	}
	stage := stageName(table, time.Now(), id)
	names := map[string]string{"Table": table, "Stage": stage}
	exec := func(what, stmt string, args ...any) error {
		if err := db.conn.Exec(ctx, stmt, args...); err != nil {
			return Classify(fmt.Errorf("build the %s view's rows: %s: %w", kind, what, err))
		}
		return nil
	}
	if err := exec("make a table for the build", expand(newestStageTmpl, names)); err != nil {
		return NewestBuild{}, err
	}
	defer func() {
		// A background context: the build's table goes even when ctx is
		// done (etl cleanup drops one a stopped builder left).
		drop := context.WithoutCancel(ctx)
		if err := db.conn.Exec(drop, expand(newestStageDropTmpl, names)); err != nil {
			db.log.Warn("a build's table of the newest rows was not dropped: etl cleanup drops it", "table", stage, "err", err)
		}
	}()
	// The table's content now, at once: which state it holds is read from
	// the copy, so that another builder swapping meanwhile cannot mislead.
	if err := exec("copy the table's parts", expand(newestReplaceTmpl, map[string]string{"Into": stage, "From": table})); err != nil {
		return NewestBuild{}, err
	}
	held, builds, err := db.heldState(ctx, stage)
	if err != nil {
		return NewestBuild{}, err
	}
	if held == s.snap { // another builder swapped this state in meanwhile
		return NewestBuild{Kind: kind, How: NewestUnchanged, Snap: s.snap}, nil
	}
	how := NewestWhole
	if s.load != 0 && held == s.snap-s.loadHash && s.superseded == 0 {
		how = NewestAdded
	} else if err := exec("empty the build's table", expand(newestStageEmptyTmpl, names)); err != nil {
		return NewestBuild{}, err
	}
	data := struct {
		Stage, Kind, Cols string
		Load              bool
	}{stage, kind, newestCols[kind], how == NewestAdded}
	args := []any{clickhouse.Named("kind", kind), clickhouse.Named("version", s.load), clickhouse.Named("load", s.load)}
	if s.load != 0 {
		if err := exec("write the current rows", expand(newestRowsTmpl, data), args...); err != nil {
			return NewestBuild{}, err
		}
	}
	if err := exec("write the marker", expand(newestMarkerInsert, names),
		clickhouse.Named("snap", strconv.FormatUint(s.snap, 10)), clickhouse.Named("builds", strconv.FormatUint(uint64(builds)+1, 10))); err != nil {
		return NewestBuild{}, err
	}
	// The rows are of the loads committed by s.load. The swap checks, under
	// its lock, that the kind's committed loads are still those of s.snap:
	// a load of the kind that committed meanwhile, older or newer, fails it,
	// and this builds again (its own loader builds too).
	if err := db.swapNewest(ctx, kind, stage, s.snap); err != nil {
		return NewestBuild{}, err
	}
	db.log.Info("built the analysts' view's rows", "kind", kind, "how", how, "snap", s.snap, "took", time.Since(started).Round(time.Millisecond))
	return NewestBuild{Kind: kind, How: how, Snap: s.snap}, nil
}

// How long a build waits for another's swap into the same table; a swap
// takes milliseconds, so a lock held longer is a stopped process's (etl
// cleanup drops it).
const (
	swapLockWait  = 10 * time.Second
	swapLockRetry = 50 * time.Millisecond
)

// swapNewest swaps a build of a kind's newest rows of state snap in, one
// swap at a time (newest_lock.sql), unless the kind's state is no longer
// snap: a build of the newer state is under way, and this one would put
// an older state back.
func (db *DB) swapNewest(ctx context.Context, kind, stage string, snap uint64) error {
	lock := map[string]string{"Lock": kind + "_newest_lock"}
	deadline := time.Now().Add(swapLockWait)
	for {
		err := db.conn.Exec(ctx, expand(newestLockTmpl, lock))
		if err == nil {
			break
		}
		var ex *clickhouse.Exception
		if !errors.As(err, &ex) || ex.Code != 57 { // TABLE_ALREADY_EXISTS: another swap holds it
			return Classify(fmt.Errorf("build the %s view's rows: take the swap's lock: %w", kind, err))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("build the %s view's rows: another build held %s for %s; etl cleanup removes a lock held for more than %s (its process stopped)", kind, lock["Lock"], swapLockWait, StaleNewestLock)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(swapLockRetry):
		}
	}
	keepLock := false
	defer func() {
		if keepLock {
			return
		}
		if err := db.conn.Exec(context.WithoutCancel(ctx), expand(newestUnlockTmpl, lock)); err != nil {
			db.log.Warn("the lock of the analysts' view's swaps was not released: etl cleanup releases it", "lock", lock["Lock"], "err", err)
		}
	}()
	table := map[string]string{"Table": kind + "_newest"}
	if err := db.conn.Exec(ctx, expand(newestMergesStopTmpl, table)); err != nil {
		return Classify(fmt.Errorf("build the %s view's rows: stop merges for the swap: %w", kind, err))
	}
	defer func() { // before the lock goes (deferred calls run last first)
		if err := db.conn.Exec(context.WithoutCancel(ctx), expand(newestMergesStartTmpl, table)); err != nil {
			// The lock stays: etl cleanup takes it for a stopped
			// process's, and starts the merges as it releases it.
			keepLock = true
			db.log.Warn("merges of the analysts' view's rows were not started again after a swap: the lock is kept, and etl cleanup starts them when it releases it", "table", table["Table"], "err", err)
		}
	}()
	if err := db.awaitNoMerges(ctx, kind+"_newest"); err != nil {
		return fmt.Errorf("build the %s view's rows: %w", kind, err)
	}
	s, err := db.readNewestState(ctx, kind)
	if err != nil {
		return err
	}
	if s.snap != snap {
		return errStateMoved
	}
	if err := db.conn.Exec(ctx, expand(newestReplaceTmpl, map[string]string{"Into": kind + "_newest", "From": stage})); err != nil {
		return Classify(fmt.Errorf("build the %s view's rows: swap the build in: %w", kind, err))
	}
	return nil
}

// mergesWait bounds how long a swap waits for the merges of its table to
// stop: they stop at their next check, within a second.
const mergesWait = 60 * time.Second

// awaitNoMerges waits until no merge of table runs (merges are stopped).
func (db *DB) awaitNoMerges(ctx context.Context, table string) error {
	deadline := time.Now().Add(mergesWait)
	for {
		var running uint64
		if err := db.conn.QueryRow(ctx, sqlText("newest_merges_running"), clickhouse.Named("table", table)).Scan(&running); err != nil {
			return Classify(fmt.Errorf("read the merges of %s: %w", table, err))
		}
		if running == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("a merge of %s still ran %s after merges were stopped", table, mergesWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// How old a lock of the swaps and a build's own table must be for etl
// cleanup to take them for a stopped process's, whatever its --keep: a
// swap holds its lock for at most mergesWait and a moment, and a build
// lasts seconds, minutes at most.
const (
	StaleNewestLock  = 5 * time.Minute
	StaleNewestBuild = time.Hour
)

// DropStaleNewestLocks releases the locks of swaps into the newest rows
// held longer than olderThan by the server's clock (etl cleanup:
// StaleNewestLock; their process stopped mid-swap), starting again the
// merges that swap stopped, and says how many. (A swap that could not
// start its table's merges again keeps its lock, for this to find: merges
// are only ever stopped while the lock is held. Starting them where no
// lock is held could start them during a swap that took it meanwhile.)
func (db *DB) DropStaleNewestLocks(ctx context.Context, olderThan time.Duration) (int, error) {
	n := 0
	for _, kind := range NewestKinds {
		lock := kind + "_newest_lock"
		var held uint64
		var seconds int64
		if err := db.conn.QueryRow(ctx, sqlText("newest_lock_age"), clickhouse.Named("lock", lock)).Scan(&held, &seconds); err != nil {
			return n, Classify(fmt.Errorf("read the lock of the %s view's swaps: %w", kind, err))
		}
		if held == 0 || time.Duration(seconds)*time.Second < olderThan {
			continue
		}
		if err := db.conn.Exec(ctx, expand(newestMergesStartTmpl, map[string]string{"Table": kind + "_newest"})); err != nil {
			return n, Classify(fmt.Errorf("start the merges of %s_newest again: %w", kind, err))
		}
		if err := db.conn.Exec(ctx, expand(newestUnlockTmpl, map[string]string{"Lock": lock})); err != nil {
			return n, Classify(fmt.Errorf("release %s: %w", lock, err))
		}
		n++
	}
	return n, nil
}

// stageName is the name of a build's own table: its kind's table, when
// it was made (Unix seconds) and the build's random number.
func stageName(table string, made time.Time, id uint64) string {
	return fmt.Sprintf("%s_b%d_%016x", table, made.Unix(), id)
}

// stageMade says when a build's table was made, from its name; ok is
// false for a name that is not a build's.
func stageMade(name string) (made time.Time, ok bool) {
	kind, rest, found := strings.Cut(name, "_newest_b")
	if !found || !slices.Contains(NewestKinds, kind) {
		return time.Time{}, false
	}
	secs, id, found := strings.Cut(rest, "_")
	if !found || len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// DropStaleNewestStages drops the tables of builds of the newest rows
// made more than olderThan ago (etl cleanup: StaleNewestBuild; a builder
// stopped before it dropped its own), and says how many.
func (db *DB) DropStaleNewestStages(ctx context.Context, olderThan time.Duration) (int, error) {
	rows, err := db.conn.Query(ctx, sqlText("newest_stages"))
	if err != nil {
		return 0, Classify(fmt.Errorf("list the tables of builds of the newest rows: %w", err))
	}
	var stale []string
	cutoff := time.Now().Add(-olderThan)
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, fmt.Errorf("list the tables of builds of the newest rows: %w", err)
		}
		if made, ok := stageMade(name); ok && made.Before(cutoff) {
			stale = append(stale, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, Classify(err)
	}
	for i, name := range stale {
		if err := db.conn.Exec(ctx, expand(newestStageDropTmpl, map[string]string{"Stage": name})); err != nil {
			return i, Classify(fmt.Errorf("drop %s: %w", name, err))
		}
	}
	return len(stale), nil
}
