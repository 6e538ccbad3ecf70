package etl

import "testing"

func TestKeySet(t *testing.T) {
	s := newKeySet(100_000)
	for i := uint64(1); i <= 50_000; i++ { // grows many times
		s.add(i * 0x9E3779B97F4A7C15)
	}
	if s.needsServerCheck() || s.n != 50_000 {
		t.Fatalf("distinct hashes: n=%d repeated=%v overflow=%v", s.n, s.repeated, s.overflow)
	}
	seven := uint64(7)
	s.add(seven * 0x9E3779B97F4A7C15)
	if !s.repeated || !s.needsServerCheck() {
		t.Fatal("a repeated hash was not noticed")
	}

	zero := newKeySet(10)
	zero.add(0)
	zero.add(1) // 0 is stored as 1, so these are the same
	if !zero.repeated {
		t.Fatal("hash 0 is not mapped onto 1")
	}

	small := newKeySet(3)
	for i := uint64(1); i <= 4; i++ {
		small.add(i)
	}
	if !small.overflow || !small.needsServerCheck() || small.slots != nil {
		t.Fatal("more keys than the bound did not overflow and free the set")
	}
}

// Keys equal after canonicalisation hash equal; different keys differ.
func TestKeyHashCanonical(t *testing.T) {
	kind, _ := LookupKind("training")
	s := newKeySet(10)
	row := func(month, area, provider, module string) *Row {
		var r Row
		r.Values = make([]Value, len(kind.Columns))
		for i, c := range kind.Columns {
			in := map[string]string{"month": month, "area_code": area, "provider_code": provider, "module": module, "staff_in_post": "1", "staff_trained": "1"}[c.Name]
			if reason := parseValue(&kind.Columns[i], in, &r.Values[i]); reason != "" {
				t.Fatal(reason)
			}
		}
		return &r
	}
	cols := kind.keyColumns()
	a := s.hashKey(kind, cols, row("2024-07", "u1", "p1", "IPS_Awareness"))
	b := s.hashKey(kind, cols, row("2024-07", "U1", "P1", "ips_awareness"))
	c := s.hashKey(kind, cols, row("2024-08", "U1", "P1", "ips_awareness"))
	d := s.hashKey(kind, cols, row("2024-07", "U1P", "1", "ips_awareness")) // separators matter
	if a != b || a == c || a == d {
		t.Fatalf("hashes %x %x %x %x", a, b, c, d)
	}
}
