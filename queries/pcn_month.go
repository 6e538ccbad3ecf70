package queries

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The figures of activity, training, outcomes and the published files come
// from the current rows per month and PCN (migration 007), read with no
// join: a period's sums per PCN (pcn_period.sql), the census at the census
// month and the appointments over the period per PCN (pcn_census.sql,
// pcn_appointments.sql), summed here to England, the place and its areas at
// any level from one read of each; months summed per month for the place,
// or per PCN and put in their areas by the areas' own table, by one
// statement (pcn_monthly.sql); the providers per PCN and month for the
// completeness of returns (pcn_providers.sql), put in their areas from the
// answer's one read of the areas (areas.go). The
// rules are METRICS.md's and in the statements: flows are summed over the
// period's months, stocks taken at its latest month (never summed over
// months), outcomes' people in the financial year's months for cost per
// outcome.

var (
	pcnPeriodTmpl    = parseWithShared("pcn_period")
	pcnMonthlyTmpl   = parseWithShared("pcn_monthly")
	pcnProvidersTmpl = parseWithShared("pcn_providers")
)

// pcnSQL is what the statements over the current rows per PCN are expanded
// with: which kinds' builds are read (<kind>_source in current.sql), the
// modules' and outcomes' numbers (their Enum8 values, as in the columns'
// names: in_post_1 …) and the funding streams' (Streams' order from 1) with
// their names.
type pcnSQL struct {
	Built             builtKinds
	Modules, Outcomes []int
	Streams           []streamColumn
}

// streamColumn is a funding stream's number in column names and its name.
type streamColumn struct {
	N    int
	Name string
}

func sourceOf(asOf DataAsOf) pcnSQL {
	s := pcnSQL{Built: asOf.Current.built()}
	for i := range Modules {
		s.Modules = append(s.Modules, i+1)
	}
	for i := range Outcomes {
		s.Outcomes = append(s.Outcomes, i+1)
	}
	for i, name := range Streams {
		s.Streams = append(s.Streams, streamColumn{i + 1, name})
	}
	return s
}

// withBuild adds the builds read to a statement's parameters.
func withBuild(args []any, asOf DataAsOf) []any {
	return append(append([]any{}, args...), asOf.Current.args()...)
}

// pcnPeriod is every PCN's counts over a selection's period, its census
// at the census month and its appointments over the period, and each PCN's
// ICB and region: what an answer's areas and England are summed from.
type pcnPeriod struct {
	counts       map[string]*counts
	census       map[string]*pcnCensus
	appointments map[string]*pcnAppointments
	funding      []pcnFunding        // a row per PCN and stream with funding rows for the year
	areas        map[string]*areaRow // each PCN's row of the areas, by its code
}

// pcnCensus is a PCN's census at the census month.
type pcnCensus struct {
	month      time.Time
	fte, fteMH float64
	staff      []int32 // NWRS Staff identifiers, numbered from 0 in the census read (readPCNCensus)
}

// pcnAppointments are a PCN's appointments over the period.
type pcnAppointments struct {
	attended, dna, unknown uint64
	months                 []string // YYYYMM
}

// readPCNPeriod reads every PCN's counts over a selection's period, its
// census, appointments and funding, and the PCNs' ICBs and regions, side
// by side. Answers side by side over one period (an area profile's area,
// its parents and its peers; a place and England) share one read of it
// (read only): it depends on the data, the period and the financial year
// only.
func (db *DB) readPCNPeriod(ctx context.Context, sel Selection, asOf DataAsOf) (*pcnPeriod, error) {
	key := fmt.Sprint(asOf.Stamp(), asOf.Current, monthKey(sel.From), monthKey(sel.To), sel.FY)
	return db.periods.Do(ctx, key, func(ctx context.Context) (*pcnPeriod, error) {
		ctx, cancel := db.readContext(ctx)
		defer cancel()
		return db.readPCNPeriodOnce(ctx, sel, asOf)
	})
}

