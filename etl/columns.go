package etl

import (
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"
)

// rowBatch holds valid rows column by column, ready for a native insert whose
// columns are load_seq, line, then the kind's columns in contract order.
type rowBatch struct {
	seq   []uint64
	lines []uint32
	cols  []colBuf
}

type colBuf interface {
	add(v *Value)
	values() any
	reset()
}

func newRowBatch(kind *Kind, capacity int) *rowBatch {
	b := &rowBatch{seq: make([]uint64, 0, capacity), lines: make([]uint32, 0, capacity)}
	for _, c := range kind.storedColumns() {
		var cb colBuf
		switch {
		case c.Type == TypeCount:
			cb = &uint32Col{make([]uint32, 0, capacity)}
		case c.Type == TypeDecimal && c.Required:
			cb = &float64Col{make([]float64, 0, capacity)}
		case c.Type == TypeDecimal:
			cb = &nullFloat64Col{vals: make([]*float64, 0, capacity), store: make([]float64, 0, capacity)}
		case c.Type == TypeMonth:
			cb = &monthCol{make([]time.Time, 0, capacity)}
		case c.Type == TypeMoney:
			cb = &moneyCol{make([]decimal.Decimal, 0, capacity)}
		default: // code, text, enum, financial year
			cb = &stringCol{make([]string, 0, capacity)}
		}
		b.cols = append(b.cols, cb)
	}
	return b
}

func (b *rowBatch) add(seq uint64, row *Row) {
	b.seq = append(b.seq, seq)
	b.lines = append(b.lines, uint32(row.Line))
	for i := range row.Values {
		b.cols[i].add(&row.Values[i])
	}
}

func (b *rowBatch) len() int { return len(b.lines) }

func (b *rowBatch) reset() {
	b.seq, b.lines = b.seq[:0], b.lines[:0]
	for _, c := range b.cols {
		c.reset()
	}
}

// appendTo adds the whole batch to a native insert, column by column.
func (b *rowBatch) appendTo(batch driver.Batch) error {
	if err := batch.Column(0).Append(b.seq); err != nil {
		return fmt.Errorf("column load_seq: %w", err)
	}
	if err := batch.Column(1).Append(b.lines); err != nil {
		return fmt.Errorf("column line: %w", err)
	}
	for i, c := range b.cols {
		if err := batch.Column(i + 2).Append(c.values()); err != nil {
			return fmt.Errorf("column %d: %w", i+2, err)
		}
	}
	return nil
}

type stringCol struct{ v []string }

func (c *stringCol) add(v *Value) { c.v = append(c.v, v.Str) }
func (c *stringCol) values() any  { return c.v }
func (c *stringCol) reset()       { clear(c.v); c.v = c.v[:0] } // drop references to record strings

type uint32Col struct{ v []uint32 }

func (c *uint32Col) add(v *Value) { c.v = append(c.v, v.Count) }
func (c *uint32Col) values() any  { return c.v }
func (c *uint32Col) reset()       { c.v = c.v[:0] }

type float64Col struct{ v []float64 }

func (c *float64Col) add(v *Value) { c.v = append(c.v, v.Float) }
func (c *float64Col) values() any  { return c.v }
func (c *float64Col) reset()       { c.v = c.v[:0] }

// nullFloat64Col points into its own store, so a batch allocates no value
// per row.
type nullFloat64Col struct {
	vals  []*float64
	store []float64
}

func (c *nullFloat64Col) add(v *Value) {
	if v.Null {
		c.vals = append(c.vals, nil)
		return
	}
	c.store = append(c.store, v.Float)
	c.vals = append(c.vals, &c.store[len(c.store)-1])
}
func (c *nullFloat64Col) values() any { return c.vals }
func (c *nullFloat64Col) reset() {
	c.vals, c.store = c.vals[:0], c.store[:0]
}

type monthCol struct{ v []time.Time }

func (c *monthCol) add(v *Value) { c.v = append(c.v, v.Month) }
func (c *monthCol) values() any  { return c.v }
func (c *monthCol) reset()       { c.v = c.v[:0] }

type moneyCol struct{ v []decimal.Decimal }

func (c *moneyCol) add(v *Value) { c.v = append(c.v, v.Money) }
func (c *moneyCol) values() any  { return c.v }
func (c *moneyCol) reset()       { c.v = c.v[:0] }
