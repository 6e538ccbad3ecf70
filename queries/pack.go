package queries

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// A pack is the rows of a read, as one string (migration 014): the rows a
// default-period build's read gives (period_current_read.sql, or
// months_current_read.sql for one area), written when the build is made
// and read in their place. ClickHouse 18.16's cost of a read grows with its
// columns, not its rows: the period's 62 columns of 1,250 PCNs cost about
// 8 ms of server CPU, and the same rows as one string 2.5 ms (docs/
// BENCHMARKS.md). A pack holds the values as the read gives them, so the
// code that reads the rows is the same for both.
//
// The layout, version 1: the byte 'p', the byte 1, the number of columns
// (uvarint, at least 1) and each one's type (a byte: packTypes), the
// number of rows (uvarint), then every row's values in order: unsigned
// integers and dates (days since 1970-01-01) as uvarints, Float64 as its 8
// bytes (little-endian IEEE 754 bits), strings as their length (uvarint)
// and bytes. Nothing follows the last row. It is stored as base64 (standard
// alphabet, padded), so that it is text whatever reads it.

// The types a pack holds, by their ClickHouse names.
const (
	packUInt8 byte = iota + 1
	packUInt64
	packFloat64
	packString
	packDate
)

var packTypes = map[string]byte{"UInt8": packUInt8, "UInt64": packUInt64, "Float64": packFloat64, "String": packString, "Date": packDate}

var errPackCorrupt = errors.New("a pack's bytes are not a whole pack of known types")

// rowSource is what a reader takes its rows from: a statement's rows
// (driver.Rows) or packs (packRows).
type rowSource interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// packWriter writes the rows of a read as packs: a pack per value of the
// column key (the months' area code), or a single pack when key is
// negative.
type packWriter struct {
	types []byte
	key   int
	dest  []any // scan destinations of every column
	packs map[string]*packBody
	order []string // the keys as first seen
}

// packBody is a pack's rows being written, and their number.
type packBody struct {
	rows []byte
	n    uint64
}

// bytes are the packs written, by key.
func (w *packWriter) bytes() map[string][]byte {
	out := make(map[string][]byte, len(w.packs))
	for k, p := range w.packs {
		b := make([]byte, 0, 2+2*binary.MaxVarintLen64+len(w.types)+len(p.rows))
		b = append(b, 'p', 1)
		b = binary.AppendUvarint(b, uint64(len(w.types)))
		b = append(b, w.types...)
		b = binary.AppendUvarint(b, p.n)
		out[k] = append(b, p.rows...)
	}
	return out
}

// packRowsOf reads rows into packs (see packWriter), closing them.
func packRowsOf(rows driver.Rows, key int) (map[string][]byte, []string, error) {
	defer rows.Close()
	w := &packWriter{key: key, packs: map[string]*packBody{}}
	for i, c := range rows.ColumnTypes() {
		t, ok := packTypes[c.DatabaseTypeName()]
		if !ok {
			return nil, nil, fmt.Errorf("pack the column %s: type %s is not one a pack holds", c.Name(), c.DatabaseTypeName())
		}
		w.types = append(w.types, t)
		switch t {
		case packUInt8:
			w.dest = append(w.dest, new(uint8))
		case packUInt64:
			w.dest = append(w.dest, new(uint64))
		case packFloat64:
			w.dest = append(w.dest, new(float64))
		case packString:
			w.dest = append(w.dest, new(string))
		case packDate:
			w.dest = append(w.dest, new(time.Time))
		}
		if i == key && t != packString {
			return nil, nil, fmt.Errorf("pack by the column %s: a key must be a string", c.Name())
		}
	}
	for rows.Next() {
		if err := rows.Scan(w.dest...); err != nil {
			return nil, nil, fmt.Errorf("pack the rows: %w", err)
		}
		w.add()
	}
	if err := rows.Err(); err != nil {
		return nil, nil, Classify(fmt.Errorf("pack the rows: %w", err))
	}
	return w.bytes(), w.order, nil
}

// add appends the row scanned into w.dest to its pack.
func (w *packWriter) add() {
	k := ""
	if w.key >= 0 {
		k = *w.dest[w.key].(*string)
	}
	p, ok := w.packs[k]
	if !ok {
		p = &packBody{}
		w.packs[k] = p
		w.order = append(w.order, k)
	}
	b := p.rows
	for _, d := range w.dest {
		switch v := d.(type) {
		case *uint8:
			b = binary.AppendUvarint(b, uint64(*v))
		case *uint64:
			b = binary.AppendUvarint(b, *v)
		case *float64:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*v))
		case *string:
			b = binary.AppendUvarint(b, uint64(len(*v)))
			b = append(b, *v...)
		case *time.Time:
			y, m, d := v.Date()
			b = binary.AppendUvarint(b, uint64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400))
		}
	}
	p.rows, p.n = b, p.n+1
}

