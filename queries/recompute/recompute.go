// Package recompute is an independent computation of METRICS.md straight
// from the CSV files, for tests: it shares no code with the queries package
// (no SQL, no derive), so a test can hold the API's figures against it.
//
// Figures are flattened to names like the API's JSON paths:
// "referrals", "training.employment_support.coverage",
// "outcomes.entered_employment.ci_low". A nil value is unknown.
package recompute

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// Selection is what to compute: months YYYY-MM inclusive, a financial year
// YYYY-YY, the level of the areas (region, icb or pcn) and the place ("" for
// England, or a region or ICB code).
type Selection struct {
	From, To, FY, Level, Place string
}

// Figures are one area's figures by name, plus its outcome comparisons.
type Figures struct {
	Values   map[string]*float64
	Compared map[string]string // outcome -> higher, lower, similar, not compared
}

type sums struct {
	population, imdWeighted, imdPopulation                   float64
	referrals, accepted, supported, fte, headcount, caseload float64
	waits                                                    []float64
	inPost, trained, people, cohort, fyPeople                map[string]float64
	funding                                                  float64
	hasFunding, hasLatestReturn                              bool
	streams                                                  map[string]float64
	pcns                                                     float64
	funded                                                   map[string]bool // PCNs with a funding row for the year
}

func newSums() *sums {
	return &sums{streams: map[string]float64{}, inPost: map[string]float64{}, trained: map[string]float64{}, people: map[string]float64{},
		cohort: map[string]float64{}, fyPeople: map[string]float64{}, funded: map[string]bool{}}
}

var outcomes = []string{"entered_employment", "retained_employment", "started_job_search",
	"entered_education_training", "entered_volunteering", "improved_work_readiness", "improved_wellbeing"}

// Compute returns England's figures and each area's at the selection's level.
func Compute(dir string, sel Selection) (england Figures, areas map[string]Figures, err error) {
	areaOf := map[string]string{} // PCN -> code at the level
	inPlace := map[string]bool{}
	all := map[string]*sums{}
	eng := newSums()
	get := func(code string) *sums {
		if all[code] == nil {
			all[code] = newSums()
		}
		return all[code]
	}
	if err := each(dir, "areas", func(r map[string]string) {
		pcn := r["area_code"]
		code := map[string]string{"region": r["region_code"], "icb": r["icb_code"], "pcn": pcn}[sel.Level]
		areaOf[pcn] = code
		inPlace[pcn] = sel.Place == "" || r["region_code"] == sel.Place || r["icb_code"] == sel.Place
		for _, s := range []*sums{eng, get(code)} {
			if s != eng && !inPlace[pcn] {
				continue
			}
			s.population += num(r["population"])
			s.pcns++
			if r["imd_score"] != "" {
				s.imdWeighted += num(r["population"]) * num(r["imd_score"])
				s.imdPopulation += num(r["population"])
			}
		}
	}); err != nil {
		return england, nil, err
	}
	for code := range all {
		keep := false
		for pcn, c := range areaOf {
			if c == code && inPlace[pcn] {
				keep = true
			}
		}
		if !keep {
			delete(all, code)
		}
	}
	// targets are the sums a PCN's row adds to: England's, and its area's when in the place.
	targets := func(pcn string) []*sums {
		out := []*sums{eng}
		if s, ok := all[areaOf[pcn]]; ok && inPlace[pcn] {
			out = append(out, s)
		}
		return out
	}
	fyStart, _ := strconv.Atoi(sel.FY[:4])
	fyFrom, fyTo := fmt.Sprintf("%04d-04", fyStart), fmt.Sprintf("%04d-03", fyStart+1)

	steps := []struct {
		kind string
		add  func(r map[string]string, s *sums)
	}{
		{"activity", func(r map[string]string, s *sums) {
			if r["month"] < sel.From || r["month"] > sel.To {
				return
			}
			s.referrals += num(r["referrals_received"])
			s.accepted += num(r["referrals_accepted"])
			s.supported += num(r["people_supported"])
			if r["month"] == sel.To { // stocks at the latest month only
				s.hasLatestReturn = true
				s.fte += num(r["link_worker_fte"])
				s.headcount += num(r["link_worker_headcount"])
				s.caseload += num(r["active_caseload"])
			}
			if r["median_wait_days"] != "" {
				s.waits = append(s.waits, num(r["median_wait_days"]))
			}
		}},
		{"training", func(r map[string]string, s *sums) {
			if r["month"] == sel.To {
				s.inPost[r["module"]] += num(r["staff_in_post"])
				s.trained[r["module"]] += num(r["staff_trained"])
			}
		}},
		{"outcomes", func(r map[string]string, s *sums) {
			if r["month"] >= sel.From && r["month"] <= sel.To {
				s.people[r["outcome"]] += num(r["people"])
				s.cohort[r["outcome"]] += num(r["cohort"])
			}
			if r["month"] >= fyFrom && r["month"] <= fyTo {
				s.fyPeople[r["outcome"]] += num(r["people"])
			}
		}},
		{"funding", func(r map[string]string, s *sums) {
			if r["financial_year"] == sel.FY {
				s.funding += num(r["amount_gbp"])
				s.streams[r["stream"]] += num(r["amount_gbp"])
				s.hasFunding = true
				s.funded[r["area_code"]] = true
			}
		}},
	}
	for _, st := range steps {
		if err := each(dir, st.kind, func(r map[string]string) {
			for _, s := range targets(r["area_code"]) {
				st.add(r, s)
			}
		}); err != nil {
			return england, nil, err
		}
	}

	months := monthsBetween(sel.From, sel.To)
	england = figures(eng, months, nil)
	areas = map[string]Figures{}
	for code, s := range all {
		areas[code] = figures(s, months, eng)
	}
	// The published files, England under the code "".
	out := map[string]Figures{"": england}
	population, hasLatestReturn, fte := map[string]float64{"": eng.population}, map[string]bool{"": eng.hasLatestReturn}, map[string]float64{"": eng.fte}
	for code, f := range areas {
		out[code] = f
		population[code], hasLatestReturn[code], fte[code] = all[code].population, all[code].hasLatestReturn, all[code].fte
	}
	codeOf := func(pcn string) []string {
		code, known := areaOf[pcn]
		if !known {
			return nil
		}
		if _, ok := all[code]; ok && inPlace[pcn] {
			return []string{"", code}
		}
		return []string{""}
	}
	if err := published(dir, sel, codeOf, population, hasLatestReturn, fte, out); err != nil {
		return england, nil, err
	}
	return england, areas, nil
}

