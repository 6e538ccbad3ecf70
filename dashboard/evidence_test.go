package dashboard_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
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

// TestEvidenceEqualsR: on data the dashboard's own tests do not otherwise
// use (the national sample with another seed), every odds ratio, interval,
// p-value, n and dispersion of /api/v1/evidence equals R's glm() to 6
// significant figures, for England, a region and an ICB too small to
// estimate. The units are put together independently: from the CSV files
// by queries/recompute (which shares no code with queries) and areas.csv,
// and R fits them (queries/glm/testdata/reference.R).
func TestEvidenceEqualsR(t *testing.T) {
	rscript, err := exec.LookPath("Rscript")
	if err != nil {
		t.Fatal("this test needs R: scripts/install-deps r (apt-get install -y r-base-core)")
	}
	db, dir := freshSample(t, sample.Options{Seed: 2027, Scale: sample.National})
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer srv.Close()

	areas := readAreas(t, filepath.Join(dir, "areas.csv"))
	pcnsOf := map[string]int{}
	for _, a := range areas {
		pcnsOf[a["icb_code"]]++
	}
	var small, region string
	for icb, n := range pcnsOf {
		if n < queries.MinEvidenceUnits && (small == "" || icb < small) {
			small = icb
		}
	}
	region = areas[0]["region_code"]
	if small == "" {
		t.Fatal("the national sample has no ICB with fewer than 20 PCNs")
	}
	from, to := "2025-01", "2025-12"
	estimated, cannot := 0, 0
	for _, place := range []string{"", region, small} {
		status, _, body := get(t, srv, fmt.Sprintf("/api/v1/evidence?from=%s&to=%s&place=%s", from, to, place))
		if status != 200 {
			t.Fatalf("evidence for %q: %d %s", place, status, body)
		}
		var got dashboard.EvidenceResponse
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		_, period, err := recompute.Compute(dir, recompute.Selection{From: from, To: to, FY: "2024-25", Level: "pcn", Place: place})
		if err != nil {
			t.Fatal(err)
		}
		_, first, err := recompute.Compute(dir, recompute.Selection{From: from, To: from, FY: "2024-25", Level: "pcn", Place: place})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range queries.Outcomes {
			e := got.Outcomes[o]
			if e == nil {
				t.Fatalf("%q: no %s", place, o)
			}
			units := unitsFile(t, areas, period, first, o)
			if e.N != units.n {
				t.Errorf("%q %s: n = %d, independently %d", place, o, e.N, units.n)
			}
			if units.n < queries.MinEvidenceUnits {
				cannot++
				if e.Status != queries.CannotBeEstimated || e.OddsRatio != nil || e.CILow != nil || e.PValue != nil || e.Dispersion != nil || e.UnadjustedOddsRatio != nil {
					t.Errorf("%q %s: %d units, want cannot be estimated with every number null: %+v", place, o, units.n, e)
				}
				continue
			}
			out, err := exec.Command(rscript, "../queries/glm/testdata/reference.R", units.path).CombinedOutput()
			if err != nil {
				t.Fatalf("R: %v\n%s", err, out)
			}
			r := parseR(t, string(out))
			estimated++
			if e.Status != queries.Estimated {
				t.Errorf("%q %s: %s, R estimated it", place, o, e.Status)
				continue
			}
			for name, pair := range map[string][2]*float64{
				"odds_ratio": {e.OddsRatio, r["adjusted"]["or"]}, "ci_low": {e.CILow, r["adjusted"]["low"]}, "ci_high": {e.CIHigh, r["adjusted"]["high"]},
				"p_value": {e.PValue, r["adjusted"]["p"]}, "dispersion": {e.Dispersion, r["adjusted"]["phi"]},
				"unadjusted_odds_ratio": {e.UnadjustedOddsRatio, r["unadjusted"]["or"]},
				"unadjusted_ci_low":     {e.UnadjustedCILow, r["unadjusted"]["low"]}, "unadjusted_ci_high": {e.UnadjustedCIHigh, r["unadjusted"]["high"]},
			} {
				if pair[0] == nil || math.Abs(*pair[0]-*pair[1]) > 5e-7*math.Abs(*pair[1]) {
					t.Errorf("%q %s: %s = %v, R says %.10g", place, o, name, deref(pair[0]), *pair[1])
				}
			}
		}
	}
	if estimated == 0 || cannot == 0 {
		t.Errorf("%d outcomes estimated, %d not: the test needs both", estimated, cannot)
	}
	t.Logf("%d models equal R's to 6 significant figures; %d cannot be estimated, as independently", estimated, cannot)
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func readAreas(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

type units struct {
	path string
	n    int
}

// unitsFile writes METRICS.md's units for one outcome, in the layout
// reference.R reads: PCNs with a cohort, known deprivation and long-term
// sickness, and known coverage at the first month.
func unitsFile(t *testing.T, areas []map[string]string, period, first map[string]recompute.Figures, outcome string) units {
	t.Helper()
	var codes []string
	for code := range period {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	byCode := map[string]map[string]string{}
	for _, a := range areas {
		byCode[a["area_code"]] = a
	}
	var b strings.Builder
	b.WriteString("code,coverage,imd,lts,people,cohort\n")
	n := 0
	for _, code := range codes {
		v := period[code].Values
		cohort, people := v["outcomes."+outcome+".cohort"], v["outcomes."+outcome+".people"]
		cov := first[code].Values["work_training_coverage"]
		a := byCode[code]
		if cohort == nil || *cohort <= 0 || a["imd_score"] == "" || a["long_term_sick_rate"] == "" || cov == nil {
			continue
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s\n", code, strconv.FormatFloat(*cov, 'g', 17, 64), a["imd_score"], a["long_term_sick_rate"],
			strconv.FormatFloat(*people, 'f', -1, 64), strconv.FormatFloat(*cohort, 'f', -1, 64))
		n++
	}
	path := filepath.Join(t.TempDir(), outcome+".csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return units{path: path, n: n}
}

// parseR reads reference.R's lines: "adjusted beta=… or=… low=…".
func parseR(t *testing.T, out string) map[string]map[string]*float64 {
	t.Helper()
	res := map[string]map[string]*float64{}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || (fields[0] != "adjusted" && fields[0] != "unadjusted") {
			continue
		}
		m := map[string]*float64{}
		for _, f := range fields[1:] {
			k, v, _ := strings.Cut(f, "=")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("R output %q: %v", line, err)
			}
			m[k] = &x
		}
		res[fields[0]] = m
	}
	if res["adjusted"] == nil || res["unadjusted"] == nil {
		t.Fatalf("R said: %s", out)
	}
	return res
}