// packRows gives the rows of packs, one after the other, as a rowSource.
// A row is decoded by Next; Scan copies its values to destinations of the
// column's type (as a statement's rows would: *uint8, *uint64, *float64,
// *string, *time.Time; dates in UTC).
type packRows struct {
	packs [][]byte
	rest  []byte // of the pack being read, after its header
	left  uint64 // its rows not yet read
	types []byte
	vals  []packValue
	err   error
}

type packValue struct {
	u uint64
	f float64
	s string
}

func newPackRows(packs [][]byte) *packRows { return &packRows{packs: packs} }

// packText is a pack as it is stored, and packBytes a stored pack's bytes.
func packText(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func packBytes(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("a pack is not base64: %w", errPackCorrupt)
	}
	return b, nil
}

func (p *packRows) Next() bool {
	if p.err != nil {
		return false
	}
	for p.left == 0 {
		if len(p.rest) != 0 {
			p.err = fmt.Errorf("bytes after a pack's last row: %w", errPackCorrupt)
			return false
		}
		if len(p.packs) == 0 {
			return false
		}
		if p.err = p.header(p.packs[0]); p.err != nil {
			return false
		}
		p.packs = p.packs[1:]
	}
	for i, t := range p.types {
		v := &p.vals[i]
		switch t {
		case packUInt8, packUInt64, packDate:
			u, n := binary.Uvarint(p.rest)
			if n <= 0 || t == packUInt8 && u > math.MaxUint8 || t == packDate && u > math.MaxUint16 { // a Date is days in 16 bits
				p.err = errPackCorrupt
				return false
			}
			v.u, p.rest = u, p.rest[n:]
		case packFloat64:
			if len(p.rest) < 8 {
				p.err = errPackCorrupt
				return false
			}
			v.f, p.rest = math.Float64frombits(binary.LittleEndian.Uint64(p.rest)), p.rest[8:]
		case packString:
			l, n := binary.Uvarint(p.rest)
			if n <= 0 || uint64(len(p.rest)-n) < l {
				p.err = errPackCorrupt
				return false
			}
			v.s, p.rest = string(p.rest[n:n+int(l)]), p.rest[n+int(l):]
		}
	}
	p.left--
	return true
}

// header reads a pack's header, leaving p.rest at its first row.
func (p *packRows) header(b []byte) error {
	if len(b) < 2 || b[0] != 'p' || b[1] != 1 {
		return fmt.Errorf("not a pack of layout 1: %w", errPackCorrupt)
	}
	n, k := binary.Uvarint(b[2:])
	if k <= 0 || n == 0 || uint64(len(b)-2-k) < n {
		return errPackCorrupt
	}
	types := b[2+k : 2+k+int(n)]
	rows, r := binary.Uvarint(b[2+k+int(n):])
	if r <= 0 {
		return errPackCorrupt
	}
	for _, t := range types {
		if t < packUInt8 || t > packDate {
			return errPackCorrupt
		}
	}
	if p.types != nil && string(types) != string(p.types) {
		return errors.New("two packs of one read hold different columns")
	}
	p.types = types
	if len(p.vals) != len(types) {
		p.vals = make([]packValue, len(types))
	}
	p.rest, p.left = b[2+k+int(n)+r:], rows
	return nil
}

func (p *packRows) Scan(dest ...any) error {
	if len(dest) != len(p.types) {
		return fmt.Errorf("scan a pack's row of %d columns into %d destinations", len(p.types), len(dest))
	}
	for i, d := range dest {
		v, t := p.vals[i], p.types[i]
		switch d := d.(type) {
		case *uint8:
			if t != packUInt8 {
				return packScanError(i, t, d)
			}
			*d = uint8(v.u)
		case *uint64:
			if t != packUInt64 {
				return packScanError(i, t, d)
			}
			*d = v.u
		case *float64:
			if t != packFloat64 {
				return packScanError(i, t, d)
			}
			*d = v.f
		case *string:
			if t != packString {
				return packScanError(i, t, d)
			}
			*d = v.s
		case *time.Time:
			if t != packDate {
				return packScanError(i, t, d)
			}
			*d = time.Unix(int64(v.u)*86400, 0).UTC()
		default:
			return packScanError(i, t, d)
		}
	}
	return nil
}

func packScanError(i int, t byte, d any) error {
	return fmt.Errorf("scan a pack's column %d (type %d) into %T", i+1, t, d)
}

func (p *packRows) Err() error {
	if p.err != nil {
		return fmt.Errorf("read a pack: %w", p.err)
	}
	return nil
}

func (p *packRows) Close() error { return nil }
