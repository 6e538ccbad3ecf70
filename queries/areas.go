package queries

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The areas as of a data version, read once (areas_as_of.sql): every PCN
// with its ICB, region, names, population and deprivation. An answer's areas
// at any level with their population and deprivation (atLevel), the area
// each PCN is in at any level (byCode, at) and the places to choose
// (Areas.Geography) are all taken from this one read, where each used to be
// a statement of its own over the same 1,251 rows; a request's selection
// hands it to its answers (DataAsOf.WithAreas).

// areaRow is one PCN of the areas.
type areaRow struct {
	code, name, icb, icbName, region, regionName string
	population                                   uint32
	imd                                          *float64
}

// areaTable is the areas as of a data version in the areas' own order
// (region, ICB, PCN): the order ClickHouse 18.16 adds them in, so that a
// sum of floats here is the sum the server made when it summed them.
type areaTable []areaRow

var areasAtTmpl = parseWithShared("areas_as_of")

// Areas is the areas of one areas load, read once (AreasAt, NewestAreas),
// with the places to choose among them. A caller that keeps it hands it to
// the answers of a version whose areas they are (DataAsOf.WithAreas), which
// then read no areas of their own: one read of the areas per request. Read
// only.
type Areas struct {
	load    uint64 // the areas load they are (0: no areas load had committed)
	version uint64 // the data version they were read as of, 0 when read as the newest
	table   areaTable
	geo     *Geography
}

// AreasAt reads the areas as of asOf (or takes those asOf carries): those of
// the areas load the version names when it was read with it (DataAsOf), else
// the newest committed by its version.
func (db *DB) AreasAt(ctx context.Context, asOf DataAsOf) (*Areas, error) {
	a, err := db.areasOf(ctx, asOf)
	if err != nil {
		return nil, fmt.Errorf("read places: %w", err)
	}
	return a, nil
}

// NewestAreas reads the areas of the newest committed areas load, with no
// data version: read beside DataAsOf, before the version is known, they
// serve it when they are its areas (Areas.Of), and another read is needed
// when a load committed between the two.
func (db *DB) NewestAreas(ctx context.Context) (*Areas, error) {
	a, err := db.readAreas(ctx, DataAsOf{})
	if err != nil {
		return nil, fmt.Errorf("read places: %w", err)
	}
	return a, nil
}

// Of reports whether these are the areas of asOf's version (false for nil).
func (a *Areas) Of(asOf DataAsOf) bool {
	switch {
	case a == nil:
		return false
	case asOf.areasKnown:
		return a.load == asOf.areasLoad
	}
	return a.version != 0 && a.version == asOf.Version
}

// AreasKey names asOf's areas for a cache: the areas load its version names
// when it was read with it (data versions after any other kind's load share
// it), else the version.
func (a DataAsOf) AreasKey() string {
	if a.areasKnown {
		return fmt.Sprintf("load %d", a.areasLoad)
	}
	return fmt.Sprintf("version %d", a.Version)
}

// AreasLoad is the areas load the data has at its version (0: none had
// committed), when the version was read with it (DataAsOf), else 0.
func (a DataAsOf) AreasLoad() uint64 { return a.areasLoad }

// Geography is the regions, ICBs and PCNs of the areas.
func (a *Areas) Geography() *Geography { return a.geo }

// Len is the number of PCNs.
func (a *Areas) Len() int { return len(a.table) }

// Load is the areas load they are (0 when none had committed).
func (a *Areas) Load() uint64 { return a.load }

// WithAreas is asOf carrying the areas read for it, for its answers to use
// instead of reading them again (areas of another load are ignored).
func (a DataAsOf) WithAreas(areas *Areas) DataAsOf {
	a.areas = areas
	return a
}

// areasAt is the areas as of asOf's version: those asOf carries, or else
// read, reads under way for the same areas sharing one statement (an
// answer's areas and its PCNs' levels start together).
func (db *DB) areasAt(ctx context.Context, asOf DataAsOf) (areaTable, error) {
	a, err := db.areasOf(ctx, asOf)
	if err != nil {
		return nil, err
	}
	return a.table, nil
}

// areasOf is the areas asOf carries when they are its version's, else read.
func (db *DB) areasOf(ctx context.Context, asOf DataAsOf) (*Areas, error) {
	if asOf.areas.Of(asOf) {
		return asOf.areas, nil
	}
	return db.readAreas(ctx, asOf)
}

// readAreas reads the areas of the load asOf names (areasKnown), else the
// newest committed by its version, else (a zero asOf) the newest committed;
// concurrent reads of the same areas share one statement.
func (db *DB) readAreas(ctx context.Context, asOf DataAsOf) (*Areas, error) {
	var key string
	var sel struct{ Load, Bounded bool }
	switch {
	case asOf.areasKnown:
		key, sel.Load = asOf.AreasKey(), true
	case asOf.Version != 0:
		key, sel.Bounded = asOf.AreasKey(), true
	default:
		key = "newest"
	}
	return db.areas.Do(ctx, key, func(ctx context.Context) (*Areas, error) {
		ctx, cancel := db.readContext(ctx) // Do drops the first caller's cancellation, and so its deadline
		defer cancel()
		rows, err := db.conn.Query(ctx, expand(areasAtTmpl, sel),
			clickhouse.Named("areas", asOf.areasLoad), clickhouse.Named("version", asOf.Version))
		if err != nil {
			return nil, Classify(fmt.Errorf("read the areas: %w", err))
		}
		defer rows.Close()
		a := &Areas{load: asOf.areasLoad}
		if sel.Bounded {
			a.version = asOf.Version
		}
		for rows.Next() {
			var r areaRow
			if err := rows.Scan(&a.load, &r.code, &r.name, &r.icb, &r.icbName, &r.region, &r.regionName, &r.population, &r.imd); err != nil {
				return nil, fmt.Errorf("read the areas: %w", err)
			}
			a.table = append(a.table, r)
		}
		if err := rows.Err(); err != nil {
			return nil, Classify(fmt.Errorf("read the areas: %w", err))
		}
		a.geo = a.table.geography()
		return a, nil
	})
}

