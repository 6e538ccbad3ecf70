package queries

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The default period's figures per PCN and months per region, ICB and PCN,
// and the data's range, built when a load commits (migrations 009 to 011,
// issue 15). Most pages are asked for with no period: METRICS.md's
// default, the latest 12 months with data and the latest financial year
// with funding. Their figures per PCN (pcn_period.sql) and their areas'
// months (pcn_monthly.sql), a cold page's costliest statements, are built
// once, after the loads that change them, and a page of the default period
// reads those rows instead: the same rows, made by the same statements.
// docs/ETL.md, "The default period's builds".

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

// defaultSelection is the default period and financial year of a's data,
// marked Default (England's, with no level: the builds serve every place),
// and the data's range it is taken from.
func (db *DB) defaultSelection(ctx context.Context, a DataAsOf) (Selection, DataRange, error) {
	data, err := db.Range(ctx, a)
	if err != nil {
		return Selection{}, data, err
	}
	sel := Selection{Default: true}
	sel.From, sel.To, sel.FY = DefaultPeriod(data, time.Now())
	return sel, data, nil
}

// periodKind and monthsKind name the default period's builds in
// current_builds: its figures per PCN, and its months per region, ICB and
// PCN; rangeKind the data's range it is taken from (migration 010).
const (
	periodKind = "period"
	monthsKind = "months"
	rangeKind  = "range"
)

// defaultKinds are the kinds BuildPeriod builds: each one's table, and
// what it holds (for messages).
var defaultKinds = map[string]struct{ table, what string }{
	periodKind: {"pcn_period_current", "period's figures per PCN"},
	monthsKind: {"months_current", "default period's months per region, ICB and PCN"},
	rangeKind:  {"range_current", "data's range"},
}

// monthsLevels are the levels whose months are built for the default
// period: England's pages and a region's show regions' and ICBs' (a few
// hundred rows); an ICB's pages, a PCN's profile and PCN-level pages
// PCNs' (15,000 rows nationally: an ICB's page reads them all, as 18.16
// does not narrow a read by the IN of its PCNs, about 12 ms of server CPU
// against pcn_monthly.sql's 30).
var monthsLevels = []string{LevelRegion, LevelICB, LevelPCN}

var (
	periodBuildTmpl = parseWithShared("period_current_build")
	periodReadTmpl  = parseWithShared("period_current_read")
	packsReadTmpl   = parseWithShared("packs_read")
	monthsBuildTmpl = parseWithShared("months_current_build")
	monthsReadTmpl  = parseWithShared("months_current_read")
	rangeBuildTmpl  = parseWithShared("range_current_build")
)

// monthsSnap names the months of a period at a data version: a hash of the
// data's stamp (which loads are committed, the areas' included: they put
// the PCNs in their ICBs and regions), of the period's months, of the
// levels built (a build of fewer levels, made before the PCNs' were, is
// never read: its name differs) and of the packs (a build made before
// migration 014, with none, is never read either: spdash migrate builds
// one with them), never 0.
func monthsSnap(asOf DataAsOf, sel Selection) uint64 {
	h := fnv.New64a()
	h.Write([]byte(asOf.Stamp() + "|" + sel.From.Format("2006-01|") + sel.To.Format("2006-01|") + strings.Join(monthsLevels, ",") + "|packs"))
	return h.Sum64() | 1
}

// monthsRolled says whether a read of months may come from the default
// period's build: the default period, at a built level, for the areas at
// the level in the place or for the place itself at its own level (a chunk
// of an extract is read by the statement).
func monthsRolled(sel Selection, level string, chunk []string) bool {
	return sel.Default && chunk == nil && slices.Contains(monthsLevels, level)
}

// periodKinds are the summed kinds the period's figures per PCN are read
// from (pcn_period.sql); funding is the other.
var periodKinds = []string{"activity", "training", "outcomes", "pcn_workforce", "gpad"}

