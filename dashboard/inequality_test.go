package dashboard_test

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"spdash/dashboard"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/recompute"
)

// TestInequalityAgainstTheFiles: deciles, each decile's rates, the SII of
// every rate and the Core20 population share of /api/v1/inequality (with
// disclosure control off) equal METRICS.md worked out here from the CSV
// files (PCN sums by queries/recompute, which shares no code with queries),
// for England and for a region.
func TestInequalityAgainstTheFiles(t *testing.T) {
	db, dir := freshSample(t, sample.Options{Seed: 505, Scale: sample.National})
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: slog.New(slog.NewTextHandler(testLog{t}, nil)), DisclosureOff: true}))
	defer srv.Close()

	// Deciles from areas.csv.
	areas := readAreas(t, filepath.Join(dir, "areas.csv"))
	type pcn struct {
		code     string
		pop, imd float64
	}
	var known []pcn
	total := 0.0
	for _, a := range areas {
		if a["imd_score"] == "" {
			continue
		}
		p := pcn{code: a["area_code"]}
		p.pop, _ = strconv.ParseFloat(a["population"], 64)
		p.imd, _ = strconv.ParseFloat(a["imd_score"], 64)
		known = append(known, p)
		total += p.pop
	}
	sort.Slice(known, func(i, j int) bool {
		if known[i].imd != known[j].imd {
			return known[i].imd > known[j].imd
		}
		return known[i].code < known[j].code
	})
	decile := map[string]int{}
	cum := 0.0
	for _, p := range known {
		mid := (cum + p.pop/2) / total
		d := int(math.Ceil(mid * 10))
		decile[p.code] = max(1, min(10, d))
		cum += p.pop
	}

	from, to := "2025-07", "2026-06"
	for _, place := range []string{"", areas[0]["region_code"]} {
		_, pcns, err := recompute.Compute(dir, recompute.Selection{From: from, To: to, FY: "2025-26", Level: "pcn", Place: place})
		if err != nil {
			t.Fatal(err)
		}
		measures := map[string][2]string{"work_training_coverage": {"training.employment_support.trained", "training.employment_support.in_post"}}
		for _, o := range queries.Outcomes {
			measures["outcomes."+o+".rate"] = [2]string{"outcomes." + o + ".people", "outcomes." + o + ".cohort"}
		}
		x := map[string]*[10][2]float64{}
		pop := [10]float64{}
		for m := range measures {
			x[m] = &[10][2]float64{}
		}
		for code, f := range pcns {
			d, ok := decile[code]
			if !ok {
				continue
			}
			pop[d-1] += *f.Values["population"]
			for m, parts := range measures {
				if v := f.Values[parts[0]]; v != nil {
					x[m][d-1][0] += *v
				}
				if v := f.Values[parts[1]]; v != nil {
					x[m][d-1][1] += *v
				}
			}
		}
		status, _, body := get(t, srv, "/api/v1/inequality?from="+from+"&to="+to+"&place="+place)
		if status != 200 {
			t.Fatalf("inequality %q: %d %s", place, status, body)
		}
		var got struct {
			Deciles []struct {
				Decile   string `json:"decile"`
				Outcomes map[string]struct {
					Rate *float64 `json:"rate"`
				} `json:"outcomes"`
				Coverage *float64 `json:"work_training_coverage"`
			} `json:"deciles"`
			SII         map[string]queries.SII `json:"sii"`
			Core20Share map[string]*float64    `json:"core20_share"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		close := func(a, b float64) bool { return math.Abs(a-b) <= 5e-7*math.Max(math.Abs(b), 1e-9) }
		for m := range measures {
			// The SII, by METRICS.md's formula.
			cumN, totalN := 0.0, 0.0
			for d := 0; d < 10; d++ {
				totalN += x[m][d][1]
			}
			var xs, ws, ps []float64
			for d := 0; d < 10; d++ {
				n := x[m][d][1]
				if n <= 0 {
					continue
				}
				xs, ws, ps = append(xs, (cumN+n/2)/totalN), append(ws, n), append(ps, x[m][d][0]/n)
				cumN += n
				// Each decile's rate.
				var rate *float64
				if m == "work_training_coverage" {
					rate = got.Deciles[d].Coverage
				} else {
					rate = got.Deciles[d].Outcomes[m[len("outcomes."):len(m)-len(".rate")]].Rate
				}
				if rate == nil || !close(*rate, x[m][d][0]/n) {
					t.Errorf("%q %s decile %d: rate %v, from the files %g", place, m, d+1, rate, x[m][d][0]/n)
				}
			}
			sw, swx := 0.0, 0.0
			for i := range xs {
				sw += ws[i]
				swx += ws[i] * xs[i]
			}
			xbar := swx / sw
			sxx, sxp, v := 0.0, 0.0, 0.0
			for i := range xs {
				dx := xs[i] - xbar
				sxx += ws[i] * dx * dx
				sxp += ws[i] * dx * ps[i]
				v += ws[i] * ws[i] * dx * dx * ps[i] * (1 - ps[i]) / ws[i]
			}
			sii, se := sxp/sxx, math.Sqrt(v)/sxx
			g := got.SII[m]
			if g.SII == nil || !close(*g.SII, sii) || !close(*g.CILow, sii-1.959964*se) || !close(*g.CIHigh, sii+1.959964*se) {
				t.Errorf("%q %s: SII %+v, from the files %g ± %g", place, m, g, sii, 1.959964*se)
			}
		}
		core := (pop[0] + pop[1])
		all := 0.0
		for _, p := range pop {
			all += p
		}
		if s := got.Core20Share["population"]; s == nil || !close(*s, core/all) {
			t.Errorf("%q: Core20 population share %v, from the files %g", place, s, core/all)
		}
	}
	_, _, page := get(t, srv, "/inequality")
	checkPage(t, "/inequality", page)
	for _, want := range []string{"<h1>Inequality by deprivation</h1>", "Rates by deprivation decile", "Slope index of inequality", "Core20 share", "/download/inequality.csv"} {
		if !strings.Contains(page, want) {
			t.Errorf("/inequality lacks %q", want)
		}
	}
	if status, _, csv := get(t, srv, "/download/inequality.csv"); status != 200 || !strings.Contains(csv, "core20_share.population") {
		t.Errorf("inequality.csv: %d", status)
	}
}
