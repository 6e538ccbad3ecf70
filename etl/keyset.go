package etl

import "hash/maphash"

// keySet is a bounded set of 64-bit hashes of natural keys. It decides
// whether a load needs the server's exact duplicate check: identical keys
// always have identical hashes, so when every hash is new there is no
// duplicate. A repeated hash (a duplicate, or rarely a collision) or a file
// with more keys than the set holds sends the load to the exact check.
type keySet struct {
	seed     maphash.Seed
	slots    []uint64 // open addressing; 0 is empty
	n        int
	maxKeys  int
	repeated bool // a hash was seen twice
	overflow bool // more keys than maxKeys: no longer tracked
}

// maxClientKeys bounds the set at 2^22 slots of 8 bytes (32 MB), half full.
const maxClientKeys = 1 << 21

func newKeySet(maxKeys int) *keySet {
	return &keySet{seed: maphash.MakeSeed(), slots: make([]uint64, 1024), maxKeys: maxKeys}
}

// needsServerCheck reports whether duplicates may exist.
func (s *keySet) needsServerCheck() bool { return s.repeated || s.overflow }

func (s *keySet) add(h uint64) {
	if s.overflow || s.repeated {
		return
	}
	if h == 0 {
		h = 1
	}
	if s.n >= s.maxKeys {
		s.overflow, s.slots = true, nil
		return
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return
		case h:
			s.repeated = true
			return
		}
	}
}

func (s *keySet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// hashKey hashes a row's natural key from its canonical values.
func (s *keySet) hashKey(kind *Kind, keyCols []int, row *Row) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	var buf [8]byte
	for _, c := range keyCols {
		v := &row.Values[c]
		if kind.Columns[c].Type == TypeMonth {
			n := v.Month.Unix()
			for i := range buf {
				buf[i] = byte(n >> (8 * i))
			}
			h.Write(buf[:])
		} else {
			h.WriteString(v.Str)
		}
		h.WriteByte(0)
	}
	return h.Sum64()
}
