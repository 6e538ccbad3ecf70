package dashboard_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"spdash/dashboard"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/recompute"
)

// TestTrendsAgainstTheFiles: every area's `trend` in /api/v1/metrics (ICBs
// of England, and England's own) is the category METRICS.md's test gives
// from the months' counts worked out here from the files (queries/recompute
// month by month) and classified by a separate implementation.
func TestTrendsAgainstTheFiles(t *testing.T) {
	db, dir := freshSample(t, sample.Options{Seed: 313, Scale: sample.Demo, Months: 24, End: "2026-06"})
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer srv.Close()

	months := []string{"2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}
	measures := map[string][2]string{"work_training_coverage": {"training.employment_support.trained", "training.employment_support.in_post"}}
	for _, o := range queries.Outcomes {
		measures["outcomes."+o+".rate"] = [2]string{"outcomes." + o + ".people", "outcomes." + o + ".cohort"}
	}
	x := map[string]map[string][]float64{} // area|measure -> counts
	n := map[string]map[string][]float64{}
	for i, m := range months {
		england, icbs, err := recompute.Compute(dir, recompute.Selection{From: m, To: m, FY: "2025-26", Level: "icb"})
		if err != nil {
			t.Fatal(err)
		}
		icbs[queries.EnglandCode] = england
		for code, f := range icbs {
			for meas, parts := range measures {
				key := code + "|" + meas
				if x[key] == nil {
					x[key], n[key] = map[string][]float64{"": make([]float64, len(months))}, map[string][]float64{"": make([]float64, len(months))}
				}
				if v := f.Values[parts[0]]; v != nil {
					x[key][""][i] = *v
				}
				if v := f.Values[parts[1]]; v != nil {
					n[key][""][i] = *v
				}
			}
		}
	}
	status, _, body := get(t, srv, "/api/v1/metrics?from=2025-07&to=2026-06&level=icb")
	if status != 200 {
		t.Fatalf("metrics: %d", status)
	}
	type rates struct {
		Training map[string]struct {
			Trend string `json:"trend"`
		} `json:"training"`
		Outcomes map[string]struct {
			Trend string `json:"trend"`
		} `json:"outcomes"`
	}
	var got struct {
		England rates `json:"england"`
		Areas   []struct {
			Code string `json:"code"`
			rates
		} `json:"areas"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	all := append([]struct {
		Code string `json:"code"`
		rates
	}{{Code: queries.EnglandCode, rates: got.England}}, got.Areas...)
	seen := map[string]int{}
	for _, a := range all {
		for meas := range measures {
			var trend string
			if meas == "work_training_coverage" {
				trend = a.Training[queries.WorkModule].Trend
			} else {
				trend = a.Outcomes[meas[len("outcomes."):len(meas)-len(".rate")]].Trend
			}
			want := armitage(x[a.Code+"|"+meas][""], n[a.Code+"|"+meas][""])
			if trend != want {
				t.Errorf("%s %s: %q, from the files %q", a.Code, meas, trend, want)
			}
			seen[want]++
		}
	}
	if seen[queries.TrendIncreasing]+seen[queries.TrendDecreasing] == 0 || seen[queries.TrendNoChange] == 0 {
		t.Errorf("categories seen %v: the test needs a significant trend and no change", seen)
	}
	t.Logf("trends checked: %v", seen)
}

// armitage is METRICS.md's recent trend, written apart from queries'.
func armitage(x, n []float64) string {
	var ts []int
	for i := range n {
		if n[i] > 0 {
			ts = append(ts, i)
		}
	}
	if len(ts) < 5 {
		return "cannot be calculated"
	}
	d := func(leave int) (float64, float64, float64, float64) {
		var N, X, T1, T2, T3 float64
		for _, i := range ts {
			if i == leave {
				continue
			}
			t := float64(i + 1)
			N, X, T1, T2, T3 = N+n[i], X+x[i], T1+x[i]*t, T2+n[i]*t, T3+n[i]*t*t
		}
		return N*T1 - X*T2, N, X, N*T3 - T2*T2
	}
	D, N, X, spread := d(-1)
	if X == 0 || X == N || spread == 0 {
		return "no significant change"
	}
	if N*D*D/(X*(N-X)*spread) <= 3.090232*3.090232 {
		return "no significant change"
	}
	for _, i := range ts {
		if Di, _, _, _ := d(i); Di == 0 || (Di > 0) != (D > 0) {
			return "no significant change"
		}
	}
	if D > 0 {
		return "increasing"
	}
	return fmt.Sprint("decreasing")
}
