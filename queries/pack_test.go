package queries

import (
	"math"
	"strings"
	"testing"
	"time"
)

// packOf writes rows (each a value per column of types) as packWriter
// writes them, a pack per value of the column key (or one when key < 0).
func packOf(t *testing.T, types []byte, key int, rows [][]any) (map[string][]byte, []string) {
	t.Helper()
	w := &packWriter{types: types, key: key, packs: map[string]*packBody{}}
	for _, r := range rows {
		w.dest = w.dest[:0]
		for _, v := range r {
			switch v := v.(type) {
			case uint8:
				w.dest = append(w.dest, &v)
			case uint64:
				w.dest = append(w.dest, &v)
			case float64:
				w.dest = append(w.dest, &v)
			case string:
				w.dest = append(w.dest, &v)
			case time.Time:
				w.dest = append(w.dest, &v)
			}
		}
		w.add()
	}
	return w.bytes(), w.order
}

// A pack gives back the values it was written with, every type, row after
// row and pack after pack; a date as its day in UTC whatever its zone.
func TestAPackGivesBackItsRows(t *testing.T) {
	london := time.FixedZone("BST", 3600)
	types := []byte{packString, packDate, packUInt8, packUInt64, packFloat64}
	rows := [][]any{
		{"U00001", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), uint8(1), uint64(math.MaxUint64), 0.1 + 0.2},
		{"U00002", time.Date(2025, 7, 1, 0, 0, 0, 0, london), uint8(0), uint64(0), math.Inf(-1)},
		{"U00001", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), uint8(255), uint64(300), -0.0},
		{"", time.Date(2106, 2, 7, 0, 0, 0, 0, time.UTC), uint8(7), uint64(1) << 40, math.SmallestNonzeroFloat64},
	}
	packs, order := packOf(t, types, 0, rows)
	if strings.Join(order, ",") != "U00001,U00002," || len(packs) != 3 {
		t.Fatalf("packs %v; want one per code, in the order first seen", order)
	}
	var bodies [][]byte
	for _, k := range order {
		bodies = append(bodies, packs[k])
	}
	want := [][]any{rows[0], rows[2], rows[1], rows[3]} // by pack
	p := newPackRows(bodies)
	var code string
	var month time.Time
	var flag uint8
	var n uint64
	var f float64
	for i := 0; p.Next(); i++ {
		if err := p.Scan(&code, &month, &flag, &n, &f); err != nil {
			t.Fatal(err)
		}
		w := want[i]
		wm := w[1].(time.Time)
		y, m, d := wm.Date()
		if code != w[0] || !month.Equal(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) || month.Location() != time.UTC || flag != w[2] || n != w[3] ||
			math.Float64bits(f) != math.Float64bits(w[4].(float64)) {
			t.Fatalf("row %d: %q %v %d %d %v; want %v", i, code, month, flag, n, f, w)
		}
		if i == len(want)-1 {
			if p.Next() {
				t.Fatal("a row after the last")
			}
			break
		}
	}
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	if p.Next() {
		t.Fatal("rows after the end")
	}
}

// A pack that ends early (anywhere, a row's end included), runs on after
// its last row, holds no column, an unknown type or a value too large for
// its type, or is scanned into the wrong destinations is an error, never a
// panic or a wrong value.
func TestABadPackIsAnError(t *testing.T) {
	packs, _ := packOf(t, []byte{packString, packFloat64, packUInt64}, -1, [][]any{{"abc", 1.5, uint64(1000)}, {"d", 2.5, uint64(7)}})
	good := packs[""]
	read := func(b []byte) error {
		p := newPackRows([][]byte{b})
		for n := 0; p.Next(); n++ {
			if n > 10 {
				return nil // rows without end
			}
		}
		return p.Err()
	}
	if err := read(good); err != nil {
		t.Fatal(err)
	}
	for cut := 0; cut < len(good); cut++ {
		if read(good[:cut]) == nil {
			t.Errorf("a pack cut at byte %d of %d read without an error", cut, len(good))
		}
	}
	if read(append(good[:len(good):len(good)], 0)) == nil {
		t.Error("a pack with a byte after its last row read without an error")
	}
	if read([]byte{'p', 1, 0, 5, 1, 2, 3, 4, 5}) == nil {
		t.Error("a pack of no column read without an error")
	}
	for _, typ := range []byte{packUInt8, packDate} {
		if read([]byte{'p', 1, 1, typ, 1, 0x80, 0x80, 0x04}) == nil { // 65,536
			t.Errorf("a value of 65,536 in a column of type %d read without an error", typ)
		}
	}
	bad := append([]byte{}, good...)
	bad[3] = 9 // the first column's type
	if p := newPackRows([][]byte{bad}); p.Next() || p.Err() == nil {
		t.Error("a pack of an unknown type read without an error")
	}
	bad = append([]byte{}, good...)
	bad[1] = 2 // the layout
	if p := newPackRows([][]byte{bad}); p.Next() || p.Err() == nil {
		t.Error("a pack of another layout read without an error")
	}
	other, _ := packOf(t, []byte{packString}, -1, [][]any{{"x"}})
	p := newPackRows([][]byte{good, other[""]})
	for p.Next() {
	}
	if p.Err() == nil {
		t.Error("packs of different columns read as one")
	}
	p = newPackRows([][]byte{good})
	if !p.Next() {
		t.Fatal(p.Err())
	}
	var s string
	var n, m uint64
	if err := p.Scan(&s, &n, &m); err == nil {
		t.Error("a Float64 scanned into a *uint64")
	}
	if err := p.Scan(&s, &m); err == nil {
		t.Error("a row of 3 columns scanned into 2")
	}
}
