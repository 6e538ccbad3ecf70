package queries

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Geography lists the regions and ICBs of the loaded areas.
type Geography struct {
	Regions []Place
	ICBs    []Place
	PCNs    []Place
	parent  map[string]string // ICB code -> region code, PCN code -> ICB code
	// home is set on a geography limited to some areas (Within): the place
	// shown when none is asked for. England is then no place to choose,
	// only a comparison.
	home *Place
}

// Area finds any area by code, in any letter case: England, a region, an ICB
// or a PCN; with its chain of parents, nearest first (a PCN's ICB, region and
// England).
func (g *Geography) Area(code string) (Place, []Place, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	p, ok := g.Lookup(code)
	if !ok {
		for _, pcn := range g.PCNs {
			if pcn.Code == code {
				p, ok = pcn, true
			}
		}
	}
	if !ok || code == "" {
		return Place{}, nil, false
	}
	var parents []Place
	for cur := p.Code; cur != EnglandCode; {
		up, found := g.parent[cur]
		if !found {
			break
		}
		if up == EnglandCode {
			parents = append(parents, England) // beside any area, also a limited one's
		} else if pp, visible := g.Lookup(up); visible {
			parents = append(parents, pp)
		}
		cur = up
	}
	return p, parents, true
}

// Limited reports whether the geography is limited to some areas (Within).
func (g *Geography) Limited() bool { return g.home != nil }

// Within is the geography limited to the given regions and ICBs (codes in
// any case): those regions with their ICBs and PCNs, and those ICBs with
// their PCNs. Codes not loaded are left out; if none is loaded the result has
// no areas at all (and Lookup finds nothing).
func (g *Geography) Within(regions, icbs []string) *Geography {
	keepRegion := map[string]bool{}
	for _, r := range regions {
		keepRegion[strings.ToUpper(r)] = true
	}
	keepICB := map[string]bool{}
	for _, c := range icbs {
		keepICB[strings.ToUpper(c)] = true
	}
	out := &Geography{parent: g.parent, home: &Place{}}
	for _, r := range g.Regions {
		if keepRegion[r.Code] {
			out.Regions = append(out.Regions, r)
		}
	}
	for _, i := range g.ICBs {
		if keepICB[i.Code] || keepRegion[g.parent[i.Code]] {
			keepICB[i.Code] = true
			out.ICBs = append(out.ICBs, i)
		}
	}
	for _, p := range g.PCNs {
		if keepICB[g.parent[p.Code]] {
			out.PCNs = append(out.PCNs, p)
		}
	}
	switch {
	case len(out.Regions) > 0:
		out.home = &out.Regions[0]
	case len(out.ICBs) > 0:
		out.home = &out.ICBs[0]
	default: // nothing of theirs is loaded: a place no code finds
		out.home = &Place{Code: "", Name: "none of your areas is loaded", Level: LevelICB}
	}
	return out
}

// Lookup finds England, a region or an ICB by code, in any letter case. On
// a geography limited to some areas, England is not found, and no code means
// the first of those areas.
func (g *Geography) Lookup(code string) (Place, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if g.home != nil {
		if code == "" {
			return *g.home, true
		}
		if code == EnglandCode {
			return Place{}, false
		}
	} else if code == "" || code == EnglandCode {
		return England, true
	}
	for _, list := range [][]Place{g.Regions, g.ICBs} {
		for _, p := range list {
			if p.Code == code {
				return p, true
			}
		}
	}
	return Place{}, false
}

// RegionOf is the region code of an ICB.
func (g *Geography) RegionOf(icb string) string { return g.parent[icb] }

// DataRange is what is loaded: the months with activity data and the
// financial years with funding data.
type DataRange struct {
	FirstMonth, LastMonth time.Time // zero when there is no activity data
	FinancialYears        []string  // ascending
	Areas                 uint64
}

var dataRangeTmpl = parseWithShared("data_range")

// Range is the data's range as of asOf: the build read with its version
// where there is one (migration 010), else read (data_range.sql, from
// asOf's builds of the current rows where it has them).
func (db *DB) Range(ctx context.Context, asOf DataAsOf) (DataRange, error) {
	if asOf.rangeBuilt != nil {
		r := *asOf.rangeBuilt
		r.FinancialYears = slices.Clone(r.FinancialYears)
		return r, nil
	}
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	var r DataRange
	var years string
	q := expand(dataRangeTmpl, sourceOf(asOf))
	if err := db.conn.QueryRow(ctx, q, asOf.Current.args()...).Scan(&r.FirstMonth, &r.LastMonth, &r.Areas, &years); err != nil {
		return r, Classify(fmt.Errorf("read data range: %w", err))
	}
	r.settle(years)
	return r, nil
}

// settle finishes a range as read: no months when none has data, and the
// financial years from their space-separated text.
func (r *DataRange) settle(years string) {
	if r.LastMonth.Year() < 2000 { // min/max of no rows is the zero Date, 1970-01-01
		r.FirstMonth, r.LastMonth = time.Time{}, time.Time{}
	}
	r.FinancialYears = nil
	if years != "" { // none: nil, as before any funding is loaded
		r.FinancialYears = strings.Fields(years)
	}
}
