package queries

import (
	"context"
	"fmt"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// The monthly extract: every area of a selection, month by month, with every
// monthly figure, streamed. Three statements ordered by area and month are
// merged as they are read, so memory does not grow with the extract.

var monthlyTemplates = map[string]*template.Template{}

func init() {
	for _, name := range []string{"monthly_activity", "monthly_training", "monthly_outcomes"} {
		monthlyTemplates[name] = parseWithShared(name)
	}
}

// monthlyChunk bounds how much one round of the monthly statements reads.
// ClickHouse 18.16 sends a sorted GROUP BY result as one block whatever
// max_block_size says, so the areas are taken a chunk at a time (the
// storage tables are ordered by area_code, so each round reads little): the
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
	cols, err := levelColumns(sel.Level)
	if err != nil {
		return err
	}
	cols.Where = placeFilter(sel.Place)
	actx, cancel := db.readContext(ctx)
	defer cancel()
	asOf, err := db.asOf(actx, req)
	if err != nil {
		return err
	}
	args := levelArgs(sel, sel.Place, asOf.Version)
	// The areas are few (at most the PCNs): read them first.
	areas, err := db.readAreas(actx, cols, args)
	if err != nil {
		return err
	}

	ctl := control{on: req.Disclose && sel.Level != LevelEngland} // England's own figures are not controlled
	per := max(1, monthlyChunk/n)
	for start := 0; start < len(areas); start += per {
		chunk := areas[start:min(start+per, len(areas))]
		if err := db.monthlyChunk(ctx, sel, cols, args, chunk, ctl, fn); err != nil {
			return err
		}
	}
	return nil
}

// monthlyChunk reads the three monthly statements for some areas and merges
// them, then calls fn for each area and month in order. The round is read
// whole (at most monthlyChunk area-months) and its connections released
// before fn runs, so a slow reader holds no connection and no deadline.
func (db *DB) monthlyChunk(ctx context.Context, sel Selection, cols levelSQL, args []any, chunk []areaCounts, ctl control, fn func(*AreaMonth) error) error {
	rows, err := db.readChunk(ctx, sel, cols, args, chunk, ctl)
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

func (db *DB) readChunk(ctx context.Context, sel Selection, cols levelSQL, args []any, chunk []areaCounts, ctl control) ([]AreaMonth, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	codes := make([]string, len(chunk))
	for i := range chunk {
		codes[i] = chunk[i].code
	}
	// The chunk's areas: has() takes the bound array (IN would not, on 18.16).
	if cols.Where == "" {
		cols.Where = "WHERE has(@chunk, " + cols.Level + ")"
	} else {
		cols.Where += " AND has(@chunk, " + cols.Level + ")"
	}
	args = append(append([]any{}, args...), clickhouse.Named("chunk", codes))
	streams := make([]*monthStream, 0, 3)
	defer func() {
		for _, s := range streams {
			s.rows.Close()
		}
	}()
	for _, name := range []string{"monthly_activity", "monthly_training", "monthly_outcomes"} {
		rows, err := db.conn.Query(ctx, expand(monthlyTemplates[name], cols), args...)
		if err != nil {
			return nil, Classify(fmt.Errorf("%s: %w", name, err))
		}
		s := &monthStream{name: name, rows: rows}
		streams = append(streams, s)
		if err := s.next(); err != nil {
			return nil, err
		}
	}
	out := make([]AreaMonth, 0, len(chunk)*sel.Months())
	for i := range chunk {
		a := &chunk[i]
		for m := 0; m < sel.Months(); m++ {
			month := sel.From.AddDate(0, m, 0)
			c := newCounts()
			for _, s := range streams {
				if err := s.take(a.code, monthKey(month), c); err != nil {
					return nil, err
				}
			}
			out = append(out, AreaMonth{Code: a.code, Name: a.name, ParentCode: a.parentCode, ParentName: a.parentName,
				MonthFigures: monthFigures(month, c, ctl)})
		}
	}
	for _, s := range streams {
		if err := s.rows.Err(); err != nil {
			return nil, Classify(fmt.Errorf("%s: %w", s.name, err))
		}
	}
	return out, nil
}

// monthStream is one ordered statement, read a row ahead.
type monthStream struct {
	name string
	rows driver.Rows
	done bool
	// the row read ahead
	code, month, key string
	a, b             float64
	c, d, e          float64
}

func (s *monthStream) next() error {
	if !s.rows.Next() {
		s.done = true
		return Classify(s.rows.Err())
	}
	var month time.Time
	var err error
	switch s.name {
	case "monthly_activity":
		var referrals, accepted, supported, caseload uint64
		var fte float64
		err = s.rows.Scan(&s.code, &month, &referrals, &accepted, &supported, &fte, &caseload)
		s.a, s.b, s.c, s.d, s.e = float64(referrals), float64(accepted), float64(supported), steadySum(fte), float64(caseload)
	default:
		var x, y uint64
		err = s.rows.Scan(&s.code, &month, &s.key, &x, &y)
		s.a, s.b = float64(x), float64(y)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	s.month = monthKey(month)
	return nil
}

// take adds to c the rows of this area and month, and reads on.
func (s *monthStream) take(code, month string, c *counts) error {
	for !s.done && (s.code < code || (s.code == code && s.month < month)) { // rows of no listed area or month
		if err := s.next(); err != nil {
			return err
		}
	}
	for !s.done && s.code == code && s.month == month {
		switch s.name {
		case "monthly_activity":
			c.referrals, c.accepted, c.supported, c.fte, c.caseload = s.a, s.b, s.c, s.d, s.e
		case "monthly_training":
			c.inPost[s.key], c.trained[s.key] = s.a, s.b
		case "monthly_outcomes":
			c.people[s.key], c.cohort[s.key] = s.a, s.b
		}
		if err := s.next(); err != nil {
			return err
		}
	}
	return nil
}
