package etl

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestKeySet(t *testing.T) {
	s := newKeySet(100_000, 100_000)
	for i := uint64(1); i <= 50_000; i++ {
		s.add(i * 0x9E3779B97F4A7C15)
	}
	if needsCheck(s) {
		t.Fatal("distinct hashes need the server check")
	}
	s = newKeySet(100_000, 100_000)
	for i := uint64(1); i <= 50_000; i++ {
		s.add(i * 0x9E3779B97F4A7C15)
	}
	seven := uint64(7)
	s.add(seven * 0x9E3779B97F4A7C15)
	if needed, why := s.needsServerCheck(); !needed || why != nil {
		t.Fatalf("a repeated hash: server check %v (%v), want true with no failure", needed, why)
	}

	small := newKeySet(3, 3)
	for i := uint64(1); i <= 4; i++ {
		small.add(i)
	}
	if needed, why := small.needsServerCheck(); small.tracking() || !needed || small.hashes != nil || why == nil || why.Error() != "more than 3 keys" {
		t.Fatalf("more keys than the bound did not overflow and free the set (why: %v)", why)
	}
}

func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 1000, 70_000} {
		a := make([]uint64, n)
		for i := range a {
			a[i] = r.Uint64()
			if i%10 == 0 {
				a[i] &= 0xFFFF // small values exercise the high digits being 0
			}
		}
		want := slices.Clone(a)
		slices.Sort(want)
		if got := radixSort(a, nil); !slices.Equal(got, want) {
			t.Fatalf("n=%d: radixSort differs from slices.Sort", n)
		}
	}
}

// Keys equal after canonicalisation hash equal; different keys differ.
func TestKeyHashCanonical(t *testing.T) {
	kind, _ := LookupKind("training")
	s := newKeySet(10, 10)
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
	d := s.hashKey(kind, cols, row("2024-07", "U1P", "1", "ips_awareness")) // column boundaries matter
	if a != b || a == c || a == d {
		t.Fatalf("hashes %x %x %x %x", a, b, c, d)
	}
}

func TestEstimatedRows(t *testing.T) {
	if got := estimatedRows(10_000, 500_000, 250_000_000); got != 5_000_000 {
		t.Fatalf("estimatedRows = %d, want 5,000,000", got)
	}
	if got := estimatedRows(10, 0, 100); got != 10 {
		t.Fatalf("with nothing read yet: %d", got)
	}
	s := newKeySet(10, 10)
	s.add(1)
	s.giveUp(errors.New("too big"))
	if s.tracking() || !needsCheck(s) || s.hashes != nil {
		t.Fatal("giveUp did not hand the check to the server")
	}
}

// Beyond memKeys the hashes spill to an unlinked temporary file by
// partition: a repeat is found wherever its two hashes went (held in memory
// before the spill, in a written chunk, or in a partition's unwritten tail),
// distinct hashes need no server check, and nothing is left on disk.
func TestKeySetSpills(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	r := rand.New(rand.NewPCG(3, 4))
	distinct := make([]uint64, 60_000)
	seen := map[uint64]bool{}
	for i := range distinct {
		for {
			distinct[i] = r.Uint64()
			if !seen[distinct[i]] {
				seen[distinct[i]] = true
				break
			}
		}
	}
	const memKeys = 2048 // chunks of 8 hashes per partition
	fill := func(hashes ...uint64) *keySet {
		s := newKeySet(1_000_000, memKeys)
		for _, h := range distinct {
			s.add(h)
		}
		for _, h := range hashes {
			s.add(h)
		}
		if s.spill == nil || s.hashes != nil {
			t.Fatal("60,000 hashes did not spill past 2,048 held in memory")
		}
		if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
			t.Fatalf("the spill left %v in the temporary folder (%v)", entries, err)
		}
		return s
	}
	if needsCheck(fill()) {
		t.Fatal("distinct spilled hashes need the server check")
	}
	for name, repeat := range map[string]uint64{
		"held in memory before the spill": distinct[10],
		"in a written chunk":              distinct[30_000],
		"in an unwritten tail":            distinct[len(distinct)-1],
	} {
		if !needsCheck(fill(repeat)) {
			t.Errorf("a repeat of a hash %s was not noticed", name)
		}
	}
	// A partition too big to sort in memory leaves the check to the server.
	s := newKeySet(1_000_000, memKeys)
	for i := uint64(0); i < 3*memKeys; i++ {
		s.add(0xAB<<56 | i) // every hash in partition 0xAB
	}
	if needed, why := s.needsServerCheck(); !needed || why == nil {
		t.Fatalf("a partition of more than memKeys hashes was checked in memory (why: %v)", why)
	}
}

// A spill that cannot be written leaves the check to the server.
func TestKeySetSpillFailsToServer(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	s := newKeySet(1_000_000, 16)
	for i := uint64(1); i <= 100; i++ {
		s.add(i * 0x9E3779B97F4A7C15)
	}
	if needed, why := s.needsServerCheck(); s.tracking() || !needed || why == nil {
		t.Fatalf("a failed spill did not hand the check to the server, saying why (%v)", why)
	}
}

func needsCheck(s *keySet) bool {
	needed, _ := s.needsServerCheck()
	return needed
}

// repeatedHashes names each hash added more than once, once, sorted, held
// in memory or spilled, and says when the hashes cannot decide.
func TestKeySetRepeatedHashes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, memKeys := range []int{1 << 20, 256} { // in memory; spilled
		s := newKeySet(1_000_000, memKeys)
		var all []uint64
		for range 5_000 {
			h := r.Uint64()
			all = append(all, h)
			s.add(h)
		}
		want := []uint64{all[3], all[4_000], all[4_999]}
		slices.Sort(want)
		s.add(all[3])
		s.add(all[4_000])
		s.add(all[4_000]) // three times: named once
		s.add(all[4_999])
		if memKeys == 256 && s.spill == nil {
			t.Fatal("5,000 hashes did not spill past 256")
		}
		got, err := s.repeatedHashes()
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("memKeys %d: repeated %v (%v), want %v", memKeys, got, err, want)
		}
	}
	s := newKeySet(3, 3)
	for i := uint64(1); i <= 4; i++ {
		s.add(i)
	}
	if _, err := s.repeatedHashes(); err == nil {
		t.Error("more keys than the set checks: no error")
	}
}
