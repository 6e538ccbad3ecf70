package queries

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Statistical peers (METRICS.md): each PCN's and ICB's 10 nearest
// neighbours nationally by need and size.

// PeerCount is how many peers an area has (fewer when there are fewer).
const PeerCount = 10

// PCNFeatureRow is one PCN's need and size as loaded.
type PCNFeatureRow struct {
	Code, ICB       string
	Population, WAP float64
	IMD, LTS        *float64
}

// AreaFeatures are an area's features: deprivation, long-term sickness,
// working-age share and log10 population; nil when unknown.
type AreaFeatures struct {
	Code     string
	Features [4]*float64
}

// PCNFeatures reads every PCN's need and size at a version: the peers'
// features, the deprivation deciles (Deciles) and the evidence model's
// long-term sickness (EvidenceUnits) all come from it.
func (db *DB) PCNFeatures(ctx context.Context, version uint64) ([]PCNFeatureRow, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	rows, err := db.conn.Query(ctx, expand(featuresTemplate, nil), clickhouse.Named("version", version))
	if err != nil {
		return nil, Classify(fmt.Errorf("read PCN features: %w", err))
	}
	defer rows.Close()
	var out []PCNFeatureRow
	for rows.Next() {
		var r PCNFeatureRow
		var pop, wap uint32
		if err := rows.Scan(&r.Code, &r.ICB, &pop, &wap, &r.IMD, &r.LTS); err != nil {
			return nil, fmt.Errorf("read PCN features: %w", err)
		}
		r.Population, r.WAP = float64(pop), float64(wap)
		out = append(out, r)
	}
	return out, Classify(rows.Err())
}

var featuresTemplate = parseWithShared("pcn_features")

// LevelFeatures are the features of every area of a level: PCNs as they
// are; ICBs the population-weighted means of their PCNs' known values, and
// their summed populations.
func LevelFeatures(rows []PCNFeatureRow, level string) []AreaFeatures {
	if level == LevelPCN {
		out := make([]AreaFeatures, len(rows))
		for i, r := range rows {
			out[i] = featuresOf(r.Code, r.IMD, r.LTS, r.Population, r.WAP)
		}
		return out
	}
	type sums struct{ imdW, imdP, ltsW, ltsP, pop, wap float64 }
	byICB := map[string]*sums{}
	var codes []string
	for _, r := range rows {
		s := byICB[r.ICB]
		if s == nil {
			s = &sums{}
			byICB[r.ICB] = s
			codes = append(codes, r.ICB)
		}
		s.pop += r.Population
		s.wap += r.WAP
		if r.IMD != nil {
			s.imdW += *r.IMD * r.Population
			s.imdP += r.Population
		}
		if r.LTS != nil {
			s.ltsW += *r.LTS * r.Population
			s.ltsP += r.Population
		}
	}
	sort.Strings(codes)
	out := make([]AreaFeatures, len(codes))
	for i, c := range codes {
		s := byICB[c]
		var imd, lts *float64
		if s.imdP > 0 {
			imd = ptr(s.imdW / s.imdP)
		}
		if s.ltsP > 0 {
			lts = ptr(s.ltsW / s.ltsP)
		}
		out[i] = featuresOf(c, imd, lts, s.pop, s.wap)
	}
	return out
}

func featuresOf(code string, imd, lts *float64, pop, wap float64) AreaFeatures {
	f := AreaFeatures{Code: code}
	f.Features[0], f.Features[1] = imd, lts
	if pop > 0 { // a population of 0 makes both population features unknown
		f.Features[2], f.Features[3] = ptr(wap/pop), ptr(math.Log10(pop))
	}
	return f
}

// Peer is one of an area's peers.
type Peer struct {
	Code     string  `json:"code"`
	Name     string  `json:"name,omitempty"`
	Distance float64 `json:"distance"`
}

