package queries

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The default period's sums per PCN, built when a load commits (migration
// 008, issue 15). Most pages are asked for with no period: METRICS.md's
// default, the latest 12 months with data and the latest financial year
// with funding. Their sums per PCN (pcn_period.sql, the costliest statement
// of a page) are built once, after the loads that change them, and a page
// with the default period reads those rows instead: the same rows, made by
// the same statement.

// DefaultPeriod is the period and financial year of a selection that asks
// for none (METRICS.md): the latest 12 months with data (fewer when fewer
// are loaded; ending at now's month when none is) and the latest financial
// year with funding ("" when none is loaded).
func DefaultPeriod(data DataRange, now time.Time) (from, to time.Time, fy string) {
	to = data.LastMonth
	if to.IsZero() {
		now = now.UTC()
		to = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	from = to.AddDate(0, -11, 0)
	if !data.FirstMonth.IsZero() && from.Before(data.FirstMonth) {
		from = data.FirstMonth
	}
	if n := len(data.FinancialYears); n > 0 {
		fy = data.FinancialYears[n-1]
	}
	return from, to, fy
}

// PreviousPeriod is the period of equal length just before the
// selection's (the overview's changes), with the same financial year. The
// one before the default period has its sums built too: it stays Default.
func PreviousPeriod(sel Selection) Selection {
	n := sel.Months()
	sel.To = sel.From.AddDate(0, -1, 0)
	sel.From = sel.From.AddDate(0, -n, 0)
	return sel
}

// Covers reports whether the loaded months include the whole period.
func (r DataRange) Covers(from, to time.Time) bool {
	return !r.FirstMonth.IsZero() && !from.Before(r.FirstMonth) && !to.After(r.LastMonth)
}

// periodKind and monthsKind name the default period's builds in
// current_builds: its sums per PCN, and its months per region and per ICB.
const (
	periodKind = "period"
	monthsKind = "months"
)

// defaultsWhat says what each of the default period's kinds holds.
var defaultsWhat = map[string]string{periodKind: "sums per PCN", monthsKind: "months per region and ICB"}

// monthsLevels are the levels whose months are built for the default
// period: England's pages and a region's show these (a few hundred rows);
// a PCN-level page's months (15,000 rows) are read by the statement.
var monthsLevels = []string{LevelRegion, LevelICB}

var (
	periodBuildTmpl = parseWithShared("period_current_build")
	periodReadTmpl  = parseWithShared("period_current_read")
	monthsBuildTmpl = parseWithShared("months_current_build")
	monthsReadTmpl  = parseWithShared("months_current_read")
)

// monthsSnap names the months of a period at a data version: a hash of the
// data's stamp (which loads are committed, the areas' included: they put
// the PCNs in their ICBs and regions) and of the period's months, never 0.
func monthsSnap(asOf DataAsOf, sel Selection) uint64 {
	h := fnv.New64a()
	h.Write([]byte(asOf.Stamp() + "|" + sel.From.Format("2006-01|") + sel.To.Format("2006-01")))
	return h.Sum64() | 1
}

// monthsRolled says whether a read of months may come from the default
// period's build: the default period, at a built level, for more than one
// area (a chunk of an extract, or a place's own months, are read by the
// statement).
func monthsRolled(sel Selection, level string, one bool, chunk []string) bool {
	return sel.Default && !one && chunk == nil && slices.Contains(monthsLevels, level)
}

// periodSnap names the sums of a period at a data version's states: a hash
// of the states of activity, training and outcomes (their snaps, 0 for a
// kind with nothing committed) and of the period's months and financial
// year's months, never 0. The sums are a function of these alone, so a
// build named so holds them whoever built it and when; a reader at another
// state or period computes another name and never finds it.
func periodSnap(asOf DataAsOf, sel Selection) uint64 {
	snaps := map[string]uint64{}
	for _, s := range asOf.states {
		snaps[s.kind] = s.snap
	}
	h := fnv.New64a()
	var b [8]byte
	for _, kind := range []string{"activity", "training", "outcomes"} {
		binary.BigEndian.PutUint64(b[:], snaps[kind])
		h.Write(b[:])
	}
	fyFrom, fyTo, _ := FinancialYearMonths(sel.FY)
	for _, m := range []time.Time{sel.From, sel.To, fyFrom, fyTo} {
		h.Write([]byte(m.Format("2006-01|")))
	}
	return h.Sum64() | 1
}

// periodBuilt says whether a's kinds the period's sums read are all built:
// a period is built from builds only (and read only by readers that read
// the same builds).
func periodBuilt(a DataAsOf) bool {
	for _, s := range a.states {
		switch s.kind {
		case "activity", "training", "outcomes":
			if s.build == 0 {
				return false
			}
		}
	}
	return true
}

// BuildPeriod builds the default period's sums per PCN and its months per
// region and ICB at the newest data version, those not built yet (the sums
// only when their kinds are built): the loader calls it once its loads and
// their builds are done, and spdash migrate after building the current
// rows. It says whether it built any. A failure leaves the data as it is:
// pages compute the figures themselves.
func (db *DB) BuildPeriod(ctx context.Context) (bool, error) {
	a, err := db.asOf(ctx, Request{})
	if err != nil {
		return false, err
	}
	data, err := db.Range(ctx, a)
	if err != nil {
		return false, err
	}
	sel := Selection{Default: true}
	sel.From, sel.To, sel.FY = DefaultPeriod(data, time.Now())
	src := sourceOf(a)
	// The builds, side by side: the sums of the default period and of the
	// one before it (where the data covers it), and the months.
	var builds []func() (bool, error)
	sums := func(sel Selection) func() (bool, error) {
		return func() (bool, error) {
			q := struct {
				pcnSQL
				Period string
			}{src, expand(pcnPeriodTmpl, src)}
			return db.buildDefault(ctx, periodKind, periodSnap(a, sel), sel, []string{expand(periodBuildTmpl, q)}, withBuild(levelArgs(sel, England, a), a))
		}
	}
	if periodBuilt(a) {
		builds = append(builds, sums(sel))
		if prev := PreviousPeriod(sel); data.Covers(prev.From, prev.To) {
			builds = append(builds, sums(prev))
		}
	}
	var stmts []string
	for _, level := range monthsLevels {
		column, err := levelColumn(level)
		if err != nil {
			return false, err
		}
		q := struct {
			pcnSQL
			Name, Months string
		}{src, level, expand(pcnMonthlyTmpl, pcnMonthlySQL{pcnSQL: src, Level: column})}
		stmts = append(stmts, expand(monthsBuildTmpl, q))
	}
	builds = append(builds, func() (bool, error) {
		return db.buildDefault(ctx, monthsKind, monthsSnap(a, sel), sel, stmts, withBuild(levelArgs(sel, England, a), a))
	})
	var mu sync.Mutex
	built := false
	steps := make([]func() error, len(builds))
	for i, b := range builds {
		steps[i] = func() error {
			ok, err := b()
			mu.Lock()
			built = built || ok
			mu.Unlock()
			return err
		}
	}
	return built, parallel(steps)
}

// buildDefault writes a build of one of the default period's kinds named
// snap, unless one is built: a 'started' event, the statements' rows under
// a new build number (@build), then the 'built' event that makes it
// visible. It says whether it built one.
func (db *DB) buildDefault(ctx context.Context, kind string, snap uint64, sel Selection, stmts []string, args []any) (bool, error) {
	if built, err := db.defaultBuild(ctx, kind, snap); err != nil || built != 0 {
		return false, err
	}
	build, err := newBuildID()
	if err != nil {
		return false, err
	}
	begun := time.Now()
	if err := db.recordBuild(ctx, kind, snap, build, "started", begun); err != nil {
		return false, err
	}
	args = append(args[:len(args):len(args)], clickhouse.Named("build", build))
	for _, stmt := range stmts {
		if err := db.conn.Exec(ctx, stmt, args...); err != nil {
			return false, Classify(fmt.Errorf("build the default period's %s (%s to %s): %w", defaultsWhat[kind], sel.From.Format("2006-01"), sel.To.Format("2006-01"), err))
		}
	}
	if err := db.recordBuild(ctx, kind, snap, build, "built", time.Now()); err != nil {
		return false, err
	}
	db.log.Info("built the default period's "+defaultsWhat[kind], "from", sel.From.Format("2006-01"), "to", sel.To.Format("2006-01"),
		"fy", sel.FY, "build", build, "took", time.Since(begun).Round(time.Millisecond))
	return true, nil
}

// defaultBuild is the build of one of the default period's kinds a reader
// reads (the smallest built one named snap), 0 when none is built.
func (db *DB) defaultBuild(ctx context.Context, kind string, snap uint64) (uint64, error) {
	var built uint64
	var started time.Time
	if err := db.conn.QueryRow(ctx, sqlText("current_build_await"), clickhouse.Named("kind", kind), clickhouse.Named("snap", snap)).Scan(&built, &started); err != nil {
		return 0, Classify(fmt.Errorf("read the builds of the default period's %s: %w", defaultsWhat[kind], err))
	}
	return built, nil
}

// defaultsRead are the builds of the default period's kinds read at a's
// data (the sums of the default period and of the one before it, and the
// months), by kind; none where none is built (or, for the sums, where
// their kinds are not).
func (db *DB) defaultsRead(ctx context.Context, a DataAsOf) (map[string][]uint64, error) {
	data, err := db.Range(ctx, a)
	if err != nil {
		return nil, err
	}
	sel := Selection{Default: true}
	sel.From, sel.To, sel.FY = DefaultPeriod(data, time.Now())
	type named struct {
		kind string
		snap uint64
	}
	names := []named{{monthsKind, monthsSnap(a, sel)}}
	if periodBuilt(a) {
		names = append(names, named{periodKind, periodSnap(a, sel)}, named{periodKind, periodSnap(a, PreviousPeriod(sel))})
	}
	out := map[string][]uint64{}
	for _, n := range names {
		build, err := db.defaultBuild(ctx, n.kind, n.snap)
		if err != nil {
			return nil, err
		}
		if build != 0 {
			out[n.kind] = append(out[n.kind], build)
		}
	}
	return out, nil
}
