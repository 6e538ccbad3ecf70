package dashboard

import (
	"fmt"
	"math"
	"time"

	"spdash/dashboard/charts"
	"spdash/queries"
)

// The published NHS files beside the returns (METRICS.md, "Published
// workforce and appointments"): on /capacity, the returns' FTE against the
// PCN workforce census and the social prescribing appointments of GP
// practices; the area profile lists the same figures (profileTable).

// censusMonthOf is an area's census month as "Nov 2025", or unknown.
func censusMonthOf(m *queries.Metrics) string {
	if m.CensusMonth == nil {
		return unknown
	}
	return monthText(*m.CensusMonth)
}

// monthText turns YYYY-MM into "Nov 2025".
func monthText(ym string) string {
	t, err := time.Parse("2006-01", ym)
	if err != nil {
		return ym
	}
	return monthLabel(t)
}

// differenceOf is returned − census FTE with its share of the census:
// "+1.2 (+25.0%)".
func differenceOf(m *queries.Metrics) string {
	d, ok := m.FTEDifference.Value()
	if !ok {
		return unknown
	}
	s := signed(fmtNum(d), d)
	if share, ok := m.FTEDifferenceShare.Value(); ok {
		s += " (" + signed(fmtPct(&share), share) + ")"
	}
	return s
}

// flaggedDifferenceOf is differenceOf with the flag beyond ±20%, in words:
// "+1.2 (+25.0%) ⚠ more than 20%".
func flaggedDifferenceOf(m *queries.Metrics) string {
	if m.FTEDifferenceFlagged() {
		return differenceOf(m) + " ⚠ more than 20%"
	}
	return differenceOf(m)
}

func signed(text string, v float64) string {
	if v > 0 {
		return "+" + text
	}
	return text
}

func appointmentsOf(m *queries.Metrics, status string) string {
	return countOf(m.AppointmentFigure(status))
}

// censusChart sets each area's returned FTE against the census FTE, and
// charts the difference as a share of the census, largest either way first.
// The summary's totals are the place's own (place: its figures, England's
// or a region's or ICB's), those of the areas the table lists.
func censusChart(v *View, ac areaCols, place *queries.Metrics) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 { return a.FTEDifferenceShare.Ptr() }
	abs := func(a *queries.AreaMetrics) *float64 {
		if p := value(a); p != nil {
			x := math.Abs(*p)
			return &x
		}
		return nil
	}
	sorted := sortedAreas(v.Report.Areas, abs, true)
	items, note := barItems(sorted, value, "furthest from the census")
	t := table{ID: "census-table", Caption: "Returned link-worker FTE against the PCN workforce census, by " + levelNoun(ac.level, false) + ", furthest from the census first", RowHeads: true,
		Head: ac.head(column{Label: "Census month"}, column{"Returned FTE", true}, column{"Census FTE", true},
			column{"of which mental-health link workers", true}, column{"Census headcount", true}, column{"Returned − census FTE", true})}
	covered, flagged := 0, 0
	for _, a := range sorted {
		if a.CensusFTE.IsKnown() {
			covered++
		}
		if a.FTEDifferenceFlagged() {
			flagged++
		}
		t.Rows = append(t.Rows, ac.row(a, cell{Text: censusMonthOf(&a.Metrics)}, num(numOf(a.FTE)), num(numOf(a.CensusFTE)),
			num(numOf(a.CensusFTEMentalHealth)), num(countOf(a.CensusHeadcount)), num(flaggedDifferenceOf(&a.Metrics))))
	}
	name := v.Selection.Place.Name
	var summary string
	switch {
	case covered == 0:
		summary = "No PCN workforce census is loaded for this period. Load the census as published (spdash etl load PCNWFIndividualCSV….zip) to compare the returns with it."
	case len(items) == 0:
		summary = fmt.Sprintf("The census of %s covers %d of %d %s; none of them sent returns to compare with it.",
			censusMonthOf(place), covered, len(sorted), levelNoun(ac.level, true))
	default:
		summary = fmt.Sprintf("In the census of %s, %s has %s link-worker FTE (%s people); %s returns give %s at the period's end. %d of %d %s differ from the census by more than 20%%; %s differs most: %s FTE.",
			censusMonthOf(place), name, numOf(place.CensusFTE), countOf(place.CensusHeadcount), its(v), numOf(place.FTE), flagged, len(sorted), levelNoun(ac.level, true),
			sorted[0].Name, differenceOf(&sorted[0].Metrics)) + note
	}
	var spec *charts.Spec
	if len(items) > 0 {
		spec = charts.AreaBars("Returned − census FTE, share of the census", items, charts.Unit{Percent: true, Decimals: 3, Name: "Share of the census FTE"}, nil)
	}
	return newChart("chart-census", "Returned FTE against the workforce census", summary, spec, t, ac.q)
}

// appointmentsChart charts social prescribing appointments a year per 1,000
// people, with the did-not-attend rate in the table.
// The summary's rates are the place's own (place), the England line the
// chart's reference.
func appointmentsChart(v *View, ac areaCols, place *queries.Metrics) (chartView, error) {
	value := func(a *queries.AreaMetrics) *float64 { return a.SPAppointmentsPer1k.Ptr() }
	sorted := sortedAreas(v.Report.Areas, value, false)
	items, note := barItems(sorted, value, "with the fewest")
	t := table{ID: "appointments-table", Caption: "Social prescribing appointments in GP practices, by " + levelNoun(ac.level, false) + ", fewest per 1,000 people first", RowHeads: true,
		Head: ac.head(column{"Attended", true}, column{"Did not attend", true}, column{"Status unknown", true},
			column{"A year per 1,000 people", true}, column{"Did-not-attend rate", true})}
	covered := 0
	for _, a := range sorted {
		if a.SPAppointments != nil {
			covered++
		}
		t.Rows = append(t.Rows, ac.row(a, num(appointmentsOf(&a.Metrics, "attended")), num(appointmentsOf(&a.Metrics, "dna")),
			num(appointmentsOf(&a.Metrics, "unknown")), num(numOf(a.SPAppointmentsPer1k)), num(pctOf(a.DNARate))))
	}
	e := &v.Report.England
	summary := "No GP appointments data is loaded for this period. Load Appointments in General Practice as published (spdash etl load Practice_Level_Crosstab….zip) to see social prescribing appointments."
	if covered > 0 {
		summary = fmt.Sprintf("%s's GP practices booked %s social prescribing appointments a year per 1,000 people; %s of those attended or missed were missed. %d of %d %s have appointments data.",
			v.Selection.Place.Name, numOf(place.SPAppointmentsPer1k), pctOf(place.DNARate), covered, len(sorted), levelNoun(ac.level, true))
		if len(items) > 0 {
			summary += fmt.Sprintf(" %s has the fewest (%s a year per 1,000 people).", sorted[0].Name, numOf(sorted[0].SPAppointmentsPer1k)) + note
		}
	}
	var spec *charts.Spec
	if len(items) > 0 {
		spec = charts.AreaBars("Appointments a year per 1,000 people", items, charts.Unit{Decimals: 1, Name: "A year per 1,000 people"}, englandRef(e.SPAppointmentsPer1k.Ptr()))
	}
	return newChart("chart-appointments", "Social prescribing appointments", summary, spec, t, ac.q)
}

// its is how a summary refers to the place's own returns: England's are
// "the returns".
func its(v *View) string {
	if v.Selection.Place.Level == queries.LevelEngland {
		return "the"
	}
	return "its"
}
