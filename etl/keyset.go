package etl

import "hash/maphash"

// keySet collects 64-bit hashes of natural keys, at most maxKeys of them, to
// decide whether a load needs the server's exact duplicate check: identical
// keys always hash alike, so when every hash is distinct there is no
// duplicate. A repeated hash (a duplicate, or rarely a collision) or a file
// with more keys than the set holds sends the load to the exact check.
//
// Hashes are appended in file order and radix-sorted once at the end: random
// probes into a hash table cost a cache miss per row, which measured several
// times more than the whole sort.
type keySet struct {
	seed     maphash.Seed
	hashes   []uint64
	maxKeys  int
	overflow bool // more keys than maxKeys: no longer tracked
}

// maxClientKeys bounds the set: 2^20 hashes, 8 MB, and as much again while
// sorting. Monthly returns are far smaller; the national sample's biggest
// file has about 500,000 rows.
const maxClientKeys = 1 << 20

func newKeySet(maxKeys int) *keySet {
	return &keySet{seed: maphash.MakeSeed(), maxKeys: maxKeys}
}

// tracking reports whether add still records hashes.
func (s *keySet) tracking() bool { return !s.overflow }

// giveUp stops tracking, for a file too big to fit: hashing it would be
// wasted work.
func (s *keySet) giveUp() { s.overflow, s.hashes = true, nil }

func (s *keySet) add(h uint64) {
	if s.overflow {
		return
	}
	if len(s.hashes) >= s.maxKeys {
		s.giveUp()
		return
	}
	s.hashes = append(s.hashes, h)
}

// needsServerCheck reports whether duplicates may exist. Call it once, at
// the end: it sorts the hashes.
func (s *keySet) needsServerCheck() bool {
	if s.overflow {
		return true
	}
	sorted := radixSort(s.hashes)
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return true
		}
	}
	return false
}

// radixSort sorts by 16-bit digits, least significant first; it reuses a as
// scratch space.
func radixSort(a []uint64) []uint64 {
	if len(a) < 2 {
		return a
	}
	buf := make([]uint64, len(a))
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, v := range a {
			count[(v>>shift)&0xFFFF]++
		}
		pos := 0
		for i, c := range count {
			count[i] = pos
			pos += c
		}
		for _, v := range a {
			d := (v >> shift) & 0xFFFF
			buf[count[d]] = v
			count[d]++
		}
		a, buf = buf, a
	}
	return a // four passes: back in the original slice
}

// hashKey hashes a row's natural key from its canonical values: each column
// hashed alone and mixed in by position (a splitmix64 step), which is several
// times cheaper than streaming the key through a maphash.Hash. A collision
// only costs the exact server check.
func (s *keySet) hashKey(kind *Kind, keyCols []int, row *Row) uint64 {
	h := uint64(0x9E3779B97F4A7C15)
	for _, c := range keyCols {
		v := &row.Values[c]
		var x uint64
		if kind.Columns[c].Type == TypeMonth {
			x = uint64(v.Month.Unix())
		} else {
			x = maphash.String(s.seed, v.Str)
		}
		h = (h ^ x) * 0xBF58476D1CE4E5B9
		h ^= h >> 31
		h *= 0x94D049BB133111EB
		h ^= h >> 29
	}
	return h
}
