package etl

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"os"
	"slices"
)

// keySet collects 64-bit hashes of natural keys, to decide whether a load
// needs the server's exact duplicate check: identical keys always hash
// alike, so when every hash is distinct there is no duplicate. A repeated
// hash (a duplicate, or rarely a collision) or a file with more keys than
// maxKeys sends the load to the exact check.
//
// Up to memKeys hashes are held in memory, appended in file order and
// radix-sorted once at the end: random probes into a hash table cost a cache
// miss per row, which measured several times more than the whole sort. A
// file with more keys spills them (spill): partitioned by their top bits
// into an unlinked temporary file, each partition then sorted and checked
// on its own, so the memory held stays bounded whatever the file's size. The
// server's check, which the spill replaces for big files, took 1.2 s of a
// 7.6 s load of 5,000,000 outcome rows on one of two cores.
type keySet struct {
	seed    maphash.Seed
	hashes  []uint64
	maxKeys int // the most keys checked here; more go to the server
	memKeys int // the most hashes held in memory at once
	n       int // hashes added
	spill   *keySpill
	gaveUp  error // why the check is left to the server (more keys than maxKeys, a failed spill); nil while tracking
}

// maxClientKeys bounds the keys the client checks: beyond it (about 12 GB
// of CSV) the server checks. memClientKeys bounds the hashes held in memory:
// 2^20 hashes, 8 MB, and as much again while sorting. Monthly returns are far
// smaller; the national sample's biggest file has about 500,000 rows.
const (
	maxClientKeys = 1 << 28
	memClientKeys = 1 << 20
)

func newKeySet(maxKeys, memKeys int) *keySet {
	return &keySet{seed: maphash.MakeSeed(), maxKeys: maxKeys, memKeys: memKeys}
}

// tracking reports whether add still records hashes.
func (s *keySet) tracking() bool { return s.gaveUp == nil }

// giveUp stops tracking, for a file too big to check here (hashing it
// would be wasted work) or a spill that failed, and says why (not nil).
func (s *keySet) giveUp(why error) {
	s.gaveUp, s.hashes = why, nil
	s.close()
}

// close frees the spill's file, if any. needsServerCheck and giveUp call it;
// a load that ends early calls it too.
func (s *keySet) close() {
	if s.spill != nil {
		s.spill.close()
		s.spill = nil
	}
}

func (s *keySet) add(h uint64) {
	if !s.tracking() {
		return
	}
	if s.n >= s.maxKeys {
		s.giveUp(fmt.Errorf("more than %d keys", s.maxKeys))
		return
	}
	s.n++
	if s.spill != nil {
		if err := s.spill.add(h); err != nil {
			s.giveUp(err)
		}
		return
	}
	s.hashes = append(s.hashes, h)
	if len(s.hashes) >= s.memKeys {
		if err := s.spillOut(); err != nil {
			s.giveUp(err)
		}
	}
}

// spillOut moves the hashes held in memory to a new spill.
func (s *keySet) spillOut() error {
	sp, err := newKeySpill(max(s.memKeys/keySpillParts, 1))
	if err != nil {
		return err
	}
	s.spill = sp
	for _, h := range s.hashes {
		if err := sp.add(h); err != nil {
			return err
		}
	}
	s.hashes = nil
	return nil
}

// needsServerCheck reports whether duplicates may exist, and why when the
// hashes could not decide (nil for a repeated hash: a duplicate, or rarely a
// collision). Call it once, at the end: it sorts the hashes.
func (s *keySet) needsServerCheck() (bool, error) {
	found := false
	err := s.eachRepeat(func(uint64) bool { found = true; return false })
	return err != nil || found, err
}

// repeatedHashes are the hashes added more than once, sorted (none: no
// duplicate key), for an exact check of only those keys: 8 bytes for each
// duplicated key, not for each key. An error says the hashes could not
// decide. Call it once, at the end.
func (s *keySet) repeatedHashes() ([]uint64, error) {
	var out []uint64
	err := s.eachRepeat(func(h uint64) bool {
		out = append(out, h)
		return true
	})
	slices.Sort(out)
	return out, err
}