// FindPeers returns the PeerCount areas nearest to code: features
// standardised over the areas where each is known (sd with divisor n; a
// feature with sd 0 is left out), the distance over the m features known for
// both √(Σ(z_a − z_b)² × 4 / m), no peer with m < 2, ties by code.
func FindPeers(all []AreaFeatures, code string) []Peer {
	var z [4]map[string]float64
	for k := 0; k < 4; k++ {
		z[k] = map[string]float64{}
		n, sum := 0.0, 0.0
		for _, a := range all {
			if v := a.Features[k]; v != nil {
				n++
				sum += *v
			}
		}
		if n == 0 {
			continue
		}
		mean, ss := sum/n, 0.0
		for _, a := range all {
			if v := a.Features[k]; v != nil {
				ss += (*v - mean) * (*v - mean)
			}
		}
		sd := math.Sqrt(ss / n)
		if sd == 0 {
			continue
		}
		for _, a := range all {
			if v := a.Features[k]; v != nil {
				z[k][a.Code] = (*v - mean) / sd
			}
		}
	}
	var peers []Peer
	for _, a := range all {
		if a.Code == code {
			continue
		}
		m, ss := 0, 0.0
		for k := 0; k < 4; k++ {
			za, okA := z[k][code]
			zb, okB := z[k][a.Code]
			if okA && okB {
				m++
				ss += (za - zb) * (za - zb)
			}
		}
		if m < 2 {
			continue
		}
		peers = append(peers, Peer{Code: a.Code, Distance: math.Sqrt(ss * 4 / float64(m))})
	}
	sort.Slice(peers, func(i, j int) bool {
		if peers[i].Distance != peers[j].Distance {
			return peers[i].Distance < peers[j].Distance
		}
		return peers[i].Code < peers[j].Code
	})
	if len(peers) > PeerCount {
		peers = peers[:PeerCount]
	}
	return peers
}

// PeerFigures are an area's figures beside its peer group's.
type PeerFigures struct {
	Area  AreaMetrics   `json:"area"`
	Peers []Peer        `json:"peers"`
	Group Metrics       `json:"group"`
	Each  []AreaMetrics `json:"-"` // each peer's own figures (for ranks)
	// Rank of the area among itself and its peers for each ranked figure
	// (1 = the highest value); absent when its value is not known.
	Rank map[string]RankOf `json:"rank"`
}

// RankOf is a rank among the areas with a known value.
type RankOf struct {
	Rank int `json:"rank"`
	Of   int `json:"of"`
}

// RankedFigures are the figures an area is ranked on among its peers.
func RankedFigures() []string {
	out := []string{"fte_per_100k", "caseload_per_fte", "capacity_gap_fte", "median_wait_days", "work_training_coverage", "funding_per_1k"}
	for _, o := range Outcomes {
		out = append(out, "outcomes."+o+".rate")
	}
	return out
}

// PeersOf computes an area's figures, its peer group's (from the sums over
// the peers, like any area's) and its ranks, for a request's period, at the
// area's level, with the request's disclosure control.
func (db *DB) PeersOf(ctx context.Context, req Request, area Place, peers []Peer) (*PeerFigures, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	sel := req.Selection
	asOf, err := db.asOf(ctx, req)
	if err != nil {
		return nil, err
	}
	all, err := db.levelCounts(ctx, sel, England, area.Level, asOf)
	if err != nil {
		return nil, fmt.Errorf("peers: %w", err)
	}
	index := map[string]*areaCounts{}
	for i := range all {
		index[all[i].code] = &all[i]
	}
	pf := &PeerFigures{Peers: peers, Rank: map[string]RankOf{}}
	metricsOf := func(a *areaCounts) AreaMetrics {
		m := figures(&a.counts, sel.Months(), req.Settings, req.Disclose)
		m.Suppressed = suppressedNames(&m)
		return AreaMetrics{Code: a.code, Name: a.name, ParentCode: a.parentCode, ParentName: a.parentName, Metrics: m}
	}
	self, ok := index[area.Code]
	if !ok {
		self = &areaCounts{code: area.Code, name: area.Name, counts: *newCounts()}
	}
	pf.Area = metricsOf(self)
	group := newCounts()
	imdW, imdP := 0.0, 0.0
	for i, p := range peers {
		a, ok := index[p.Code]
		if !ok {
			continue
		}
		pf.Peers[i].Name = a.name
		addCounts(group, &a.counts)
		group.population += a.population
		group.pcns += a.pcns
		if a.imd != nil {
			imdW += *a.imd * a.population
			imdP += a.population
		}
		pf.Each = append(pf.Each, metricsOf(a))
	}
	group.settle()
	if imdP > 0 {
		group.imd = ptr(imdW / imdP)
	}
	pf.Group = figures(group, sel.Months(), req.Settings, req.Disclose)
	pf.Group.Suppressed = suppressedNames(&pf.Group)
	values := func(m *Metrics) map[string]Figure {
		v := map[string]Figure{}
		m.Each(func(name string, f Figure) { v[name] = f })
		return v
	}
	mine := values(&pf.Area.Metrics)
	var theirs []map[string]Figure
	for i := range pf.Each {
		theirs = append(theirs, values(&pf.Each[i].Metrics))
	}
	for _, name := range RankedFigures() {
		x, ok := mine[name].Value()
		if !ok {
			continue
		}
		r := RankOf{Rank: 1, Of: 1}
		for _, t := range theirs {
			if y, ok := t[name].Value(); ok {
				r.Of++
				if y > x {
					r.Rank++
				}
			}
		}
		pf.Rank[name] = r
	}
	return pf, nil
}
