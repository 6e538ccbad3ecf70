package dashboard_test

import (
	"encoding/json"
	"math"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"spdash/dashboard"
	"spdash/etl/sample"
	"spdash/queries/recompute"
)

// TestPeersAgainstTheFiles: a PCN's peers (codes and distances) and its
// peer group's figures from /api/v1/peers (disclosure control off) equal
// METRICS.md worked out here from the CSV files: features from areas.csv,
// the group's sums from queries/recompute's PCN figures.
func TestPeersAgainstTheFiles(t *testing.T) {
	db, dir := freshSample(t, sample.Options{Seed: 909, Scale: sample.National})
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet, DisclosureOff: true}))
	defer srv.Close()

	areas := readAreas(t, filepath.Join(dir, "areas.csv"))
	num := func(s string) (float64, bool) {
		if s == "" {
			return 0, false
		}
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	// Features and their z-scores over the PCNs where each is known.
	feats := map[string][4]*float64{}
	for _, a := range areas {
		var f [4]*float64
		if v, ok := num(a["imd_score"]); ok {
			f[0] = &v
		}
		if v, ok := num(a["long_term_sick_rate"]); ok {
			f[1] = &v
		}
		pop, _ := num(a["population"])
		wap, _ := num(a["working_age_population"])
		if pop > 0 {
			share, lg := wap/pop, math.Log10(pop)
			f[2], f[3] = &share, &lg
		}
		feats[a["area_code"]] = f
	}
	z := map[string][4]*float64{}
	for k := 0; k < 4; k++ {
		var vals []float64
		for _, f := range feats {
			if f[k] != nil {
				vals = append(vals, *f[k])
			}
		}
		mean, ss := 0.0, 0.0
		for _, v := range vals {
			mean += v
		}
		mean /= float64(len(vals))
		for _, v := range vals {
			ss += (v - mean) * (v - mean)
		}
		sd := math.Sqrt(ss / float64(len(vals)))
		for code, f := range feats {
			zz := z[code]
			if f[k] != nil && sd > 0 {
				v := (*f[k] - mean) / sd
				zz[k] = &v
			}
			z[code] = zz
		}
	}
	target := areas[7]["area_code"]
	type cand struct {
		code string
		d    float64
	}
	var cands []cand
	for code := range feats {
		if code == target {
			continue
		}
		m, ss := 0, 0.0
		for k := 0; k < 4; k++ {
			if z[target][k] != nil && z[code][k] != nil {
				m++
				ss += math.Pow(*z[target][k]-*z[code][k], 2)
			}
		}
		if m >= 2 {
			cands = append(cands, cand{code, math.Sqrt(ss * 4 / float64(m))})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].code < cands[j].code
	})
	cands = cands[:10]

	from, to := "2025-07", "2026-06"
	status, _, body := get(t, srv, "/api/v1/peers?area="+target+"&from="+from+"&to="+to)
	if status != 200 {
		t.Fatalf("peers: %d %s", status, body)
	}
	var got struct {
		Peers []struct {
			Code     string  `json:"code"`
			Distance float64 `json:"distance"`
		} `json:"peers"`
		Group struct {
			FTEPer100k *float64 `json:"fte_per_100k"`
			Coverage   *float64 `json:"work_training_coverage"`
			Outcomes   map[string]struct {
				Rate *float64 `json:"rate"`
			} `json:"outcomes"`
		} `json:"group"`
		Rank map[string]struct{ Rank, Of int } `json:"rank"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 5e-7*math.Max(math.Abs(b), 1e-9) }
	if len(got.Peers) != 10 {
		t.Fatalf("%d peers", len(got.Peers))
	}
	for i, p := range got.Peers {
		if p.Code != cands[i].code || !close(p.Distance, cands[i].d) {
			t.Errorf("peer %d: %s at %g, from the files %s at %g", i+1, p.Code, p.Distance, cands[i].code, cands[i].d)
		}
	}
	// The group's figures from the peers' sums.
	_, pcns, err := recompute.Compute(dir, recompute.Selection{From: from, To: to, FY: "2025-26", Level: "pcn"})
	if err != nil {
		t.Fatal(err)
	}
	sum := func(name string) float64 {
		s := 0.0
		for _, c := range cands {
			if v := pcns[c.code].Values[name]; v != nil {
				s += *v
			}
		}
		return s
	}
	if want := sum("fte") * 100000 / sum("population"); got.Group.FTEPer100k == nil || !close(*got.Group.FTEPer100k, want) {
		t.Errorf("group FTE per 100k %v, from the files %g", got.Group.FTEPer100k, want)
	}
	if want := sum("training.employment_support.trained") / sum("training.employment_support.in_post"); got.Group.Coverage == nil || !close(*got.Group.Coverage, want) {
		t.Errorf("group coverage %v, from the files %g", got.Group.Coverage, want)
	}
	if want := sum("outcomes.entered_employment.people") / sum("outcomes.entered_employment.cohort"); !close(*got.Group.Outcomes["entered_employment"].Rate, want) {
		t.Errorf("group employment rate %v, from the files %g", *got.Group.Outcomes["entered_employment"].Rate, want)
	}
	// The rank of coverage among it and its peers.
	mine := *pcns[target].Values["work_training_coverage"]
	rank, of := 1, 1
	for _, c := range cands {
		if v := pcns[c.code].Values["work_training_coverage"]; v != nil {
			of++
			if *v > mine {
				rank++
			}
		}
	}
	if r := got.Rank["work_training_coverage"]; r.Rank != rank || r.Of != of {
		t.Errorf("coverage rank %d of %d, from the files %d of %d", r.Rank, r.Of, rank, of)
	}
	// The download: the area, the group, and each peer in order.
	status, _, csvBody := get(t, srv, "/download/peers.csv?area="+target+"&from="+from+"&to="+to)
	if status != 200 {
		t.Fatalf("peers.csv: %d %s", status, csvBody)
	}
	lines := strings.Split(strings.TrimSpace(csvBody), "\n")
	if len(lines) != 13 || !strings.HasPrefix(lines[1], "area,"+target+",") || !strings.HasPrefix(lines[2], "peer group,,") {
		t.Fatalf("peers.csv: %d lines: %.300s", len(lines), csvBody)
	}
	for i, c := range cands {
		if !strings.HasPrefix(lines[3+i], "peer,"+c.code+",") {
			t.Errorf("peers.csv line %d: %.60s, want peer %s", 4+i, lines[3+i], c.code)
		}
	}
	if status, _, _ := get(t, srv, "/api/v1/peers?area="+areas[0]["region_code"]); status != 400 {
		t.Errorf("peers of a region: %d, want 400", status)
	}
}
