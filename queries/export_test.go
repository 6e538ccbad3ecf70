package queries

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// BuildAgain makes one more build of a kind's current rows at version, as
// a second process building the same state at once would.
func BuildAgain(ctx context.Context, db *DB, kind string, version uint64) (uint64, error) {
	return buildState(ctx, db, kind, version, false)
}

// BuildWhole makes one more build of a kind's current rows at version from
// every current row, never from the previous state's build.
func BuildWhole(ctx context.Context, db *DB, kind string, version uint64) (uint64, error) {
	return buildState(ctx, db, kind, version, true)
}

func buildState(ctx context.Context, db *DB, kind string, version uint64, whole bool) (uint64, error) {
	snap, err := KindSnap(ctx, db, kind, version)
	if err != nil || snap == 0 {
		return 0, err
	}
	return db.buildCurrent(ctx, kind, snap, version, whole)
}

// RecordStarted writes a 'started' event, dated at, of a build of each
// summed kind's state at version that never finishes: a loader's build
// under way (or, dated long ago, abandoned).
func RecordStarted(ctx context.Context, db *DB, version uint64, at time.Time) error {
	states, err := db.states(ctx, version)
	if err != nil {
		return err
	}
	for _, s := range states {
		build, err := newBuildID()
		if err != nil {
			return err
		}
		if err := db.recordBuild(ctx, s.kind, s.snap, build, "started", at); err != nil {
			return err
		}
	}
	return nil
}

// AwaitBuildFor is how long a read-only reader waits for a build under way.
const AwaitBuildFor = awaitBuildFor

// SetBuild names the build of a kind in b.
func SetBuild(b *Builds, kind string, build uint64) { b.set(kind, build) }

// AreaAtLevel is one area of atLevel: what an answer's areas start from.
type AreaAtLevel struct {
	Code, Name, ParentCode, ParentName string
	Population                         float64
	IMD                                *float64
}

// AreasAtLevel is the areas at a level in a place as of asOf, with
// England's own row, as an answer reads them (areas.go).
func AreasAtLevel(ctx context.Context, db *DB, asOf DataAsOf, place Place, level string) ([]AreaAtLevel, *AreaAtLevel, error) {
	t, err := db.areasAt(ctx, asOf)
	if err != nil {
		return nil, nil, err
	}
	areas, eng, err := t.atLevel(place, level, true)
	if err != nil {
		return nil, nil, err
	}
	out := make([]AreaAtLevel, len(areas))
	for i, a := range areas {
		out[i] = AreaAtLevel{a.code, a.name, a.parentCode, a.parentName, a.population, a.imd}
	}
	var e *AreaAtLevel
	if eng != nil {
		e = &AreaAtLevel{eng.code, eng.name, eng.parentCode, eng.parentName, eng.population, eng.imd}
	}
	return out, e, nil
}

// BuildNamed makes a build of a kind's current rows at version under the
// state snap, whatever the kind's state is: a build whose state changed
// while it was made.
func BuildNamed(ctx context.Context, db *DB, kind string, snap, version uint64) (uint64, error) {
	return db.buildCurrent(ctx, kind, snap, version, false)
}

// CheckBuild is checkBuild.
func CheckBuild(ctx context.Context, db *DB, kind string, snap, version, prev uint64) error {
	return db.checkBuild(ctx, kind, snap, version, prev)
}

// KindSnap is the snapshot of a kind's state at version, as the builds name
// it (0: the kind has no load committed by then).
func KindSnap(ctx context.Context, db *DB, kind string, version uint64) (uint64, error) {
	states, err := db.states(ctx, version)
	if err != nil {
		return 0, err
	}
	for _, s := range states {
		if s.kind == kind {
			return s.snap, nil
		}
	}
	return 0, nil
}

// ErrNoBuild is errNoBuild.
var ErrNoBuild = errNoBuild

// DefaultSelection is the data's default period at its newest version,
// for England's regions, marked Default: what a page asked for with no
// period reads.
func DefaultSelection(ctx context.Context, db *DB) (Selection, error) {
	a, err := db.DataAsOf(ctx)
	if err != nil {
		return Selection{}, err
	}
	sel, _, err := db.defaultSelection(ctx, a)
	sel.Place, sel.Level = England, LevelRegion
	return sel, err
}

