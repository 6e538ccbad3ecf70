package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"

	"spdash/dashboard"
	"spdash/etl"
	"spdash/etl/sample"
	"spdash/queries/recompute"
	"spdash/queries/testdb"
)

// flatten turns an API metrics object into named leaves, as recompute names
// them: numbers (nil for null) and the outcomes' comparisons.
func flatten(prefix string, obj map[string]any, values map[string]*float64, compared map[string]string) {
	for k, v := range obj {
		switch k {
		case "code", "name", "parent_code", "parent_name", "suppressed", "trend": // trends: TestTrendsAgainstTheFiles
			continue
		}
		name := prefix + k
		switch x := v.(type) {
		case map[string]any:
			flatten(name+".", x, values, compared)
		case float64:
			values[name] = &x
		case nil:
			values[name] = nil
		case string:
			switch k {
			case "compared":
				compared[prefix[len("outcomes."):len(prefix)-1]] = x
			case "census_month":
				compared[k] = x
			default:
				values[name] = nil // a string where a number belongs: reported below
			}
		}
	}
}

func sixFigures(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 5e-7*math.Max(math.Abs(a), math.Abs(b))
}

func compareFigures(t *testing.T, who string, got map[string]*float64, gotCompared map[string]string, want recompute.Figures) {
	t.Helper()
	var names []string
	for n := range want.Values {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want.Values[n]; !ok {
			t.Errorf("%s: the API gives %s, which the recomputation does not know", who, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		w, g := want.Values[n], got[n]
		if _, present := got[n]; !present {
			t.Errorf("%s: the API lacks %s", who, n)
			continue
		}
		switch {
		case w == nil && g != nil:
			t.Errorf("%s %s = %v, want unknown", who, n, *g)
		case w != nil && g == nil:
			t.Errorf("%s %s unknown, want %.9g", who, n, *w)
		case w != nil && !sixFigures(*g, *w):
			t.Errorf("%s %s = %.9g, want %.9g", who, n, *g, *w)
		}
	}
	for o, w := range want.Compared {
		if gotCompared[o] != w {
			t.Errorf("%s %s compared = %q, want %q", who, o, gotCompared[o], w)
		}
	}
	if _, given := gotCompared["census_month"]; given {
		if _, known := want.Compared["census_month"]; !known {
			t.Errorf("%s: the API gives census month %s, the recomputation none", who, gotCompared["census_month"])
		}
	}
}

// The API agrees with an independent recomputation of METRICS.md from the
// files, to 6 significant figures, on every figure it returns.
func TestAPIAgreesWithIndependentRecomputation(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 77, Scale: sample.Demo, Months: 24, End: "2025-12"}); err != nil {
		t.Fatal(err)
	}
	pl, _ := etl.NewProblemLog(io.Discard, filepath.Join(t.TempDir(), "r.csv"), false)
	files, _ := etl.ExpandPaths([]string{dir}, nil)
	if _, err := (&etl.Loader{DB: db, Problems: pl, Log: quiet}).LoadAll(ctx, files, io.Discard); err != nil {
		t.Fatal(err)
	}
	geo, err := db.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(dashboard.New(dashboard.Options{DB: db, Log: quiet, DisclosureOff: true}))
	defer srv.Close()

	for _, sel := range []recompute.Selection{
		{From: "2025-01", To: "2025-12", FY: "2024-25", Level: "icb"},
		{From: "2025-06", To: "2025-08", FY: "2025-26", Level: "pcn", Place: geo.Regions[0].Code},
		{From: "2024-02", To: "2024-02", FY: "2023-24", Level: "region"},
	} {
		t.Run(fmt.Sprintf("%s..%s %s %s", sel.From, sel.To, sel.Place, sel.Level), func(t *testing.T) {
			wantEngland, wantAreas, err := recompute.Compute(dir, sel)
			if err != nil {
				t.Fatal(err)
			}
			url := fmt.Sprintf("/api/v1/metrics?from=%s&to=%s&fy=%s&level=%s", sel.From, sel.To, sel.FY, sel.Level)
			if sel.Place != "" {
				url += "&place=" + sel.Place
			}
			status, _, body := get(t, srv, url)
			if status != 200 {
				t.Fatalf("%s: %d %s", url, status, body)
			}
			var doc struct {
				England map[string]any   `json:"england"`
				Areas   []map[string]any `json:"areas"`
			}
			if err := json.Unmarshal([]byte(body), &doc); err != nil {
				t.Fatal(err)
			}
			got, gotCompared := map[string]*float64{}, map[string]string{}
			flatten("", doc.England, got, gotCompared)
			compareFigures(t, "England", got, gotCompared, wantEngland)
			if len(doc.Areas) != len(wantAreas) {
				t.Fatalf("%d areas from the API, %d recomputed", len(doc.Areas), len(wantAreas))
			}
			for _, a := range doc.Areas {
				code, _ := a["code"].(string)
				want, ok := wantAreas[code]
				if !ok {
					t.Fatalf("the API gives area %s, not in the recomputation", code)
				}
				got, gotCompared := map[string]*float64{}, map[string]string{}
				flatten("", a, got, gotCompared)
				compareFigures(t, code, got, gotCompared, want)
			}
		})
	}
}