// byCode finds a PCN's row by its code.
func (t areaTable) byCode() map[string]*areaRow {
	out := make(map[string]*areaRow, len(t))
	for i := range t {
		out[t[i].code] = &t[i]
	}
	return out
}

// at is the area a PCN is in at a level: its code, name and parent's.
func (r *areaRow) at(level string) (code, name, parent, parentName string) {
	switch level {
	case LevelRegion:
		return r.region, r.regionName, EnglandCode, "England"
	case LevelICB:
		return r.icb, r.icbName, r.region, r.regionName
	case LevelPCN:
		return r.code, r.name, r.icb, r.icbName
	}
	return EnglandCode, "England", "", ""
}

// in reports whether the PCN is in a place (placeFilter's rule).
func (r *areaRow) in(p Place) bool {
	switch p.Level {
	case LevelRegion:
		return r.region == p.Code
	case LevelICB:
		return r.icb == p.Code
	case LevelPCN:
		return r.code == p.Code
	}
	return true
}

// atLevel is the areas at a level in a place, in code order, with their
// name, parent, population and population-weighted deprivation (over the
// PCNs with a known score; none when no PCN has one); with england, England's
// own row too, apart (nil when no area is loaded). A name is the first PCN's
// of the area, in the areas' order.
func (t areaTable) atLevel(place Place, level string, england bool) ([]areaCounts, *areaCounts, error) {
	switch level {
	case LevelEngland, LevelRegion, LevelICB, LevelPCN:
	default:
		return nil, nil, fmt.Errorf("unknown level %q", level)
	}
	type sums struct {
		pcns             int
		population       uint64
		known            uint64 // population of the PCNs with a score
		weighted         float64
		code, name       string
		parent, parentNm string
	}
	add := func(s *sums, r *areaRow) {
		s.pcns++
		s.population += uint64(r.population)
		if r.imd != nil {
			s.known += uint64(r.population)
			s.weighted += float64(r.population) * *r.imd
		}
	}
	var groups []*sums
	index := map[string]int{}
	var eng *sums
	for i := range t {
		r := &t[i]
		if england {
			if eng == nil {
				eng = &sums{code: EnglandCode, name: "England"}
			}
			add(eng, r)
		}
		if !r.in(place) {
			continue
		}
		code, name, parent, parentName := r.at(level)
		j, ok := index[code]
		if !ok {
			j = len(groups)
			index[code] = j
			groups = append(groups, &sums{code: code, name: name, parent: parent, parentNm: parentName})
		}
		add(groups[j], r)
	}
	counts := func(s *sums) areaCounts {
		a := areaCounts{code: s.code, name: s.name, parentCode: s.parent, parentName: s.parentNm, counts: *newCounts()}
		a.population, a.pcns = float64(s.population), s.pcns
		if s.known > 0 {
			imd := s.weighted / float64(s.known)
			a.imd = &imd
		}
		return a
	}
	areas := make([]areaCounts, len(groups))
	for i, s := range groups {
		areas[i] = counts(s)
	}
	slices.SortFunc(areas, func(a, b areaCounts) int { return cmp.Compare(a.code, b.code) })
	var e *areaCounts
	if eng != nil {
		c := counts(eng)
		e = &c
	}
	return areas, e, nil
}

// Places is the regions, ICBs and PCNs of the newest areas.
func (db *DB) Places(ctx context.Context) (*Geography, error) {
	asOf, err := db.DataAsOf(ctx)
	if err != nil {
		return nil, err
	}
	a, err := db.AreasAt(ctx, asOf)
	if err != nil {
		return nil, err
	}
	return a.Geography(), nil
}

// geography lists the regions (by code), each region's ICBs (by code) and
// the PCNs (by code). An ICB named two ways is listed under each name, as
// a distinct list of the areas' columns has it.
func (t areaTable) geography() *Geography {
	g := &Geography{parent: map[string]string{}}
	type icbKey struct{ region, regionName, icb, icbName string }
	var icbs []icbKey
	seenICB := map[icbKey]bool{}
	for i := range t {
		r := &t[i]
		k := icbKey{r.region, r.regionName, r.icb, r.icbName}
		if !seenICB[k] {
			seenICB[k] = true
			icbs = append(icbs, k)
		}
		g.PCNs = append(g.PCNs, Place{Code: r.code, Name: r.name, Level: LevelPCN})
		g.parent[r.code] = r.icb
	}
	slices.SortStableFunc(icbs, func(a, b icbKey) int {
		if c := cmp.Compare(a.region, b.region); c != 0 {
			return c
		}
		return cmp.Compare(a.icb, b.icb)
	})
	seenRegion := map[string]bool{}
	for _, k := range icbs {
		if !seenRegion[k.region] {
			seenRegion[k.region] = true
			g.Regions = append(g.Regions, Place{Code: k.region, Name: k.regionName, Level: LevelRegion})
		}
		g.ICBs = append(g.ICBs, Place{Code: k.icb, Name: k.icbName, Level: LevelICB})
		g.parent[k.icb] = k.region
		g.parent[k.region] = EnglandCode
	}
	slices.SortStableFunc(g.PCNs, func(a, b Place) int { return cmp.Compare(a.Code, b.Code) })
	return g
}
