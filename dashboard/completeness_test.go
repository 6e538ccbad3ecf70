package dashboard_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"spdash/dashboard"
	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries/testdb"
)

// TestCompletenessAgainstTheFiles: the sample's activity with returns taken
// out (one ICB's last month mostly missing, a provider of another PCN
// stopping half-way), loaded; /api/v1/completeness equals METRICS.md's
// definition worked out here from the file; pages warn that the ICB's
// latest month is incomplete, and /data-quality lists it.
func TestCompletenessAgainstTheFiles(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 31, Scale: sample.Demo, Months: 14, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	areas := readAreas(t, filepath.Join(dir, "areas.csv"))
	icbOf := map[string]string{}
	for _, a := range areas {
		icbOf[a["area_code"]] = a["icb_code"]
	}
	gappy := areas[0]["icb_code"]
	stopper := areas[len(areas)-1]["area_code"]
	rows := readCSVFile(t, filepath.Join(dir, "activity.csv"))
	header, kept := rows[0], [][]string{}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	stoppedProvider := ""
	for i, r := range rows[1:] {
		month, area, provider := r[col["month"]], r[col["area_code"]], r[col["provider_code"]]
		if month == "2025-06" && icbOf[area] == gappy && i%5 != 0 {
			continue // most of the ICB's last month has not arrived
		}
		if area == stopper && month >= "2025-02" {
			if stoppedProvider == "" {
				stoppedProvider = provider
			}
			if provider == stoppedProvider {
				continue // one provider stops returning
			}
		}
		kept = append(kept, r)
	}
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range kept {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "activity.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, dir)
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet}))
	defer srv.Close()

	// METRICS.md, from the file: providers by PCN and month.
	has := map[string]map[string]bool{} // pcn|month -> providers
	for _, r := range kept {
		k := r[col["area_code"]] + "|" + r[col["month"]]
		if has[k] == nil {
			has[k] = map[string]bool{}
		}
		has[k][r[col["provider_code"]]] = true
	}
	prev := func(month string, back int) string {
		var y, m int
		fmt.Sscanf(month, "%d-%d", &y, &m)
		m -= back
		for m < 1 {
			m += 12
			y--
		}
		return fmt.Sprintf("%04d-%02d", y, m)
	}
	want := map[string][2]int{} // icb|month -> expected, received
	for _, a := range areas {
		pcn := a["area_code"]
		for _, month := range []string{"2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"} {
			expected := map[string]bool{}
			for back := 1; back <= 3; back++ {
				for p := range has[pcn+"|"+prev(month, back)] {
					expected[p] = true
				}
			}
			e, r := want[a["icb_code"]+"|"+month][0]+len(expected), want[a["icb_code"]+"|"+month][1]
			for p := range expected {
				if has[pcn+"|"+month][p] {
					r++
				}
			}
			want[a["icb_code"]+"|"+month] = [2]int{e, r}
		}
	}
	status, _, body := get(t, srv, "/api/v1/completeness?from=2025-01&to=2025-06&level=icb")
	if status != 200 {
		t.Fatalf("completeness API: %d %s", status, body)
	}
	var got dashboard.CompletenessResponse
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	seen := 0
	answered := map[string]bool{}
	for _, a := range got.Areas {
		for _, r := range a.Months {
			answered[a.Code+"|"+r.MonthText] = true
			w := want[a.Code+"|"+r.MonthText]
			if r.Expected != w[0] || r.Received != w[1] {
				t.Errorf("%s %s: %d of %d, from the file %d of %d", a.Code, r.MonthText, r.Received, r.Expected, w[1], w[0])
			}
			seen++
		}
	}
	for k, w := range want {
		if w[0] > 0 && !answered[k] {
			t.Errorf("%s: %d expected in the file, absent from the answer", k, w[0])
		}
	}
	if seen == 0 || len(got.Incomplete) == 0 {
		t.Fatalf("%d area-months, %d incomplete: the test's gaps did not show", seen, len(got.Incomplete))
	}
	var low []string
	for _, m := range got.Incomplete {
		low = append(low, m.Code+" "+m.Month)
	}
	sort.Strings(low)
	if !strings.Contains(strings.Join(low, ","), gappy+" 2025-06") {
		t.Errorf("incomplete %v lacks %s 2025-06", low, gappy)
	}

	// Pages warn for the ICB's incomplete latest month, not for a complete one.
	_, _, page := get(t, srv, "/capacity?from=2025-01&to=2025-06&place="+gappy)
	if !strings.Contains(page, "Incomplete month.") || !strings.Contains(page, "Jun 2025 is incomplete for") {
		t.Errorf("the capacity page of %s does not warn of June", gappy)
	}
	if _, _, page := get(t, srv, "/capacity?from=2025-01&to=2025-05&place="+gappy); strings.Contains(page, "Incomplete month.") {
		t.Errorf("a complete latest month is warned of")
	}
	if !strings.Contains(page, "Latest load of each kind: activity") {
		t.Errorf("the page does not say when each kind was loaded")
	}
	_, _, dq := get(t, srv, "/data-quality?from=2025-01&to=2025-06&place="+gappy+"&level=pcn")
	for _, w := range []string{"<h1>Data quality: completeness of returns</h1>", "Months and areas below 90%", "Jun 2025", "⚠", "/download/completeness.csv"} {
		if !strings.Contains(dq, w) {
			t.Errorf("/data-quality lacks %q", w)
		}
	}
	checkPage(t, "/data-quality", dq)
	// The default period (its months come from the data's range) too.
	_, _, def := get(t, srv, "/api/v1/completeness?level=icb")
	var dflt dashboard.CompletenessResponse
	if err := json.Unmarshal([]byte(def), &dflt); err != nil || len(dflt.Areas) == 0 || dflt.Months[len(dflt.Months)-1].Expected == 0 {
		t.Errorf("the default period: %v, %d areas, months %+v", err, len(dflt.Areas), dflt.Months)
	}
	csvStatus, _, csvBody := get(t, srv, "/download/completeness.csv?from=2025-01&to=2025-06&level=icb")
	if csvStatus != 200 || !strings.HasPrefix(csvBody, "code,name,level,parent_code,parent_name,month,expected,received,completeness") {
		t.Errorf("completeness.csv: %d %.200s", csvStatus, csvBody)
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		out = append(out, strings.Split(line, ","))
	}
	return out
}
