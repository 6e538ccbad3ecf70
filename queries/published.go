package queries

import (
	"math"
	"time"
)

// The published NHS files' figures (METRICS.md, "Published workforce and
// appointments"): the census of link workers beside the returns' FTE, and
// social prescribing appointments. They are summed from the PCNs' with the
// other counts of an area (pcn_month.go) and derived in figures, like every
// other figure.

// FTEDifferenceFlag is the share of the census FTE beyond which returned
// FTE is flagged as differing from the census (±20%).
const FTEDifferenceFlag = 0.2

// Appointments are social prescribing appointments by status, over the period.
type Appointments struct {
	Attended Figure `json:"attended"`
	DNA      Figure `json:"dna"`
	Unknown  Figure `json:"unknown"`
}

// censusCounts are an area's census figures at the census month.
type censusCounts struct {
	month                 time.Time
	fte, fteMH, headcount float64
}

// appointmentCounts are an area's appointments over the period, and the
// months of the period that had published appointments for it.
type appointmentCounts struct {
	attended, dna, unknown float64
	months                 int
}

// publishedFigures derives the published files' figures of m from c.
func publishedFigures(m *Metrics, c *counts, ctl control) {
	if cs := c.census; cs != nil {
		month := cs.month.Format("2006-01")
		m.CensusMonth = &month
		m.CensusFTE, m.CensusFTEMentalHealth, m.CensusHeadcount = Known(cs.fte), Known(cs.fteMH), Known(cs.headcount)
		// Returned FTE is a stock at the period's latest month: without a
		// return for that month it is not known, and neither is the gap.
		if c.hasLatestReturn {
			m.FTEDifference = Known(steadySum(c.fte - cs.fte))
			m.FTEDifferenceShare = Div(m.FTEDifference, m.CensusFTE)
		}
	}
	if a := c.appointments; a != nil {
		// Counts of service use: controlled below England like counts of
		// people; the rates from the counts as shown.
		ap := &Appointments{Attended: ctl.count(a.attended), DNA: ctl.count(a.dna), Unknown: ctl.count(a.unknown)}
		m.SPAppointments = ap
		total := Add(Add(ap.Attended, ap.DNA), ap.Unknown)
		m.SPAppointmentsPer1k = Div(Scale(Div(total, m.Population), 1000*12), Known(float64(a.months)))
		m.DNARate = Div(ap.DNA, Add(ap.Attended, ap.DNA))
	}
}

// FTEDifferenceFlagged reports whether returned FTE differs from the census
// by more than FTEDifferenceFlag of the census FTE, either way.
func (m *Metrics) FTEDifferenceFlagged() bool {
	share, ok := m.FTEDifferenceShare.Value()
	return ok && math.Abs(share) > FTEDifferenceFlag
}

// AppointmentFigure is one status of sp_appointments (attended, dna,
// unknown), unknown when no published appointments cover the area.
func (m *Metrics) AppointmentFigure(status string) Figure {
	if m.SPAppointments == nil {
		return Unknown()
	}
	switch status {
	case "attended":
		return m.SPAppointments.Attended
	case "dna":
		return m.SPAppointments.DNA
	}
	return m.SPAppointments.Unknown
}