// ForgePeriod writes one more build of sel's default period sums at the
// newest version, numbered 1 (below any random build, so the one read),
// with every PCN's referrals multiplied by factor: a build a reader can be
// seen to read.
func ForgePeriod(ctx context.Context, db *DB, sel Selection, factor uint64) error {
	a, err := db.asOf(ctx, Request{})
	if err != nil {
		return err
	}
	cols := "area_code, has_sums, period_referrals, period_accepted, period_supported, latest_fte, latest_headcount, latest_caseload, latest_returns, period_waits"
	for _, m := range sourceOf(a).Modules {
		cols += fmt.Sprintf(", latest_in_post_%d, latest_trained_%d", m, m)
	}
	for _, o := range sourceOf(a).Outcomes {
		cols += fmt.Sprintf(", period_people_%d, period_cohort_%d, fy_people_%d", o, o, o)
	}
	cols += ", census_month, census_fte, census_fte_mental_health, staff, period_attended, period_dna, period_unknown, appointment_months"
	for _, st := range sourceOf(a).Streams {
		cols += fmt.Sprintf(", funding_%d, funding_rows_%d", st.N, st.N)
	}
	return forge(ctx, db, periodKind, periodSnap(a, sel), cols, "period_referrals", factor)
}

// ForgeMonths writes one more build of sel's default period months at the
// newest version, numbered 1 (the one read), with every area's referrals
// multiplied by factor.
func ForgeMonths(ctx context.Context, db *DB, sel Selection, factor uint64) error {
	a, err := db.asOf(ctx, Request{})
	if err != nil {
		return err
	}
	cols := "level, code, month, referrals, accepted, supported, fte, caseload"
	for _, m := range sourceOf(a).Modules {
		cols += fmt.Sprintf(", in_post_%d, trained_%d", m, m)
	}
	for _, o := range sourceOf(a).Outcomes {
		cols += fmt.Sprintf(", people_%d, cohort_%d", o, o)
	}
	return forge(ctx, db, monthsKind, monthsSnap(a, sel), cols, "referrals", factor)
}

// forge copies the build of kind named snap (its table's columns cols) as
// build 1, with column times factor, and makes it visible.
func forge(ctx context.Context, db *DB, kind string, snap uint64, cols, column string, factor uint64) error {
	build, err := db.defaultBuilt(ctx, kind, snap)
	if err != nil {
		return err
	}
	if build == 0 {
		return fmt.Errorf("no build of the %s to forge from", defaultKinds[kind].what)
	}
	table := defaultKinds[kind].table
	q := fmt.Sprintf("INSERT INTO %s (build, %s) SELECT 1, %s FROM %s WHERE build = %d", table, cols,
		strings.Replace(cols, column, fmt.Sprintf("%s * %d", column, factor), 1), table, build)
	if err := db.conn.Exec(ctx, q); err != nil {
		return err
	}
	return db.recordBuild(ctx, kind, snap, 1, "built", time.Now())
}

// PackForged packs the forged builds (numbered 1) of the default period's
// figures and months as a build is packed (migration 014), then empties
// the builds' tables of rows: what is read of the builds after it comes
// from their packs alone.
func PackForged(ctx context.Context, db *DB) error {
	a, err := db.asOf(ctx, Request{})
	if err != nil {
		return err
	}
	for _, kind := range []string{periodKind, monthsKind} {
		packs, err := packSources(kind, sourceOf(a))
		if err != nil {
			return err
		}
		if err := db.writePacks(ctx, defaultBuild{kind: kind, build: 1, packs: packs}); err != nil {
			return err
		}
		if err := db.conn.Exec(ctx, "TRUNCATE TABLE "+defaultKinds[kind].table); err != nil {
			return err
		}
	}
	return nil
}

// MonthsReferrals is each area's referrals over sel's months at level in
// sel's place, as a page reads its months (readMonthCounts).
func MonthsReferrals(ctx context.Context, db *DB, sel Selection, level string) (map[string]float64, error) {
	a, err := db.asOf(ctx, Request{})
	if err != nil {
		return nil, err
	}
	grid, err := db.readMonthCounts(ctx, sel, a, level, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for code, months := range grid {
		for _, c := range months {
			if c != nil {
				out[code] += c.referrals
			}
		}
	}
	return out, nil
}

// RangeBuilt is the data's range read with a's version from its build
// (migration 010), if it had one.
func RangeBuilt(a DataAsOf) (DataRange, bool) {
	if a.rangeBuilt == nil {
		return DataRange{}, false
	}
	return *a.rangeBuilt, true
}

// RangeComputed is the data's range at a read by its statement
// (data_range.sql), not from a build.
func RangeComputed(ctx context.Context, db *DB, a DataAsOf) (DataRange, error) {
	a.rangeBuilt = nil
	return db.Range(ctx, a)
}

// ForgeRange writes one more build of the newest data's range, numbered 1
// (the one read), with its number of areas multiplied by factor.
func ForgeRange(ctx context.Context, db *DB, factor uint64) error {
	a, err := db.DataAsOf(ctx)
	if err != nil {
		return err
	}
	return forge(ctx, db, rangeKind, a.rangeSnap, "snap, first_month, last_month, areas, years", "areas", factor)
}
