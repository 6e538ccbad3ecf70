package queries

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Geography lists the regions and ICBs of the loaded areas.
type Geography struct {
	Regions []Place
	ICBs    []Place
	PCNs    []Place
	parent  map[string]string // ICB code -> region code, PCN code -> ICB code
}

// Places reads the regions and ICBs of the loaded areas.
func (db *DB) Places(ctx context.Context) (*Geography, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	rows, err := db.conn.Query(ctx, sqlText("places"))
	if err != nil {
		return nil, Classify(fmt.Errorf("read places: %w", err))
	}
	defer rows.Close()
	g := &Geography{parent: map[string]string{}}
	seen := map[string]bool{}
	for rows.Next() {
		var rc, rn, ic, in string
		if err := rows.Scan(&rc, &rn, &ic, &in); err != nil {
			return nil, fmt.Errorf("read places: %w", err)
		}
		if !seen[rc] {
			seen[rc] = true
			g.Regions = append(g.Regions, Place{Code: rc, Name: rn, Level: LevelRegion})
		}
		g.ICBs = append(g.ICBs, Place{Code: ic, Name: in, Level: LevelICB})
		g.parent[ic] = rc
		g.parent[rc] = EnglandCode
	}
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}
	pcns, err := db.conn.Query(ctx, sqlText("pcns"))
	if err != nil {
		return nil, Classify(fmt.Errorf("read PCNs: %w", err))
	}
	defer pcns.Close()
	for pcns.Next() {
		var code, name, icb string
		if err := pcns.Scan(&code, &name, &icb); err != nil {
			return nil, fmt.Errorf("read PCNs: %w", err)
		}
		g.PCNs = append(g.PCNs, Place{Code: code, Name: name, Level: LevelPCN})
		g.parent[code] = icb
	}
	return g, Classify(pcns.Err())
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
		pp, _ := g.Lookup(up)
		parents = append(parents, pp)
		cur = up
	}
	return p, parents, true
}

// Lookup finds England, a region or an ICB by code, in any letter case.
func (g *Geography) Lookup(code string) (Place, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" || code == EnglandCode {
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

// Range reads the data's range.
func (db *DB) Range(ctx context.Context) (DataRange, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	var r DataRange
	if err := db.conn.QueryRow(ctx, sqlText("data_range")).Scan(&r.FirstMonth, &r.LastMonth, &r.Areas); err != nil {
		return r, Classify(fmt.Errorf("read data range: %w", err))
	}
	if r.LastMonth.Year() < 2000 { // min/max of no rows is the zero Date, 1970-01-01
		r.FirstMonth, r.LastMonth = time.Time{}, time.Time{}
	}
	rows, err := db.conn.Query(ctx, sqlText("funding_years"))
	if err != nil {
		return r, Classify(fmt.Errorf("read financial years: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var fy string
		if err := rows.Scan(&fy); err != nil {
			return r, err
		}
		r.FinancialYears = append(r.FinancialYears, fy)
	}
	return r, Classify(rows.Err())
}
