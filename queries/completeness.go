package queries

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Completeness of returns (METRICS.md): is a low figure real, or a missing
// return?

// CompleteThreshold: a month below it is incomplete.
const CompleteThreshold = 0.9

// Returns is one area's (or the place's) returns in one month.
type Returns struct {
	Month        time.Time `json:"-"`
	MonthText    string    `json:"month"` // YYYY-MM
	Expected     int       `json:"expected"`
	Received     int       `json:"received"`
	Completeness Figure    `json:"completeness"` // received ÷ expected; unknown when none was expected
}

// Incomplete reports whether the month is below CompleteThreshold.
func (r Returns) Incomplete() bool {
	v, ok := r.Completeness.Value()
	return ok && v < CompleteThreshold
}

// AreaReturns is one area's months.
type AreaReturns struct {
	Code   string    `json:"code"`
	Name   string    `json:"name"`
	Months []Returns `json:"months"`
}

// Completeness is the returns of a selection: the place's months and each
// area's at the selection's level, every month of the period in order.
type Completeness struct {
	Place Place         `json:"place"`
	Level string        `json:"level"`
	Total []Returns     `json:"months"`
	Areas []AreaReturns `json:"areas"`
}

// Completeness reads the returns of a request's selection (no disclosure
// control: counts of providers, not of people). names gives each area's
// name by code.
func (db *DB) Completeness(ctx context.Context, req Request, names map[string]string) (*Completeness, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	sel := req.Selection
	if _, err := levelColumn(sel.Level); err != nil {
		return nil, err
	}
	asOf, err := db.asOf(ctx, req)
	if err != nil {
		return nil, err
	}
	byCode, err := db.returnsCounts(ctx, sel, asOf)
	if err != nil {
		return nil, fmt.Errorf("completeness: %w", err)
	}
	months := periodMonths(sel.From, sel.To)
	c := &Completeness{Place: sel.Place, Level: sel.Level, Total: emptyMonths(months)}
	for code, counts := range byCode {
		a := AreaReturns{Code: code, Name: names[code], Months: emptyMonths(months)}
		for i := range months {
			a.Months[i].Expected, a.Months[i].Received = counts[i][0], counts[i][1]
			c.Total[i].Expected += counts[i][0]
			c.Total[i].Received += counts[i][1]
		}
		finishReturns(a.Months)
		c.Areas = append(c.Areas, a)
	}
	sort.Slice(c.Areas, func(i, j int) bool { return c.Areas[i].Code < c.Areas[j].Code })
	finishReturns(c.Total)
	return c, nil
}

func periodMonths(from, to time.Time) []time.Time {
	var out []time.Time
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

func emptyMonths(months []time.Time) []Returns {
	out := make([]Returns, len(months))
	for i, m := range months {
		out[i] = Returns{Month: m, MonthText: m.Format("2006-01")}
	}
	return out
}

func finishReturns(rs []Returns) {
	for i := range rs {
		if rs[i].Expected > 0 {
			rs[i].Completeness = Known(float64(rs[i].Received) / float64(rs[i].Expected))
		}
	}
}

// KindAsOf is when a kind's newest committed load finished.
type KindAsOf struct {
	Kind     string
	Finished time.Time
}

// KindsAsOf reads, for each kind, when its newest load committed by the
// version finished ("data as of", METRICS.md).
func (db *DB) KindsAsOf(ctx context.Context, version uint64) ([]KindAsOf, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	rows, err := db.conn.Query(ctx, sqlText("loads_latest_by_kind"), clickhouse.Named("version", version))
	if err != nil {
		return nil, Classify(fmt.Errorf("read loads by kind: %w", err))
	}
	defer rows.Close()
	var out []KindAsOf
	for rows.Next() {
		var k KindAsOf
		if err := rows.Scan(&k.Kind, &k.Finished); err != nil {
			return nil, fmt.Errorf("read loads by kind: %w", err)
		}
		out = append(out, k)
	}
	return out, Classify(rows.Err())
}