// eachRepeat calls fn once with each hash added more than once, in no
// particular order, until fn returns false. An error says the hashes could
// not decide (more keys than maxKeys, a failed spill, a partition too big to
// sort): duplicates may exist. It sorts the hashes and closes the spill.
func (s *keySet) eachRepeat(fn func(uint64) bool) error {
	defer s.close()
	if !s.tracking() {
		return s.gaveUp
	}
	if s.spill != nil {
		return s.spill.eachRepeat(s.memKeys, fn)
	}
	repeatsIn(radixSort(s.hashes, nil), fn)
	return nil
}

// repeatsIn calls fn once with each value sorted holds more than once,
// until fn returns false, and reports whether fn stopped it.
func repeatsIn(sorted []uint64, fn func(uint64) bool) bool {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] && (i == 1 || sorted[i] != sorted[i-2]) && !fn(sorted[i]) {
			return true
		}
	}
	return false
}

// keySpillParts is how many partitions a spill has (by a hash's top 8 bits):
// equal hashes always meet in one.
const keySpillParts = 256

// keySpill holds hashes in an unlinked temporary file (gone with the
// process, however it ends), written in chunks of one partition each.
type keySpill struct {
	f      *os.File
	chunk  int                     // hashes per chunk
	bufs   [keySpillParts][]uint64 // each partition's hashes not yet written
	chunks [keySpillParts][]int64  // each partition's written chunks, by offset
	count  [keySpillParts]int      // each partition's hashes
	out    []byte                  // a chunk encoded
	end    int64                   // the file's length
}

func newKeySpill(chunk int) (*keySpill, error) {
	f, err := os.CreateTemp("", "spdash-keys-*")
	if err != nil {
		return nil, fmt.Errorf("a file for the key hashes: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil { // the open file stays readable
		f.Close()
		return nil, fmt.Errorf("a file for the key hashes: %w", err)
	}
	return &keySpill{f: f, chunk: chunk, out: make([]byte, 0, 8*chunk)}, nil
}

func (sp *keySpill) add(h uint64) error {
	p := h >> 56
	sp.count[p]++
	if sp.bufs[p] == nil {
		sp.bufs[p] = make([]uint64, 0, sp.chunk)
	}
	sp.bufs[p] = append(sp.bufs[p], h)
	if len(sp.bufs[p]) < sp.chunk {
		return nil
	}
	sp.out = sp.out[:0]
	for _, v := range sp.bufs[p] {
		sp.out = binary.LittleEndian.AppendUint64(sp.out, v)
	}
	if _, err := sp.f.WriteAt(sp.out, sp.end); err != nil {
		return fmt.Errorf("write the key hashes: %w", err)
	}
	sp.chunks[p] = append(sp.chunks[p], sp.end)
	sp.end += int64(len(sp.out))
	sp.bufs[p] = sp.bufs[p][:0]
	return nil
}

// eachRepeat is keySet.eachRepeat over the spill, reading one partition
// at a time. A partition of more than memKeys hashes (a far bigger file than
// maxClientKeys allows, or hashes all alike) is an error: duplicates may
// exist.
func (sp *keySpill) eachRepeat(memKeys int, fn func(uint64) bool) error {
	var part, scratch []uint64
	in := make([]byte, 8*sp.chunk)
	for p := range keySpillParts {
		if sp.count[p] > memKeys {
			return fmt.Errorf("key hashes: partition %d holds %d, more than %d", p, sp.count[p], memKeys)
		}
		part = part[:0]
		for _, off := range sp.chunks[p] {
			if _, err := sp.f.ReadAt(in, off); err != nil {
				return fmt.Errorf("read the key hashes back: %w", err)
			}
			for i := 0; i < len(in); i += 8 {
				part = append(part, binary.LittleEndian.Uint64(in[i:]))
			}
		}
		part = append(part, sp.bufs[p]...)
		if cap(scratch) < len(part) {
			scratch = make([]uint64, len(part))
		}
		if repeatsIn(radixSort(part, scratch[:len(part)]), fn) {
			return nil
		}
	}
	return nil
}

func (sp *keySpill) close() { sp.f.Close() }

// radixSort sorts by 16-bit digits, least significant first, in a, using
// buf (as long as a; nil: one is made) as scratch space.
func radixSort(a, buf []uint64) []uint64 {
	if len(a) < 2 {
		return a
	}
	if buf == nil {
		buf = make([]uint64, len(a))
	}
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