func monthsBetween(from, to string) int {
	fy, _ := strconv.Atoi(from[:4])
	fm, _ := strconv.Atoi(from[5:])
	ty, _ := strconv.Atoi(to[:4])
	tm, _ := strconv.Atoi(to[5:])
	return (ty-fy)*12 + tm - fm + 1
}

func val(v float64) *float64 { return &v }

func div(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	return val(a / b)
}

// wilson is the Wilson score interval, written from its textbook form.
func wilson(x, n, z float64) (float64, float64) {
	p := x / n
	mid := (2*n*p + z*z) / (2 * (n + z*z))
	spread := z * math.Sqrt(z*z+4*n*p*(1-p)) / (2 * (n + z*z))
	return mid - spread, mid + spread
}

func figures(s *sums, months int, england *sums) Figures {
	f := Figures{Values: map[string]*float64{}, Compared: map[string]string{}}
	v := f.Values
	v["population"] = val(s.population)
	v["pcns"], v["pcns_with_funding"] = val(s.pcns), val(float64(len(s.funded)))
	v["referrals"], v["accepted"], v["people_supported"] = val(s.referrals), val(s.accepted), val(s.supported)
	v["fte"], v["headcount"], v["caseload"] = val(s.fte), val(s.headcount), val(s.caseload)
	v["fte_per_100k"] = div(s.fte*100000, s.population)
	v["caseload_per_fte"] = div(s.caseload, s.fte)
	annual := s.accepted * 12 / float64(months)
	v["annual_accepted"] = val(annual)
	v["capacity_gap_fte"] = val(math.Max(0, annual/250-s.fte))
	v["median_wait_days"] = nil
	if n := len(s.waits); n > 0 {
		w := append([]float64(nil), s.waits...)
		sort.Float64s(w)
		if n%2 == 1 {
			v["median_wait_days"] = val(w[n/2])
		} else {
			v["median_wait_days"] = val((w[n/2-1] + w[n/2]) / 2)
		}
	}
	for m, in := range s.inPost {
		v["training."+m+".in_post"] = val(in)
		v["training."+m+".trained"] = val(s.trained[m])
		v["training."+m+".coverage"] = div(s.trained[m], in)
	}
	v["work_training_coverage"] = div(s.trained["employment_support"], s.inPost["employment_support"])
	v["untrained_staff"] = val(s.inPost["employment_support"] - s.trained["employment_support"])
	v["funding"], v["funding_per_1k"] = nil, nil // no funding row for the year: unknown, not £0
	for _, st := range []string{"arrs", "icb", "local_authority", "charity", "other"} {
		v["funding_by_stream."+st] = nil
		if s.hasFunding {
			v["funding_by_stream."+st] = val(s.streams[st])
		}
	}
	if s.hasFunding {
		v["funding"] = val(s.funding)
		v["funding_per_1k"] = div(s.funding*1000, s.population)
	}
	v["imd_score"] = div(s.imdWeighted, s.imdPopulation)
	for _, o := range outcomes {
		p := "outcomes." + o + "."
		x, n := s.people[o], s.cohort[o]
		v[p+"people"], v[p+"cohort"] = val(x), val(n)
		v[p+"rate"], v[p+"ci_low"], v[p+"ci_high"], v[p+"ci99_low"], v[p+"ci99_high"] = div(x, n), nil, nil, nil, nil
		if n > 0 {
			lo, hi := wilson(x, n, 1.959964)
			v[p+"ci_low"], v[p+"ci_high"] = val(lo), val(hi)
			lo, hi = wilson(x, n, 3.090232)
			v[p+"ci99_low"], v[p+"ci99_high"] = val(lo), val(hi)
		}
		v[p+"cost_per_outcome"] = nil
		if s.fyPeople[o] > 0 && s.funding > 0 {
			v[p+"cost_per_outcome"] = val(s.funding / s.fyPeople[o])
		}
		if england == nil {
			continue
		}
		e := england.people[o] / england.cohort[o]
		switch {
		case n < 10 || n == 0:
			f.Compared[o] = "not compared"
		case *v[p+"ci_low"] > e:
			f.Compared[o] = "higher"
		case *v[p+"ci_high"] < e:
			f.Compared[o] = "lower"
		default:
			f.Compared[o] = "similar"
		}
	}
	return f
}

func num(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// each calls fn for every row of DIR/KIND.csv as a map from column to value.
func each(dir, kind string, fn func(map[string]string)) error {
	f, err := os.Open(filepath.Join(dir, kind+".csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return err
	}
	row := map[string]string{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		for i, h := range header {
			row[h] = rec[i]
		}
		fn(row)
	}
}
