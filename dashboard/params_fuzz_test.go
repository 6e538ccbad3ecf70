package dashboard

import (
	"errors"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"spdash/queries"
)

// FuzzQueryParameters feeds any query string to the parsers every page, API
// call and download use (the known-parameter check, the selection and the
// targeting inputs), with a fixed geography and data range. Whatever comes
// in: no panic; a refusal is a ParamError naming a parameter of the query;
// an acceptance is a selection and inputs inside their documented ranges.
// The seeds run with the unit tests; .ci/run also fuzzes for a bounded time:
//
//	go test ./dashboard -run '^$' -fuzz FuzzQueryParameters -fuzztime 5m
func FuzzQueryParameters(f *testing.F) {
	for _, seed := range []string{
		"", "level=pcn", "from=2025-01&to=2025-06&place=Y56&level=icb", "place=qwo&level=pcn&fy=2024-25",
		"place=E92000001&level=england", "from=2025-13", "from=2026-09&to=2023-10", "to=9999-99",
		"fy=2024-26", "fy=1999-00", "level=", "place=%27%3B+DROP+TABLE+areas%3B--", "budget=1e400",
		"budget=NaN", "budget=-0", "budget=0x10", "need_weight=5.0000001", "caseload_standard=0",
		"fte_cost=1e9&training_cost=.5", "budget=1&budget=2", "level=pcn&level=icb", "from=%E2%80%93",
		"place=%00", "unknown=1", "from=+2025-01", "budget=" + strings.Repeat("9", 5000),
	} {
		f.Add(seed)
	}
	geo := &queries.Geography{
		Regions: []queries.Place{{Code: "Y56", Name: "London", Level: queries.LevelRegion}},
		ICBs:    []queries.Place{{Code: "QWO", Name: "NHS West Yorkshire ICB", Level: queries.LevelICB}},
	}
	data := queries.DataRange{FirstMonth: time.Date(2023, 10, 1, 0, 0, 0, 0, time.UTC), LastMonth: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
		FinancialYears: []string{"2024-25", "2025-26"}, Areas: 3}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // echo hands handlers what parses; the rest never reaches them
		}
		refused := func(err error) {
			t.Helper()
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("%q: refused with %T %v, not a ParamError (would be a 500)", raw, err, err)
			}
			if _, named := q[pe.Param]; !named || pe.Message == "" {
				t.Fatalf("%q: the refusal names %q, not a parameter of the query, or says nothing: %v", raw, pe.Param, err)
			}
		}
		if err := checkKnown(q, selectionParams, targetingParams); err != nil {
			refused(err)
			return
		}
		sel, err := parseSelection(q, geo, data)
		if err != nil {
			refused(err)
		} else {
			if sel.From.After(sel.To) || sel.From.Day() != 1 || sel.To.Day() != 1 {
				t.Fatalf("%q: period %v to %v", raw, sel.From, sel.To)
			}
			if !slices.Contains([]string{queries.LevelRegion, queries.LevelICB, queries.LevelPCN}, sel.Level) {
				t.Fatalf("%q: level %q", raw, sel.Level)
			}
			if p, ok := geo.Lookup(sel.Place.Code); !ok || p.Code != sel.Place.Code {
				t.Fatalf("%q: place %+v is not England or a loaded place", raw, sel.Place)
			}
			if !fyPattern.MatchString(sel.FY) {
				t.Fatalf("%q: fy %q", raw, sel.FY)
			}
		}
		in, err := parseTargeting(q, queries.DefaultSettings)
		if err != nil {
			refused(err)
			return
		}
		for name, v := range map[string]float64{"budget": in.Budget, "caseload_standard": in.CaseloadStandard,
			"fte_cost": in.FTECost, "training_cost": in.TrainingCost, "need_weight": in.NeedWeight} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e12 {
				t.Fatalf("%q: %s = %v accepted", raw, name, v)
			}
		}
		if in.CaseloadStandard == 0 || in.FTECost == 0 || in.TrainingCost == 0 || in.NeedWeight > 5 {
			t.Fatalf("%q: inputs %+v outside METRICS.md's ranges", raw, in)
		}
	})
}