// periodSnap names the figures of a period at a data version's states: a
// hash of the states of the kinds they are read from (their snaps, 0 for a
// kind with nothing committed; funding's within the range's state, which
// covers its loads) and of the period's months and financial year's
// months, never 0. The figures are a function of these alone, so a build
// named so holds them whoever built it and when; a reader at another state
// or period computes another name and never finds it. The hash begins with
// the build's layout (migration 011's, packed: migration 014), so that no
// build of another layout is ever read.
func periodSnap(asOf DataAsOf, sel Selection) uint64 {
	snaps := map[string]uint64{}
	for _, s := range asOf.states {
		snaps[s.kind] = s.snap
	}
	h := fnv.New64a()
	h.Write([]byte("pcn_period_current|packs|"))
	var b [8]byte
	for _, kind := range periodKinds {
		binary.BigEndian.PutUint64(b[:], snaps[kind])
		h.Write(b[:])
	}
	binary.BigEndian.PutUint64(b[:], asOf.rangeSnap)
	h.Write(b[:])
	fyFrom, fyTo, _ := FinancialYearMonths(sel.FY)
	for _, m := range []time.Time{sel.From, sel.To, fyFrom, fyTo} {
		h.Write([]byte(m.Format("2006-01|")))
	}
	return h.Sum64() | 1
}

// periodBuilt says whether a's kinds the period's figures read are all
// built, and a's range state is known (a version read with its states, not
// named by a caller): a period is built from builds only (and read only by
// readers that read the same builds).
func periodBuilt(a DataAsOf) bool {
	if a.rangeSnap == 0 {
		return false
	}
	for _, s := range a.states {
		if slices.Contains(periodKinds, s.kind) && s.build == 0 {
			return false
		}
	}
	return true
}