func (db *DB) readPCNPeriodOnce(ctx context.Context, sel Selection, asOf DataAsOf) (*pcnPeriod, error) {
	var out *pcnPeriod
	var areas areaTable
	err := parallel([]func() error{
		func() (err error) { areas, err = db.areasAt(ctx, asOf); return err },
		func() (err error) { out, err = db.readPCNFigures(ctx, sel, asOf); return err },
	})
	if err != nil {
		return nil, err
	}
	out.areas = areas.byCode()
	return out, nil
}

// readPCNFigures reads every PCN's sums of activity, training and outcomes
// over a selection's period, its census, appointments and funding
// (pcn_period.sql), or, for the default period, from their build when a
// load's commit made one (period.go). The census's NWRS Staff identifiers
// are numbered as they are read, so that an area's headcount (the distinct
// identifiers of its PCNs) is counted with a bit per person (addPublished),
// not a map of strings: a national census month holds about 100,000
// identifiers of 8,000 people.
func (db *DB) readPCNFigures(ctx context.Context, sel Selection, asOf DataAsOf) (*pcnPeriod, error) {
	args := withBuild(levelArgs(sel, England, asOf), asOf)
	// One set of destinations for every row.
	var area, waits, staff, months string
	var hasSums uint8
	var referrals, accepted, supported, headcount, caseload, latest uint64
	var fte float64
	var census pcnCensus
	var appointments pcnAppointments
	inPost, trained := make([]uint64, len(Modules)), make([]uint64, len(Modules))
	people, cohort, fyPeople := make([]uint64, len(Outcomes)), make([]uint64, len(Outcomes)), make([]uint64, len(Outcomes))
	funding, fundingRows := make([]float64, len(Streams)), make([]uint64, len(Streams))
	dest := []any{&area, &hasSums, &referrals, &accepted, &supported, &fte, &headcount, &caseload, &latest, &waits}
	for j := range Modules {
		dest = append(dest, &inPost[j], &trained[j])
	}
	for j := range Outcomes {
		dest = append(dest, &people[j], &cohort[j], &fyPeople[j])
	}
	dest = append(dest, &census.month, &census.fte, &census.fteMH, &staff,
		&appointments.attended, &appointments.dna, &appointments.unknown, &months)
	for j := range Streams {
		dest = append(dest, &funding[j], &fundingRows[j])
	}
	out := &pcnPeriod{counts: map[string]*counts{}, census: map[string]*pcnCensus{}, appointments: map[string]*pcnAppointments{}}
	number := map[string]int32{}
	read := func(what string, rows rowSource, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			if hasSums > 0 {
				c := newCounts()
				c.referrals, c.accepted, c.supported = float64(referrals), float64(accepted), float64(supported)
				c.fte, c.headcount, c.caseload = fte, float64(headcount), float64(caseload)
				c.hasLatestReturn = latest > 0
				if c.waits, err = parseWaits(waits); err != nil {
					return fmt.Errorf("%s: %s: %w", what, area, err)
				}
				for j := range Modules {
					c.inPost[j], c.trained[j] = float64(inPost[j]), float64(trained[j])
				}
				for j := range Outcomes {
					c.people[j], c.cohort[j], c.fyPeople[j] = float64(people[j]), float64(cohort[j]), float64(fyPeople[j])
				}
				out.counts[area] = c
			}
			if census.month.Year() > 1970 { // a census row at the census month
				c := census
				c.staff = make([]int32, 0, strings.Count(staff, " ")+1)
				for id := range strings.FieldsSeq(staff) {
					c.staff = append(c.staff, numberOf(number, id))
				}
				out.census[area] = &c
			}
			if months != "" { // appointments in the period
				a := appointments
				a.months = strings.Fields(months)
				out.appointments[area] = &a
			}
			for j := range Streams {
				if fundingRows[j] > 0 {
					out.funding = append(out.funding, pcnFunding{pcn: area, stream: j, funding: funding[j]})
				}
			}
		}
		if err := rows.Err(); err != nil {
			return Classify(fmt.Errorf("%s: %w", what, err))
		}
		return nil
	}
	if sel.Default && periodBuilt(asOf) {
		if build := asOf.builtOf(periodKind, periodSnap(asOf, sel)); build != 0 {
			what := "read the default period's figures per PCN"
			rows, err := db.builtRows(ctx, what, true, expand(packsReadTmpl, pcnMonthlySQL{}),
				append(args[:len(args):len(args)], clickhouse.Named("build", build), clickhouse.Named("level", "")),
				expand(periodReadTmpl, sourceOf(asOf)), append(args[:len(args):len(args)], clickhouse.Named("period_build", build)))
			err = read(what, rows, err)
			if err != nil || len(out.counts)+len(out.census)+len(out.appointments)+len(out.funding) > 0 {
				return out, err
			}
		}
		// None built when the version was read (a load's builds under way,
		// or failed), or deleted since: the statement.
	}
	what := "read the period's figures per PCN"
	rows, err := db.conn.Query(ctx, expand(pcnPeriodTmpl, sourceOf(asOf)), args...)
	if err != nil {
		return out, Classify(fmt.Errorf("%s: %w", what, err))
	}
	return out, read(what, rows, nil)
}

