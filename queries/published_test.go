package queries_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"spdash/etl/etltest"
	"spdash/queries"
	"spdash/queries/testdb"
)

// The published files' figures from the real samples, loaded as a new user
// would (the sample areas and the two files as downloaded, nothing else),
// equal EXPECTED.md at every level; headcount counts people, not PCNs.
func TestPublishedFigures(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	e := etltest.ReadExpected(t)
	etltest.MustLoad(t, db, etltest.PublishedSamples(t))
	rng, err := db.Range(ctx, queries.DataAsOf{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rng.FirstMonth.Format("2006-01") + " " + rng.LastMonth.Format("2006-01"); got != "2025-10 2025-11" {
		t.Fatalf("data range %s, want the published months 2025-10 2025-11", got)
	}
	sel := queries.Selection{From: rng.FirstMonth, To: rng.LastMonth, Place: queries.England, Level: queries.LevelPCN}
	metrics := func(sel queries.Selection, disclose bool) *queries.Report {
		rep, err := db.Metrics(ctx, queries.Request{Selection: sel, Settings: queries.DefaultSettings, Disclose: disclose})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	near := func(f queries.Figure, want float64) bool {
		v, ok := f.Value()
		return ok && math.Abs(v-want) < 1e-6
	}
	value := func(f queries.Figure) float64 { v, _ := f.Value(); return v }

	exact, shown := metrics(sel, false), metrics(sel, true)
	for i, a := range exact.Areas {
		m, ctl := a.Metrics, shown.Areas[i].Metrics
		if !near(m.CensusFTE, e.FTE[a.Code]) || !near(m.CensusFTEMentalHealth, e.FTEMH[a.Code]) || !near(m.CensusHeadcount, e.HC[a.Code]) {
			t.Errorf("%s: census FTE %v (mental health %v), headcount %v; EXPECTED.md %g (%g), %g",
				a.Code, m.CensusFTE, m.CensusFTEMentalHealth, m.CensusHeadcount, e.FTE[a.Code], e.FTEMH[a.Code], e.HC[a.Code])
		}
		if m.CensusMonth == nil || *m.CensusMonth != "2025-11" {
			t.Errorf("%s: census month %v, want 2025-11", a.Code, m.CensusMonth)
		}
		// No returns were loaded: nothing to compare the census with.
		if m.FTEDifference.IsKnown() || m.FTEDifferenceShare.IsKnown() {
			t.Errorf("%s: fte_difference %v without a return", a.Code, m.FTEDifference)
		}
		attended, inSample := e.Attended[a.Code]
		if !inSample {
			if m.SPAppointments != nil || m.DNARate.IsKnown() {
				t.Errorf("%s is not in the appointments sample but has appointments %+v", a.Code, m.SPAppointments)
			}
			continue
		}
		dna, unknown := e.DNA[a.Code], e.Unknown[a.Code]
		if m.SPAppointments == nil || !near(m.SPAppointments.Attended, attended) || !near(m.SPAppointments.DNA, dna) || !near(m.SPAppointments.Unknown, unknown) {
			t.Fatalf("%s: appointments %+v; EXPECTED.md %g, %g, %g", a.Code, m.SPAppointments, attended, dna, unknown)
		}
		// One month of appointments: a yearly rate is 12 times the month's.
		if want := (attended + dna + unknown) / value(m.Population) * 1000 * 12; !near(m.SPAppointmentsPer1k, want) {
			t.Errorf("%s: appointments per 1,000 a year %v, want %g", a.Code, m.SPAppointmentsPer1k, want)
		}
		if !near(m.DNARate, dna/(attended+dna)) {
			t.Errorf("%s: DNA rate %v, want %g", a.Code, m.DNARate, dna/(attended+dna))
		}
		// Disclosure control: counts of service use rounded or withheld,
		// the rates from the counts as shown; workforce as it is.
		for _, c := range []struct {
			got  queries.Figure
			want float64
		}{{ctl.SPAppointments.Attended, attended}, {ctl.SPAppointments.DNA, dna}, {ctl.SPAppointments.Unknown, unknown}} {
			r, ok := queries.ControlCount(c.want)
			if ok != c.got.IsKnown() || (ok && !near(c.got, r)) {
				t.Errorf("%s: controlled count %v of %g, want %g (shown: %v)", a.Code, c.got, c.want, r, ok)
			}
		}
		if _, ok := queries.ControlCount(unknown); !ok && !ctl.SPAppointmentsPer1k.IsWithheld() {
			t.Errorf("%s: per 1,000 %v shown though a count it adds is withheld", a.Code, ctl.SPAppointmentsPer1k)
		}
		if !near(ctl.CensusFTE, e.FTE[a.Code]) {
			t.Errorf("%s: census FTE %v under disclosure control, want %g as it is", a.Code, ctl.CensusFTE, e.FTE[a.Code])
		}
	}

	sel.Level = queries.LevelICB
	icbs := metrics(sel, false)
	var england float64
	for _, a := range icbs.Areas {
		if !near(a.CensusFTE, e.ICBFTE[a.Code]) || !near(a.CensusHeadcount, e.ICBPeople[a.Code]) {
			t.Errorf("ICB %s: census FTE %v, headcount %v; EXPECTED.md %g and %g distinct people", a.Code, a.CensusFTE, a.CensusHeadcount, e.ICBFTE[a.Code], e.ICBPeople[a.Code])
		}
		england += e.ICBPeople[a.Code]
	}
	// No link worker of the samples works in two ICBs (EXPECTED.md's list of
	// identifiers in two PCNs): England's people are the ICBs' summed.
	if !near(icbs.England.CensusHeadcount, england) {
		t.Errorf("England: census headcount %v, want %g", icbs.England.CensusHeadcount, england)
	}
	// A period before the census: its figures are unknown.
	sel.To = sel.From
	if early := metrics(sel, false); early.England.CensusFTE.IsKnown() || early.England.CensusMonth != nil {
		t.Errorf("a period ending before the first census month has census FTE %v (month %v)", early.England.CensusFTE, early.England.CensusMonth)
	}
}

// Returned FTE against the census needs a return at the period's latest
// month: an area whose return stops before it has no difference (not
// −census), one with a return then has returned − census.
func TestFTEDifferenceNeedsTheLatestReturn(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	e := etltest.ReadExpected(t)
	dir := etltest.PublishedSamples(t)
	activity := "month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n" +
		"2025-10,U75549,P1,10,9,8,30,3,2.5,\n" + // stops before November
		"2025-11,U52814,P1,10,9,8,30,2,2,\n"
	if err := os.WriteFile(filepath.Join(dir, "activity_two.csv"), []byte(activity), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.MustLoad(t, db, dir)
	sel := queries.Selection{From: time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC),
		Place: queries.England, Level: queries.LevelPCN}
	rep, err := db.Metrics(ctx, queries.Request{Selection: sel, Settings: queries.DefaultSettings})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rep.Areas {
		d, known := a.FTEDifference.Value()
		switch a.Code {
		case "U75549":
			if known {
				t.Errorf("U75549 returned nothing for November but has a difference %g", d)
			}
		case "U52814":
			want := 2 - e.FTE["U52814"]
			if !known || math.Abs(d-want) > 1e-9 {
				t.Errorf("U52814: difference %v, want 2 − %g = %g", a.FTEDifference, e.FTE["U52814"], want)
			}
			if share, _ := a.FTEDifferenceShare.Value(); math.Abs(share-want/e.FTE["U52814"]) > 1e-9 || !a.FTEDifferenceFlagged() {
				t.Errorf("U52814: share %v (flagged %v), want %g, flagged", a.FTEDifferenceShare, a.FTEDifferenceFlagged(), want/e.FTE["U52814"])
			}
		}
	}
}
