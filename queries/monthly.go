package queries

import (
	"context"
	"fmt"
)

// The monthly extract: every area of a selection, month by month, with every
// monthly figure, streamed. The areas are taken a chunk at a time, each
// chunk's months summed from the current rows of its PCNs as they are read
// (pcn_month.go), so memory does not grow with the extract.

// monthlyChunk bounds how much one round of the extract holds: its areas'
// months, each summed as the current rows are read (never kept), so the
// extract's memory is bounded by a chunk, not by the selection.
const monthlyChunk = 4000 // area-months a round reads: areas = monthlyChunk ÷ months

// AreaMonth is one area's figures in one month.
type AreaMonth struct {
	Code, Name, ParentCode, ParentName string
	MonthFigures
}

// Monthly calls fn for each area of the request's level (in code order) and
// each month of its period (in order): every month is present, zeros where
// nothing was loaded. With disclosure control on, each area's months are
// controlled (below England). The level may be the place's own, England's
// included: Trends is that. fn's error stops it.
func (db *DB) Monthly(ctx context.Context, req Request, fn func(*AreaMonth) error) error {
	// No deadline over the whole extract: fn may write to a slow client for
	// longer than any query may take. Each round of statements has its own.
	sel := req.Selection
	n := sel.Months()
	if n < 1 || n > 1200 {
		return fmt.Errorf("monthly: a period of %d months", n)
	}
	actx, cancel := db.readContext(ctx)
	defer cancel()
	asOf, err := db.asOf(actx, req)
	if err != nil {
		return err
	}
	// The areas are few (at most the PCNs): read them first.
	table, err := db.areasAt(actx, asOf)
	if err != nil {
		return err
	}
	areas, _, err := table.atLevel(sel.Place, sel.Level, false)
	if err != nil {
		return err
	}

	ctl := control{on: req.Disclose && sel.Level != LevelEngland} // England's own figures are not controlled
	per := max(1, monthlyChunk/n)
	for start := 0; start < len(areas); start += per {
		chunk := areas[start:min(start+per, len(areas))]
		whole := start == 0 && len(chunk) == len(areas)
		if err := db.monthlyChunk(ctx, sel, asOf, chunk, whole, ctl, fn); err != nil {
			return err
		}
	}
	return nil
}

// monthlyChunk sums the months of some areas, then calls fn for each area
// and month in order. The round is read whole (at most monthlyChunk
// area-months) and its connection released before fn runs, so a slow reader
// holds no connection and no deadline.
func (db *DB) monthlyChunk(ctx context.Context, sel Selection, asOf DataAsOf, chunk []areaCounts, whole bool, ctl control, fn func(*AreaMonth) error) error {
	rows, err := db.readChunk(ctx, sel, asOf, chunk, whole, ctl)
	if err != nil {
		return err
	}
	for i := range rows {
		if err := fn(&rows[i]); err != nil {
			return err
		}
	}
	return nil
}

// readChunk reads the months of a chunk of the areas (whole: every area of
// the selection, so the statement need not list them).
func (db *DB) readChunk(ctx context.Context, sel Selection, asOf DataAsOf, chunk []areaCounts, whole bool, ctl control) ([]AreaMonth, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	var codes []string
	if !whole {
		for i := range chunk {
			codes = append(codes, chunk[i].code)
		}
	}
	grid, err := db.monthCounts(ctx, sel, asOf, sel.Level, codes)
	if err != nil {
		return nil, fmt.Errorf("monthly: %w", err)
	}
	out := make([]AreaMonth, 0, len(chunk)*sel.Months())
	for i := range chunk {
		a := &chunk[i]
		for m := 0; m < sel.Months(); m++ {
			var c *counts
			if months := grid[a.code]; months != nil {
				c = months[m]
			}
			if c == nil {
				c = newCounts()
			}
			out = append(out, AreaMonth{Code: a.code, Name: a.name, ParentCode: a.parentCode, ParentName: a.parentName,
				MonthFigures: monthFigures(sel.From.AddDate(0, m, 0), c, ctl)})
		}
	}
	return out, nil
}