// builtRows are the rows of a default-period build: its packs (packQuery,
// migration 014; with one, a single pack), or, when it has none (a build
// made before), its rows (rowsQuery).
func (db *DB) builtRows(ctx context.Context, what string, one bool, packQuery string, packArgs []any, rowsQuery string, rowsArgs []any) (rowSource, error) {
	bodies, err := queryColumn[string](ctx, db, what, packQuery, packArgs...)
	if err != nil {
		return nil, err
	}
	packs := make([][]byte, len(bodies))
	for i, body := range bodies {
		if packs[i], err = packBytes(body); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	if one && len(packs) > 1 { // the period's funding would be summed twice
		return nil, fmt.Errorf("%s: %d packs of one build, where it has one", what, len(packs))
	}
	if len(packs) > 0 {
		return newPackRows(packs), nil
	}
	rows, err := db.conn.Query(ctx, rowsQuery, rowsArgs...)
	if err != nil {
		return nil, Classify(fmt.Errorf("%s: %w", what, err))
	}
	return rows, nil
}

// addTo adds each PCN's counts, census, appointments and funding to the
// area at level that holds it (index: area code to position), and settles
// the sums.
func (p *pcnPeriod) addTo(level string, index map[string]int, areas []areaCounts) {
	// Each area's waits are its PCNs': room for them all at once.
	waits := make([]int, len(areas))
	for area, c := range p.counts {
		if i, ok := p.areaOf(area, level, index); ok {
			waits[i] += len(c.waits)
		}
	}
	for i, n := range waits {
		areas[i].counts.waits = slices.Grow(areas[i].counts.waits, n)
	}
	for area, c := range p.counts {
		if i, ok := p.areaOf(area, level, index); ok {
			addCounts(&areas[i].counts, c)
		}
	}
	for i := range areas {
		areas[i].counts.settle()
	}
	p.addPublished(level, index, areas)
	p.addFunding(level, index, areas)
}

// areaOf is the position in index of the area at level holding a PCN; a
// PCN no longer in the areas is in no area's figures.
func (p *pcnPeriod) areaOf(area, level string, index map[string]int) (int, bool) {
	r, ok := p.areas[area]
	if !ok {
		return 0, false
	}
	code, _, _, _ := r.at(level)
	i, ok := index[code]
	return i, ok
}

// addPublished sums the PCNs' census and appointments to the areas at
// level: FTE and appointments added, headcount the distinct NWRS Staff
// identifiers, the months covered those any PCN has. An area with no PCN
// row has none (unknown figures).
func (p *pcnPeriod) addPublished(level string, index map[string]int, areas []areaCounts) {
	staff := map[int][]*pcnCensus{} // each area's PCNs' census
	people := int32(0)              // the identifiers are numbered below this
	for area, pc := range p.census {
		i, ok := p.areaOf(area, level, index)
		if !ok {
			continue
		}
		cs := areas[i].census
		if cs == nil {
			cs = &censusCounts{month: pc.month}
			areas[i].census = cs
		}
		cs.fte += pc.fte
		cs.fteMH += pc.fteMH
		staff[i] = append(staff[i], pc)
		for _, id := range pc.staff {
			people = max(people, id+1)
		}
	}
	// An area's headcount: its PCNs' identifiers, each counted the first
	// time its bit is set; the bits are cleared for the next area.
	seen := make([]uint64, (people+63)/64)
	for i, pcs := range staff {
		n := 0
		for _, pc := range pcs {
			for _, id := range pc.staff {
				if w, b := id>>6, uint64(1)<<(id&63); seen[w]&b == 0 {
					seen[w] |= b
					n++
				}
			}
		}
		for _, pc := range pcs {
			for _, id := range pc.staff {
				seen[id>>6] = 0
			}
		}
		cs := areas[i].census
		cs.fte, cs.fteMH, cs.headcount = steadySum(cs.fte), steadySum(cs.fteMH), float64(n)
	}
	months := map[int]map[string]bool{}
	for area, pa := range p.appointments {
		i, ok := p.areaOf(area, level, index)
		if !ok {
			continue
		}
		a := areas[i].appointments
		if a == nil {
			a = &appointmentCounts{}
			areas[i].appointments = a
			months[i] = map[string]bool{}
		}
		a.attended += float64(pa.attended)
		a.dna += float64(pa.dna)
		a.unknown += float64(pa.unknown)
		for _, m := range pa.months {
			months[i][m] = true
		}
	}
	for i, ms := range months {
		areas[i].appointments.months = len(ms)
	}
}

// pcnMonthlySQL expands pcn_monthly.sql: the place's one area (One), or
// the areas at a level (Level: its column of the areas, levelColumn) in the
// place (Where: the place's filter, and with a chunk its codes).
type pcnMonthlySQL struct {
	pcnSQL
	One          bool
	Level, Where string
}

// monthCounts are the counts of areas month by month over a selection's
// period, by area code and [month], nil where nothing was loaded: the
// place's own when level is the place's, else the areas at level in the
// place (only those of chunk, when it is not nil). An area with nothing
// loaded in the period is absent. The result is shared: read it only.
//
// A region's or England's own months are their areas' months at the level
// below summed, and an ICB's its PCNs': the place's default level, so that a
// page's own trend and its areas' recent trends share one read. Only a
// PCN's are read as its own.
func (db *DB) monthCounts(ctx context.Context, sel Selection, asOf DataAsOf, level string, chunk []string) (map[string][]*counts, error) {
	if chunk != nil { // an extract's round: never asked twice at once
		return db.readMonthCounts(ctx, sel, asOf, level, chunk)
	}
	if below, ok := levelUnder(level); ok && level == sel.Place.Level {
		areas, err := db.monthCounts(ctx, sel, asOf, below, nil)
		if err != nil {
			return nil, err
		}
		return sumMonths(areas, sel.Place.Code, sel.Months()), nil
	}
	// A page's own trend and its recent trends start together and read the
	// same months: one statement (db.months), its result shared and only read.
	key := fmt.Sprint(asOf.Version, asOf.Current, monthKey(sel.From), monthKey(sel.To), sel.FY, sel.Place.Code, sel.Place.Level, level)
	return db.months.Do(ctx, key, func(ctx context.Context) (map[string][]*counts, error) {
		ctx, cancel := db.readContext(ctx) // Do drops the first caller's cancellation, and so its deadline
		defer cancel()
		return db.readMonthCounts(ctx, sel, asOf, level, chunk)
	})
}

// levelUnder is the level of the areas a place at level is made of, or
// false for a PCN.
func levelUnder(level string) (string, bool) {
	switch level {
	case LevelEngland:
		return LevelRegion, true
	case LevelRegion:
		return LevelICB, true
	case LevelICB:
		return LevelPCN, true
	}
	return "", false
}

// sumMonths is the one place's months (by code) summed from its areas'
// months: nil where no area has the month, absent when none has any. The
// sums are exact counts; FTE is settled (steadySum) whatever order the
// areas come in, as each area's was read.
func sumMonths(areas map[string][]*counts, code string, n int) map[string][]*counts {
	var months []*counts
	for _, area := range areas {
		for m, c := range area {
			if c == nil {
				continue
			}
			if months == nil {
				months = make([]*counts, n)
			}
			if months[m] == nil {
				months[m] = newCounts()
			}
			addCounts(months[m], c)
		}
	}
	out := map[string][]*counts{}
	if months != nil {
		for _, c := range months {
			if c != nil {
				c.settle()
			}
		}
		out[code] = months
	}
	return out
}

// readMonthCounts reads monthCounts' statement, or, for the default period
// at region or ICB level, the rows of its build when a load's commit made
// one (period.go).
func (db *DB) readMonthCounts(ctx context.Context, sel Selection, asOf DataAsOf, level string, chunk []string) (map[string][]*counts, error) {
	column, err := levelColumn(level)
	if err != nil {
		return nil, err
	}
	q := pcnMonthlySQL{pcnSQL: sourceOf(asOf), One: level == sel.Place.Level, Level: column, Where: placeFilter(sel.Place)}
	args := withBuild(levelArgs(sel, sel.Place, asOf), asOf)
	if chunk != nil && !q.One {
		if q.Where == "" {
			q.Where = "WHERE has(@codes, " + column + ")"
		} else {
			q.Where += " AND has(@codes, " + column + ")"
		}
		args = append(args, clickhouse.Named("codes", chunk))
	}
	if monthsRolled(sel, level, chunk) {
		if build := asOf.builtOf(monthsKind, monthsSnap(asOf, sel)); build != 0 {
			rolled := append(args[:len(args):len(args)], clickhouse.Named("months_build", build), clickhouse.Named("level", level))
			rows, err := db.builtRows(ctx, "read the months' sums", false, expand(packsReadTmpl, q), append(rolled, clickhouse.Named("build", build)),
				expand(monthsReadTmpl, q), rolled)
			if err != nil {
				return nil, err
			}
			if grid, err := scanMonthCounts(sel, rows); err != nil || len(grid) > 0 {
				return grid, err
			}
		}
		// None built when the version was read (the load's build under
		// way, or failed), or deleted since: the statement.
	}
	rows, err := db.conn.Query(ctx, expand(pcnMonthlyTmpl, q), args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("read the months' sums: %w", err))
	}
	return scanMonthCounts(sel, rows)
}