// BuildPeriod builds the default period's figures per PCN (and those of
// the period before it, where the data covers it), its months per region,
// ICB and PCN and the data's range at the newest data version, those not
// built yet (the figures only when their kinds are built): the loader
// calls it once its loads and their builds are done, and spdash migrate
// after building the current rows. It says whether it built any. A
// failure leaves the data as it is: pages compute the figures themselves.
//
// The builds are written as the current rows' are ('started', the rows,
// then 'built'), their events together: every insert makes a part on the
// server, which costs more than its rows here.
func (db *DB) BuildPeriod(ctx context.Context) (bool, error) {
	a, err := db.asOf(ctx, Request{})
	if err != nil {
		return false, err
	}
	sel, data, err := db.defaultSelection(ctx, a)
	if err != nil {
		return false, err
	}
	src := sourceOf(a)
	var todo []defaultBuild
	if periodBuilt(a) {
		q := struct {
			pcnSQL
			Period string
		}{src, expand(pcnPeriodTmpl, src)}
		stmt := expand(periodBuildTmpl, q)
		packs, err := packSources(periodKind, src)
		if err != nil {
			return false, err
		}
		todo = append(todo, defaultBuild{kind: periodKind, snap: periodSnap(a, sel), sel: sel, stmt: stmt, packs: packs})
		if prev := PreviousPeriod(sel); data.Covers(prev.From, prev.To) {
			todo = append(todo, defaultBuild{kind: periodKind, snap: periodSnap(a, prev), sel: prev, stmt: stmt, packs: packs})
		}
	}
	type level struct{ Name, Months string }
	var levels []level
	for _, l := range monthsLevels {
		column, err := levelColumn(l)
		if err != nil {
			return false, err
		}
		levels = append(levels, level{l, expand(pcnMonthlyTmpl, pcnMonthlySQL{pcnSQL: src, Level: column})})
	}
	monthsPacks, err := packSources(monthsKind, src)
	if err != nil {
		return false, err
	}
	q := struct {
		pcnSQL
		Levels []level
	}{src, levels}
	todo = append(todo, defaultBuild{kind: monthsKind, snap: monthsSnap(a, sel), sel: sel, stmt: expand(monthsBuildTmpl, q), packs: monthsPacks})
	if a.rangeSnap != 0 {
		stmt := expand(rangeBuildTmpl, struct {
			Range string
			Snap  uint64
		}{expand(dataRangeTmpl, src), a.rangeSnap})
		todo = append(todo, defaultBuild{kind: rangeKind, snap: a.rangeSnap, sel: sel, stmt: stmt})
	}

	// Those not built when the version was read (which names every built
	// build), each under a new number. One built meanwhile by another
	// process is built again: two equal copies, the smaller read.
	var missing []defaultBuild
	for _, b := range todo {
		if a.builtOf(b.kind, b.snap) == 0 {
			if b.build, err = newBuildID(); err != nil {
				return false, err
			}
			missing = append(missing, b)
		}
	}
	if len(missing) == 0 {
		return false, nil
	}
	begun := time.Now()
	if err := db.recordDefaults(ctx, missing, "started", begun); err != nil {
		return false, err
	}
	steps := make([]func() error, len(missing))
	for i, b := range missing {
		steps[i] = func() error {
			args := append(withBuild(levelArgs(b.sel, England, a), a), clickhouse.Named("build", b.build))
			if err := db.conn.Exec(ctx, b.stmt, args...); err != nil {
				return Classify(fmt.Errorf("build the %s (%s to %s): %w", defaultKinds[b.kind].what, b.sel.From.Format("2006-01"), b.sel.To.Format("2006-01"), err))
			}
			return nil
		}
	}
	if err := parallel(steps); err != nil {
		return false, err // left 'started': cleanup deletes them
	}
	// The range is read from the newest data, not from a's builds alone
	// (the areas and funding): if a load of its kinds committed meanwhile,
	// the row may be the newer state's, so it is not named built (cleanup
	// deletes it). The next load's builds, or spdash migrate, build it.
	if i := slices.IndexFunc(missing, func(b defaultBuild) bool { return b.kind == rangeKind }); i >= 0 {
		now, err := db.DataAsOf(ctx)
		if err != nil {
			return false, err
		}
		if now.rangeSnap != a.rangeSnap {
			db.log.Warn("the data's range changed while it was built: not named built", "build", missing[i].build)
			missing = slices.Delete(missing, i, i+1)
		}
	}
	if len(missing) == 0 {
		return false, nil
	}
	if err := db.recordDefaults(ctx, missing, "built", time.Now()); err != nil {
		return false, err
	}
	for _, b := range missing {
		db.log.Info("built the "+defaultKinds[b.kind].what, "from", b.sel.From.Format("2006-01"), "to", b.sel.To.Format("2006-01"),
			"fy", b.sel.FY, "build", b.build, "took", time.Since(begun).Round(time.Millisecond))
	}
	// Then their packs (migration 014), once the builds are read: a reader
	// reads a build's rows until its packs are in, all in one insert (one
	// part), so never some of them. Under load the packs took 250-350 ms
	// more, during which pages computed the figures themselves when they
	// were written first (docs/BENCHMARKS.md, seventeenth session).
	packing := make([]func() error, 0, len(missing))
	for _, b := range missing {
		packing = append(packing, func() error {
			if err := db.writePacks(ctx, b); err != nil {
				return fmt.Errorf("pack the %s (%s to %s): %w", defaultKinds[b.kind].what, b.sel.From.Format("2006-01"), b.sel.To.Format("2006-01"), err)
			}
			return nil
		})
	}
	if err := parallel(packing); err != nil {
		return true, err // built, and read from their rows
	}
	return true, nil
}

// defaultBuild is one build of the default period's kinds: its kind, name,
// period, statement, number and the reads of its rows it is packed from.
type defaultBuild struct {
	kind  string
	snap  uint64
	sel   Selection
	stmt  string
	build uint64
	packs []packSource
}

// packSource is a read of a build's rows that is packed (migration 014):
// its statement (period_current_read.sql, or months_current_read.sql of
// every area at level), the name of its build's argument, and the column
// whose value names each pack (the area code), or -1 for one pack.
type packSource struct {
	level    string
	stmt     string
	buildArg string
	key      int
}

