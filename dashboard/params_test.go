package dashboard

import (
	"net/url"
	"testing"
	"time"

	"spdash/queries"
)

// A selection is marked Default when its period and financial year are the
// data's defaults, asked for or not: those read the builds the loader makes
// for the default period (queries/period.go). Any other period is not.
func TestTheDefaultPeriodIsMarked(t *testing.T) {
	geo := &queries.Geography{
		Regions: []queries.Place{{Code: "Y56", Name: "London", Level: queries.LevelRegion}},
		ICBs:    []queries.Place{{Code: "QWO", Name: "NHS West Yorkshire ICB", Level: queries.LevelICB}},
	}
	month := func(m string) time.Time { t, _ := time.Parse("2006-01", m); return t }
	data := queries.DataRange{FirstMonth: month("2023-10"), LastMonth: month("2026-09"), FinancialYears: []string{"2024-25", "2025-26"}, Areas: 3}
	for _, c := range []struct {
		query, from, to, fy string
		def                 bool
	}{
		{"", "2025-10", "2026-09", "2025-26", true},
		{"place=Y56&level=pcn", "2025-10", "2026-09", "2025-26", true},
		{"from=2025-10&to=2026-09&fy=2025-26", "2025-10", "2026-09", "2025-26", true},
		{"to=2026-09", "2025-10", "2026-09", "2025-26", true},
		{"to=2026-08", "2025-09", "2026-08", "2025-26", false},
		{"from=2025-11", "2025-11", "2026-09", "2025-26", false},
		{"fy=2024-25", "2025-10", "2026-09", "2024-25", false},
	} {
		q, _ := url.ParseQuery(c.query)
		sel, err := parseSelection(q, geo, data)
		if err != nil {
			t.Fatalf("%q: %v", c.query, err)
		}
		got := sel.From.Format("2006-01") + " " + sel.To.Format("2006-01") + " " + sel.FY
		if want := c.from + " " + c.to + " " + c.fy; got != want || sel.Default != c.def {
			t.Errorf("%q: %s, default %v; want %s, default %v", c.query, got, sel.Default, want, c.def)
		}
	}
	// Less than a year loaded: the default period is what there is.
	short := data
	short.FirstMonth = month("2026-04")
	if sel, err := parseSelection(url.Values{}, geo, short); err != nil || !sel.From.Equal(month("2026-04")) || !sel.Default {
		t.Fatalf("six months loaded: %v to %v, default %v, %v; want from 2026-04, default", sel.From, sel.To, sel.Default, err)
	}
	// The period before the default one keeps the mark: its sums are built too.
	sel, _ := parseSelection(url.Values{}, geo, data)
	if prev := queries.PreviousPeriod(sel); !prev.Default || prev.From.Format("2006-01") != "2024-10" || prev.To.Format("2006-01") != "2025-09" {
		t.Fatalf("the previous period: %v to %v, default %v", prev.From, prev.To, prev.Default)
	}
}
