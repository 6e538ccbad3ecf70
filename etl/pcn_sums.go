package etl

import (
	"time"

	"spdash/queries"
)

// pcnSums sums a file's stored rows per month and PCN as they stream (the
// shape of the current rows per month and PCN, migration 007), so that a
// run of loads that only adds rows extends the current rows' build without
// the server reading them again (queries.DB.ExtendCurrent). Memory is one
// entry per month and PCN of the file, whatever its length.
type pcnSums struct {
	kind string
	cols pcnCols
	rows map[pcnKey]*queries.PCNMonth
	bad  bool // a value the sums cannot place: the build is made from the stored rows instead
}

type pcnKey struct {
	month time.Time
	area  string
}

// pcnCols are the positions of the columns the sums read.
type pcnCols struct {
	month, area, provider                          int
	referrals, accepted, supported, caseload, head int
	fte, wait                                      int
	module, outcome                                int
	inPost, trained, people, cohort                int
}

// newPCNSums sums the rows of a kind with current rows (activity, training,
// outcomes); nil for any other kind.
func newPCNSums(k *Kind) *pcnSums {
	switch k.Name {
	case "activity", "training", "outcomes":
	default:
		return nil
	}
	c := pcnCols{month: k.columnIndex("month"), area: k.columnIndex("area_code"), provider: k.columnIndex("provider_code"),
		referrals: k.columnIndex("referrals_received"), accepted: k.columnIndex("referrals_accepted"),
		supported: k.columnIndex("people_supported"), caseload: k.columnIndex("active_caseload"),
		head: k.columnIndex("link_worker_headcount"), fte: k.columnIndex("link_worker_fte"), wait: k.columnIndex("median_wait_days"),
		module: k.columnIndex("module"), outcome: k.columnIndex("outcome"),
		inPost: k.columnIndex("staff_in_post"), trained: k.columnIndex("staff_trained"),
		people: k.columnIndex("people"), cohort: k.columnIndex("cohort")}
	return &pcnSums{kind: k.Name, cols: c, rows: map[pcnKey]*queries.PCNMonth{}}
}

var (
	moduleIndex  = indexOf(queries.Modules)
	outcomeIndex = indexOf(queries.Outcomes)
)

func indexOf(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}

// maxPCNSums bounds the months and PCNs a run's sums hold (about 500
// bytes each): the national sample's 36 months have 45,000. A file with more
// (years of history at once) is built from the stored rows instead, so the
// loader's memory stays bounded whatever the file.
const maxPCNSums = 100_000

// add sums one stored row.
func (s *pcnSums) add(row *Row) {
	if s.bad {
		return
	}
	v, c := row.Values, &s.cols
	key := pcnKey{month: v[c.month].Month, area: v[c.area].Str}
	r := s.rows[key]
	if r == nil {
		if len(s.rows) >= maxPCNSums {
			s.bad, s.rows = true, nil
			return
		}
		r = queries.NewPCNMonth(key.month, key.area)
		s.rows[key] = r
	}
	switch s.kind {
	case "activity":
		r.Returns++
		r.Referrals += uint64(v[c.referrals].Count)
		r.Accepted += uint64(v[c.accepted].Count)
		r.Supported += uint64(v[c.supported].Count)
		r.Caseload += uint64(v[c.caseload].Count)
		r.Headcount += uint64(v[c.head].Count)
		r.FTE += v[c.fte].Float
		if w := v[c.wait]; !w.Null {
			r.Waits = append(r.Waits, w.Float)
		}
		r.Providers = append(r.Providers, v[c.provider].Str)
	case "training":
		i, ok := moduleIndex[v[c.module].Str]
		if !ok {
			s.bad = true
			return
		}
		r.InPost[i] += uint64(v[c.inPost].Count)
		r.Trained[i] += uint64(v[c.trained].Count)
	case "outcomes":
		i, ok := outcomeIndex[v[c.outcome].Str]
		if !ok {
			s.bad = true
			return
		}
		r.People[i] += uint64(v[c.people].Count)
		r.Cohort[i] += uint64(v[c.cohort].Count)
	}
}