// packSources are the reads a build of kind is packed from: the period's
// figures per PCN in one pack, the months a pack per level and area.
func packSources(kind string, src pcnSQL) ([]packSource, error) {
	if kind == periodKind {
		return []packSource{{stmt: expand(periodReadTmpl, src), buildArg: "period_build", key: -1}}, nil
	}
	var out []packSource
	for _, l := range monthsLevels {
		column, err := levelColumn(l)
		if err != nil {
			return nil, err
		}
		q := pcnMonthlySQL{pcnSQL: src, Level: column}
		out = append(out, packSource{level: l, stmt: expand(monthsReadTmpl, q), buildArg: "months_build", key: 0})
	}
	return out, nil
}

// writePacks writes b's packs (migration 014): each of its reads' rows,
// read from the build just written, then in one insert (its connection
// taken once they are read: a build holds one connection at a time).
func (db *DB) writePacks(ctx context.Context, b defaultBuild) error {
	type pack struct{ level, code, body string }
	var all []pack
	for _, src := range b.packs {
		rows, err := db.conn.Query(ctx, src.stmt, clickhouse.Named(src.buildArg, b.build), clickhouse.Named("level", src.level))
		if err != nil {
			return Classify(err)
		}
		packs, order, err := packRowsOf(rows, src.key)
		if err != nil {
			return err
		}
		for _, code := range order {
			all = append(all, pack{src.level, code, packText(packs[code])})
		}
	}
	if len(all) == 0 { // no rows: the build is read from its (no) rows
		return nil
	}
	batch, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("packs_insert"))
	if err != nil {
		return Classify(err)
	}
	for _, p := range all {
		if err := batch.Append(b.build, p.level, p.code, p.body); err != nil {
			_ = batch.Abort()
			return err
		}
	}
	return Classify(batch.Send())
}

// recordDefaults writes an event of each of builds, in one insert.
func (db *DB) recordDefaults(ctx context.Context, builds []defaultBuild, event string, at time.Time) error {
	batch, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("current_build_event"))
	if err != nil {
		return Classify(fmt.Errorf("record the default period's builds: %w", err))
	}
	for _, b := range builds {
		if err := batch.Append(b.kind, b.snap, b.build, event, at.UTC().Truncate(time.Second)); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("record the default period's builds: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return Classify(fmt.Errorf("record the default period's builds: %w", err))
	}
	return nil
}

// defaultBuilt is the build of one of the default period's kinds a reader
// reads (the smallest built one named snap), 0 when none is built.
func (db *DB) defaultBuilt(ctx context.Context, kind string, snap uint64) (uint64, error) {
	var built uint64
	var started time.Time
	if err := db.conn.QueryRow(ctx, sqlText("current_build_await"), clickhouse.Named("kind", kind), clickhouse.Named("snap", snap)).Scan(&built, &started); err != nil {
		return 0, Classify(fmt.Errorf("read the builds of the %s: %w", defaultKinds[kind].what, err))
	}
	return built, nil
}

// defaultsRead are the builds of the default period's kinds read at a's
// data (the sums of the default period and of the one before it, the
// months and the range), by kind; none where none is built (or, for the
// sums, where their kinds are not).
func (db *DB) defaultsRead(ctx context.Context, a DataAsOf) (map[string][]uint64, error) {
	sel, _, err := db.defaultSelection(ctx, a)
	if err != nil {
		return nil, err
	}
	type named struct {
		kind string
		snap uint64
	}
	names := []named{{monthsKind, monthsSnap(a, sel)}}
	if a.rangeSnap != 0 {
		names = append(names, named{rangeKind, a.rangeSnap})
	}
	if periodBuilt(a) {
		names = append(names, named{periodKind, periodSnap(a, sel)}, named{periodKind, periodSnap(a, PreviousPeriod(sel))})
	}
	out := map[string][]uint64{}
	for _, n := range names {
		build, err := db.defaultBuilt(ctx, n.kind, n.snap)
		if err != nil {
			return nil, err
		}
		if build != 0 {
			out[n.kind] = append(out[n.kind], build)
		}
	}
	return out, nil
}
