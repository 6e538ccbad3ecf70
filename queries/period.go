package queries

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
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

// periodKind names the period's builds in current_builds.
const periodKind = "period"

var (
	periodBuildTmpl = parseWithShared("period_current_build")
	periodReadTmpl  = parseWithShared("period_current_read")
)

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

// BuildPeriod builds the default period's sums per PCN at the newest data
// version, when its kinds are built and the period is not: the loader
// calls it once its loads and their builds are done, and spdash migrate
// after building the current rows. It says whether it built one. A
// failure leaves the data as it is: pages compute the sums themselves.
func (db *DB) BuildPeriod(ctx context.Context) (bool, error) {
	a, err := db.asOf(ctx, Request{})
	if err != nil || !periodBuilt(a) {
		return false, err
	}
	sel, err := db.defaultPeriod(ctx, a)
	if err != nil {
		return false, err
	}
	snap := periodSnap(a, sel)
	if built, err := db.periodBuild(ctx, snap); err != nil || built != 0 {
		return false, err
	}
	build, err := newBuildID()
	if err != nil {
		return false, err
	}
	begun := time.Now()
	if err := db.recordBuild(ctx, periodKind, snap, build, "started", begun); err != nil {
		return false, err
	}
	q := struct {
		pcnSQL
		Period string
	}{sourceOf(a), expand(pcnPeriodTmpl, sourceOf(a))}
	args := append(withBuild(levelArgs(sel, England, a), a), clickhouse.Named("build", build))
	if err := db.conn.Exec(ctx, expand(periodBuildTmpl, q), args...); err != nil {
		return false, Classify(fmt.Errorf("build the default period's sums (%s to %s): %w", sel.From.Format("2006-01"), sel.To.Format("2006-01"), err))
	}
	if err := db.recordBuild(ctx, periodKind, snap, build, "built", time.Now()); err != nil {
		return false, err
	}
	db.log.Info("built the default period's sums", "from", sel.From.Format("2006-01"), "to", sel.To.Format("2006-01"),
		"fy", sel.FY, "version", a.Version, "build", build, "took", time.Since(begun).Round(time.Millisecond))
	return true, nil
}

// defaultPeriod is the default period and financial year at a's data.
func (db *DB) defaultPeriod(ctx context.Context, a DataAsOf) (Selection, error) {
	data, err := db.Range(ctx, a)
	if err != nil {
		return Selection{}, err
	}
	sel := Selection{Default: true}
	sel.From, sel.To, sel.FY = DefaultPeriod(data, time.Now())
	return sel, nil
}

// periodBuild is the build of a period's sums a reader reads (the smallest
// built one named snap), 0 when none is built.
func (db *DB) periodBuild(ctx context.Context, snap uint64) (uint64, error) {
	var built uint64
	var started time.Time
	if err := db.conn.QueryRow(ctx, sqlText("current_build_await"), clickhouse.Named("kind", periodKind), clickhouse.Named("snap", snap)).Scan(&built, &started); err != nil {
		return 0, Classify(fmt.Errorf("read the builds of the default period's sums: %w", err))
	}
	return built, nil
}

// periodRead is the build of the default period's sums read at a's data,
// 0 when none is built (or a's kinds are not).
func (db *DB) periodRead(ctx context.Context, a DataAsOf) (uint64, error) {
	if !periodBuilt(a) {
		return 0, nil
	}
	sel, err := db.defaultPeriod(ctx, a)
	if err != nil {
		return 0, err
	}
	return db.periodBuild(ctx, periodSnap(a, sel))
}