// scanMonthCounts reads the months' sums of pcn_monthly.sql, or of their
// build (months_current_read.sql, or its packs: the same columns), and
// closes rows.
func scanMonthCounts(sel Selection, rows rowSource) (map[string][]*counts, error) {
	grid := map[string][]*counts{}
	defer rows.Close()
	// One set of destinations for every row (a national PCN-level read is
	// 15,000 rows of 31 columns).
	var code string
	var month time.Time
	var referrals, accepted, supported, caseload uint64
	var fte float64
	inPost, trained := make([]uint64, len(Modules)), make([]uint64, len(Modules))
	people, cohort := make([]uint64, len(Outcomes)), make([]uint64, len(Outcomes))
	dest := []any{&code, &month, &referrals, &accepted, &supported, &fte, &caseload}
	for j := range Modules {
		dest = append(dest, &inPost[j], &trained[j])
	}
	for j := range Outcomes {
		dest = append(dest, &people[j], &cohort[j])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read the months' sums: %w", err)
		}
		m := monthsAfter(sel.From, month)
		if m < 0 || m >= sel.Months() {
			continue
		}
		c := newCounts()
		c.referrals, c.accepted, c.supported = float64(referrals), float64(accepted), float64(supported)
		c.fte, c.caseload = steadySum(fte), float64(caseload)
		for j := range Modules {
			c.inPost[j], c.trained[j] = float64(inPost[j]), float64(trained[j])
		}
		for j := range Outcomes {
			c.people[j], c.cohort[j] = float64(people[j]), float64(cohort[j])
		}
		if grid[code] == nil {
			grid[code] = make([]*counts, sel.Months())
		}
		grid[code][m] = c
	}
	if err := rows.Err(); err != nil {
		return nil, Classify(fmt.Errorf("read the months' sums: %w", err))
	}
	return grid, nil
}

