package queries_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// sameAsEncodingJSON fails unless a.AppendJSON writes exactly what
// encoding/json does for a.
func sameAsEncodingJSON(t *testing.T, a *queries.AreaMetrics) {
	t.Helper()
	want, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("x,")
	got := a.AppendJSON(prefix[:len(prefix):len(prefix)])
	if string(got[:len(prefix)]) != string(prefix) {
		t.Fatalf("%s: AppendJSON changed what came before", a.Code)
	}
	if got := string(got[len(prefix):]); got != string(want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: AppendJSON differs from encoding/json at byte %d:\n got …%.80s\nwant …%.80s", a.Code, i, got[max(0, i-20):], want[max(0, i-20):])
	}
}

// AppendJSON writes every area of a real report (PCN level, with disclosure
// control on and off, with and without the recent trends the API adds)
// byte for byte as encoding/json does.
func TestAppendJSONIsEncodingJSONs(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 21, Scale: sample.Demo}); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, dir)
	data, err := db.Range(ctx, queries.DataAsOf{})
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(data.LastMonth.Year(), data.LastMonth.Month(), 1, 0, 0, 0, 0, time.UTC)
	sel := queries.Selection{From: last.AddDate(0, -11, 0), To: last, Place: queries.England, Level: queries.LevelPCN, FY: data.FinancialYears[0]}
	var withheld, suppressed, compared int
	for _, disclose := range []bool{false, true} {
		req := queries.Request{Selection: sel, Settings: queries.DefaultSettings, Disclose: disclose}
		rep, err := db.Metrics(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		trends, err := db.AreaTrends(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Areas) < 10 {
			t.Fatalf("%d PCNs in the report", len(rep.Areas))
		}
		for i := range rep.Areas {
			a := rep.Areas[i]
			sameAsEncodingJSON(t, &a)
			a.Metrics = queries.WithTrends(a.Metrics, trends[a.Code])
			sameAsEncodingJSON(t, &a)
			eachIsInTheJSON(t, &a)
			a.Metrics.Each(func(_ string, f queries.Figure) {
				if f.IsWithheld() {
					withheld++
				}
			})
			suppressed += len(a.Suppressed)
			for _, o := range a.Outcomes {
				if o.Compared != nil {
					compared++
				}
			}
		}
		eng := queries.AreaMetrics{Code: queries.EnglandCode, Name: "England", Metrics: rep.England}
		sameAsEncodingJSON(t, &eng)
	}
	if withheld == 0 || suppressed == 0 || compared == 0 {
		t.Errorf("the report had %d withheld figures, %d suppressed names and %d comparisons: the check did not see them all", withheld, suppressed, compared)
	}
}

// eachIsInTheJSON fails unless every figure Each names is in a's JSON at
// that name's path, with its value (null where it has none).
func eachIsInTheJSON(t *testing.T, a *queries.AreaMetrics) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(a.AppendJSON(nil), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	a.Metrics.Each(func(name string, f queries.Figure) {
		n++
		var at any = doc
		for _, key := range strings.Split(name, ".") {
			obj, ok := at.(map[string]any)
			if at == nil && !f.IsKnown() {
				break // a part of the answer that is null: its figures are unknown
			}
			if !ok {
				t.Fatalf("%s: %s is not in the JSON", a.Code, name)
			}
			if at, ok = obj[key]; !ok {
				t.Fatalf("%s: %s is not in the JSON", a.Code, name)
			}
		}
		v, known := f.Value()
		if got, isNum := at.(float64); known != isNum || (known && got != v) {
			t.Fatalf("%s: %s is %v in the JSON, %v in Each", a.Code, name, at, f)
		}
	})
	if n < 100 {
		t.Fatalf("%s: Each gave %d figures", a.Code, n)
	}
}

// Awkward values: strings encoding/json escapes, figures that are not
// finite, nil and empty maps and lists, nil parts, a withheld comparison.
func TestAppendJSONAwkwardValues(t *testing.T) {
	var higher, hidden queries.Comparison
	if err := json.Unmarshal([]byte(`"higher"`), &higher); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`null`), &hidden); err != nil {
		t.Fatal(err)
	}
	month := "2026-09"
	for _, a := range []queries.AreaMetrics{
		{},
		{Code: "U1", Name: `Bath & "North" <East> Somerset \ é ✓ ` + "\u2028\t\x01\xff", ParentCode: "Q<1>", ParentName: "plain",
			Metrics: queries.Metrics{
				Population: queries.Known(math.NaN()), Referrals: queries.Known(math.Inf(1)), Accepted: queries.Known(-0.0),
				FTE: queries.Known(1e21), Headcount: queries.Known(1e-7), Caseload: queries.Known(123456789.125),
				FundingByStream: map[string]queries.Figure{}, Training: map[string]*queries.ModuleCoverage{"b": nil, "a": {Trend: "↑ & <"}},
				Outcomes:    map[string]*queries.OutcomeRate{"x": {Compared: &hidden}, "y": {Compared: &higher, Trend: "same"}, "z": nil},
				CensusMonth: &month, SPAppointments: &queries.Appointments{Attended: queries.Known(3), DNA: queries.Withheld()},
				Suppressed: []string{"referrals", "outcomes.x.people"}, PCNs: -3, FundingReturns: 1 << 40,
			}},
		{Code: "U2", Metrics: queries.Metrics{Suppressed: []string{}, FundingByStream: map[string]queries.Figure{"icb": queries.Withheld(), "arrs": queries.Known(2.5)}}},
	} {
		sameAsEncodingJSON(t, &a)
	}
}