// returnsCounts are the completeness of returns (METRICS.md) of the areas
// at the selection's level in its place, month by month over its period:
// for each PCN and month m, the providers expected (an activity row for the
// PCN in any of the 3 months before m) and, of those, the ones received (a
// row in m); a provider new in m is not counted. By area code, [month]
// {expected, received}; an area appears once a provider was expected of it.
func (db *DB) returnsCounts(ctx context.Context, sel Selection, asOf DataAsOf) (map[string][][2]int, error) {
	if _, err := levelColumn(sel.Level); err != nil {
		return nil, err
	}
	table, err := db.areasAt(ctx, asOf)
	if err != nil {
		return nil, err
	}
	pcns := table.byCode()
	out := map[string][][2]int{}
	months := sel.Months()
	first := sel.From.AddDate(0, -3, 0)
	rows, err := db.conn.Query(ctx, expand(pcnProvidersTmpl, sourceOf(asOf)), withBuild(levelArgs(sel, sel.Place, asOf), asOf)...)
	if err != nil {
		return nil, Classify(fmt.Errorf("read the providers per PCN: %w", err))
	}
	defer rows.Close()
	// The providers are numbered as they are read: a PCN-month's are a few
	// numbers, not a slice of strings each.
	type pcnMonths struct {
		code   string
		months [][]int32 // by offset from first
	}
	byPCN := map[string]*pcnMonths{}
	number := map[string]int32{}
	for rows.Next() {
		var area, list string
		var month time.Time
		if err := rows.Scan(&area, &month, &list); err != nil {
			return nil, fmt.Errorf("read the providers per PCN: %w", err)
		}
		m := monthsAfter(first, month) // 0..months+2
		if m < 0 || m >= months+3 {
			continue
		}
		p := byPCN[area]
		if p == nil {
			r, ok := pcns[area]
			if !ok || !r.in(sel.Place) { // not in the areas as of the version, or not in the place
				continue
			}
			code, _, _, _ := r.at(sel.Level)
			p = &pcnMonths{code: code, months: make([][]int32, months+3)}
			byPCN[area] = p
		}
		for pr := range strings.FieldsSeq(list) {
			p.months[m] = append(p.months[m], numberOf(number, pr))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}
	// A PCN has a few providers: the expected ones are a sorted list (one
	// for every PCN-month), not a map each.
	var expected []int32
	for _, p := range byPCN {
		for m := 0; m < months; m++ {
			expected = expected[:0]
			for k := m; k < m+3; k++ { // offsets m..m+2: the 3 months before month m+3
				expected = append(expected, p.months[k]...)
			}
			if len(expected) == 0 {
				continue
			}
			slices.Sort(expected)
			expected = slices.Compact(expected)
			received := 0
			for _, pr := range p.months[m+3] {
				if _, ok := slices.BinarySearch(expected, pr); ok {
					received++
				}
			}
			if out[p.code] == nil {
				out[p.code] = make([][2]int, months)
			}
			out[p.code][m][0] += len(expected)
			out[p.code][m][1] += received
		}
	}
	return out, nil
}

// numberOf is code's number in number, the next one (from 0) the first
// time it is seen: a read's identifiers as small ints, to compare and mark
// in bitsets instead of strings.
func numberOf(number map[string]int32, code string) int32 {
	n, ok := number[code]
	if !ok {
		n = int32(len(number))
		number[code] = n
	}
	return n
}

// parseWaits reads space-separated median waits.
func parseWaits(text string) ([]float64, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	out := make([]float64, 0, strings.Count(text, " ")+1)
	for f := range strings.FieldsSeq(text) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("median wait %q: %w", f, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// monthsAfter is how many months t is after from (negative before it),
// whatever either's time.Location: the driver returns Dates in "Etc/UTC",
// selections are parsed in time.UTC.
func monthsAfter(from, t time.Time) int {
	return (t.Year()-from.Year())*12 + int(t.Month()) - int(from.Month())
}
