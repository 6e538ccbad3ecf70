// Package reports turns computed figures into the analysts' downloads: one
// Table per report, written as CSV (and, later, Excel). The figures are the
// ones pages and the API show (queries.Report, queries.Targeting), never
// computed again here; the columns and their meanings come from
// queries.Catalogue.
package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"spdash/queries"
)

// Names of the reports.
const (
	Capacity     = "capacity"
	Training     = "training"
	Outcomes     = "outcomes"
	Funding      = "funding"
	Targeting    = "targeting"
	Evidence     = "evidence"
	Completeness = "completeness"
	Inequality   = "inequality"
	// Peers is an area's peers (it takes area=, so it is not in Names nor
	// in the whole-selection workbook).
	Peers = "peers"
)

// Names lists the reports in the order the downloads page shows them.
var Names = []string{Capacity, Training, Outcomes, Funding, Targeting, Evidence, Inequality, Completeness}

// Titles of the reports.
var Titles = map[string]string{
	Capacity:     "Link-worker capacity by area",
	Training:     "Training coverage by area and module",
	Outcomes:     "Work and related outcomes by area and outcome",
	Funding:      "Funding by area and stream",
	Targeting:    "Targeting additional funding: allocation by area",
	Evidence:     "Evidence: work training coverage and work outcomes (odds ratios)",
	Completeness: "Completeness of returns by area and month",
	Inequality:   "Inequality: rates by deprivation decile, slope index and Core20 shares",
	Peers:        "An area, its statistical peers and their figures together",
	Monthly:      "Every monthly figure by area and month",
}

// Column is one column of a report.
type Column struct {
	Name    string // as written in the header: the figure's name in the API
	Label   string
	Meaning string
	Unit    string
	Source  string
}

// Cell is one value: text, a number, withheld (by disclosure control) or
// unknown. The zero Cell is unknown.
type Cell struct {
	text  string
	num   float64
	state cellState
}

type cellState uint8

const (
	cellUnknown cellState = iota
	cellText
	cellNumber
	cellWithheld
)

// Text is a cell of text.
func Text(s string) Cell { return Cell{text: s, state: cellText} }

// Number is a cell with a number.
func Number(v float64) Cell { return Cell{num: v, state: cellNumber} }

// FigureCell is a figure as a cell: its value, withheld or unknown.
func FigureCell(f queries.Figure) Cell {
	if f.IsWithheld() {
		return Cell{state: cellWithheld}
	}
	if v, ok := f.Value(); ok {
		return Number(v)
	}
	return Cell{}
}

// Value is the cell's number; ok is false unless it holds one.
func (c Cell) Value() (float64, bool) { return c.num, c.state == cellNumber }

// IsWithheld reports whether disclosure control withheld the cell.
func (c Cell) IsWithheld() bool { return c.state == cellWithheld }

// IsUnknown reports whether the cell has nothing to show.
func (c Cell) IsUnknown() bool { return c.state == cellUnknown }

// CSV is the cell as METRICS.md writes it in downloads: a withheld count is
// "*", an unknown value empty, a number in the shortest form that reads back
// exactly.
func (c Cell) CSV() string {
	switch c.state {
	case cellText:
		return c.text
	case cellNumber:
		return strconv.FormatFloat(c.num, 'f', -1, 64)
	case cellWithheld:
		return "*"
	}
	return ""
}

// Table is one report: its columns and rows, and what it was computed from.
// A streamed table (the monthly extract) has no Rows but a Stream that
// produces them as they are read.
type Table struct {
	Report  string
	Title   string
	Columns []Column
	Rows    [][]Cell
	Stream  func(yield func([]Cell) error) error
	Meta    Meta
}

// Each calls yield with each row, from Rows or the Stream.
func (t *Table) Each(yield func([]Cell) error) error {
	if t.Stream != nil {
		return t.Stream(yield)
	}
	for _, row := range t.Rows {
		if err := yield(row); err != nil {
			return err
		}
	}
	return nil
}

// Meta says what a download shows, so that the same request gives the same
// file while no load has happened.
type Meta struct {
	From, To    string // YYYY-MM
	Place       queries.Place
	Level       string
	FY          string
	Disclosure  string    // on or off
	DataVersion uint64    // the newest committed load's sequence number
	LoadedAt    time.Time // when the newest load finished (zero when unknown); dates the workbook, so it changes only with the data
	Settings    string    // targeting's inputs, in words; "" for other reports
}

// column builds a column from the catalogue's definition of a figure name.
func column(header, figure string) Column {
	d, ok := queries.Def(figure)
	if !ok {
		panic(fmt.Sprintf("reports: %s is not in queries.Catalogue", figure)) // a build defect, caught by every test
	}
	return Column{Name: header, Label: d.Label, Meaning: d.Meaning, Unit: d.Unit, Source: d.Source}
}

// Identifier columns, beside the figures.
var (
	colCode        = Column{Name: "code", Label: "Area code", Meaning: "ONS code of the area (E92000001 for England)", Unit: queries.UnitText, Source: "areas"}
	colCensusMonth = Column{Name: "census_month", Label: "Census month", Meaning: "The month of the PCN workforce census the census figures come from: the latest at or before the period's last month (YYYY-MM); empty without a census row", Unit: queries.UnitText, Source: "workforce_published.month"}
	colName        = Column{Name: "name", Label: "Area name", Meaning: "Name of the area", Unit: queries.UnitText, Source: "areas"}
	colLevel       = Column{Name: "level", Label: "Level", Meaning: "england, region, icb or pcn", Unit: queries.UnitText, Source: "areas"}
	colParentCode  = Column{Name: "parent_code", Label: "Parent code", Meaning: "Code of the area the area is part of (empty for England)", Unit: queries.UnitText, Source: "areas"}
	colParentName  = Column{Name: "parent_name", Label: "Parent name", Meaning: "Name of the area the area is part of", Unit: queries.UnitText, Source: "areas"}
	colFrom        = Column{Name: "period_from", Label: "Period from", Meaning: "First month of the period (YYYY-MM)", Unit: queries.UnitText, Source: "selection"}
	colTo          = Column{Name: "period_to", Label: "Period to", Meaning: "Last month of the period (YYYY-MM); stocks are taken in this month", Unit: queries.UnitText, Source: "selection"}
	colFY          = Column{Name: "financial_year", Label: "Financial year", Meaning: "Financial year of the funding figures (YYYY-YY)", Unit: queries.UnitText, Source: "selection"}
	colModule      = Column{Name: "module", Label: "Training module", Meaning: "The training module, as in the data contract", Unit: queries.UnitText, Source: "training.module"}
	colOutcome     = Column{Name: "outcome", Label: "Outcome", Meaning: "The outcome, as in the data contract; outcomes are never added together", Unit: queries.UnitText, Source: "outcomes.outcome"}
	colStream      = Column{Name: "stream", Label: "Funding stream", Meaning: "The funding stream, as in the data contract", Unit: queries.UnitText, Source: "funding.stream"}
	colRank        = Column{Name: "rank", Label: "Rank", Meaning: "1 = the largest allocation, then the higher priority, then the code", Unit: queries.UnitIndex, Source: "targeting"}
	colCapped      = Column{Name: "capped", Label: "Capped", Meaning: "true when the area receives its whole gap cost", Unit: queries.UnitText, Source: "targeting"}
	colRateFrom    = Column{Name: "rate_from", Label: "Outcome rates from", Meaning: "area, or england where the area's cohort is under 10", Unit: queries.UnitText, Source: "targeting"}
	colDisclosure  = Column{Name: "disclosure", Label: "Disclosure control", Meaning: "on: below England, counts of people from 1 to 7 are * and others rounded to the nearest 5, with the figures computed from them; off: exact", Unit: queries.UnitText, Source: "the server's setting"}
	colVersion     = Column{Name: "data_version", Label: "Data version", Meaning: "Sequence number of the newest committed load the figures come from; the same request gives the same figures while it is unchanged", Unit: queries.UnitIndex, Source: "load_log"}
)

// area is one row's area: England first, then the areas of the report.
type area struct {
	code, name, level, parentCode, parentName string
	m                                         *queries.Metrics
}

func areasOf(rep *queries.Report) []area {
	out := []area{{code: queries.EnglandCode, name: "England", level: queries.LevelEngland, m: &rep.England}}
	for i := range rep.Areas {
		a := &rep.Areas[i]
		out = append(out, area{code: a.Code, name: a.Name, level: rep.Request.Selection.Level, parentCode: a.ParentCode, parentName: a.ParentName, m: &a.Metrics})
	}
	return out
}

func (a area) cells() []Cell {
	return []Cell{Text(a.code), Text(a.name), Text(a.level), Text(a.parentCode), Text(a.parentName)}
}

var areaColumns = []Column{colCode, colName, colLevel, colParentCode, colParentName}

// Inputs are the computed figures a report is built from: Report for every
// report but evidence, Targeting for targeting, Evidence for evidence.
type Inputs struct {
	Report       *queries.Report
	Targeting    *queries.Targeting
	Evidence     *queries.Evidence
	Completeness *queries.Completeness
	Inequality   *queries.Inequality
	// Trends are the recent trends by area code (England's too) and measure,
	// for the outcomes and training reports.
	Trends map[string]map[string]string
	// PeerFigures is an area's peers (for the peers report), and whether the
	// peers may be named.
	PeerFigures *queries.PeerFigures
	PeersHidden bool
}

// Build makes a report from the figures of one request.
func Build(name string, in Inputs, meta Meta) (*Table, error) {
	rep, t := in.Report, in.Targeting
	tb := &Table{Report: name, Title: Titles[name], Meta: meta}
	from, to := Text(meta.From), Text(meta.To)
	switch name {
	case Capacity:
		figs := []string{"population", "referrals", "accepted", "people_supported", "fte", "headcount", "caseload",
			"fte_per_100k", "caseload_per_fte", "annual_accepted", "capacity_gap_fte", "median_wait_days", "imd_score"}
		// The published census and appointments beside the returns (contract v1.1).
		published := []string{"census_fte", "census_fte_mental_health", "census_headcount", "fte_difference", "fte_difference_share",
			"sp_appointments.attended", "sp_appointments.dna", "sp_appointments.unknown", "sp_appointments_per_1k", "dna_rate"}
		tb.Columns = append(append([]Column{}, areaColumns...), colFrom, colTo)
		for _, f := range figs {
			tb.Columns = append(tb.Columns, column(f, f))
		}
		tb.Columns = append(tb.Columns, colCensusMonth)
		for _, f := range published {
			tb.Columns = append(tb.Columns, column(strings.ReplaceAll(f, ".", "_"), f))
		}
		for _, a := range areasOf(rep) {
			row := append(a.cells(), from, to)
			values := map[string]queries.Figure{}
			a.m.Each(func(n string, f queries.Figure) { values[n] = f })
			for _, f := range figs {
				row = append(row, FigureCell(values[f]))
			}
			month := Cell{}
			if a.m.CensusMonth != nil {
				month = Text(*a.m.CensusMonth)
			}
			row = append(row, month)
			for _, f := range published {
				row = append(row, FigureCell(values[f]))
			}
			tb.Rows = append(tb.Rows, row)
		}
	case Training:
		tb.Columns = append(append([]Column{}, areaColumns...), colFrom, colTo, colModule,
			column("in_post", "training.*.in_post"), column("trained", "training.*.trained"), column("coverage", "training.*.coverage"),
			column("trend", "training.*.trend"))
		for _, a := range areasOf(rep) {
			for _, mod := range queries.Modules {
				c := a.m.Training[mod]
				if c == nil { // no figures: the dictionary's empty report
					continue
				}
				trend := Cell{}
				if mod == queries.WorkModule {
					trend = trendCell(in.Trends, a.code, "work_training_coverage")
				}
				tb.Rows = append(tb.Rows, append(a.cells(), from, to, Text(mod), FigureCell(c.InPost), FigureCell(c.Trained), FigureCell(c.Coverage), trend))
			}
		}
	case Outcomes:
		tb.Columns = append(append([]Column{}, areaColumns...), colFrom, colTo, colFY, colOutcome,
			column("people", "outcomes.*.people"), column("cohort", "outcomes.*.cohort"), column("rate", "outcomes.*.rate"),
			column("ci_low", "outcomes.*.ci_low"), column("ci_high", "outcomes.*.ci_high"),
			column("ci99_low", "outcomes.*.ci99_low"), column("ci99_high", "outcomes.*.ci99_high"),
			column("compared", "outcomes.*.compared"), column("cost_per_outcome", "outcomes.*.cost_per_outcome"),
			column("trend", "outcomes.*.trend"))
		for _, a := range areasOf(rep) {
			for _, name := range queries.Outcomes {
				o := a.m.Outcomes[name]
				if o == nil {
					continue
				}
				compared := Cell{}
				if o.Compared != nil {
					if text, ok := o.Compared.Text(); ok {
						compared = Text(text)
					} else {
						compared = Cell{state: cellWithheld}
					}
				}
				tb.Rows = append(tb.Rows, append(a.cells(), from, to, Text(meta.FY), Text(name),
					FigureCell(o.People), FigureCell(o.Cohort), FigureCell(o.Rate), FigureCell(o.CILow), FigureCell(o.CIHigh),
					FigureCell(o.CI99Low), FigureCell(o.CI99High), compared, FigureCell(o.CostPerOutcome), trendCell(in.Trends, a.code, "outcomes."+name+".rate")))
			}
		}
	case Funding:
		tb.Columns = append(append([]Column{}, areaColumns...), colFY, column("population", "population"),
			column("funding", "funding"), column("funding_per_1k", "funding_per_1k"))
		for _, st := range queries.Streams {
			tb.Columns = append(tb.Columns, column("funding_"+st, "funding_by_stream.*"))
		}
		for _, a := range areasOf(rep) {
			row := append(a.cells(), Text(meta.FY), FigureCell(a.m.Population), FigureCell(a.m.Funding), FigureCell(a.m.FundingPer1k))
			for _, st := range queries.Streams {
				row = append(row, FigureCell(a.m.FundingByStream[st]))
			}
			tb.Rows = append(tb.Rows, row)
		}
	case Targeting:
		if t == nil {
			return nil, fmt.Errorf("reports: the targeting report needs a targeting")
		}
		tb.Columns = []Column{colCode, colName, colLevel, colParentCode, colParentName, colFrom, colTo, colRank,
			column("imd_score", "imd_score"), column("need_index", "need_index"), column("capacity_gap_fte", "capacity_gap_fte"),
			column("untrained_staff", "untrained_staff"), column("capacity_gap_cost", "capacity_gap_cost"),
			column("training_gap_cost", "training_gap_cost"), column("gap_cost", "gap_cost"), column("priority", "priority"),
			column("allocation", "allocation"), colCapped, column("funded_fte", "funded_fte"),
			column("training_places", "training_places"), column("expected_extra_people", "expected_extra_people")}
		for _, o := range queries.Outcomes {
			tb.Columns = append(tb.Columns, column("expected_extra_"+o, "expected_extra_outcomes.*"))
		}
		tb.Columns = append(tb.Columns, colRateFrom)
		for _, a := range t.Areas {
			row := []Cell{Text(a.Code), Text(a.Name), Text(rep.Request.Selection.Level), Text(a.ParentCode), Text(a.ParentName), from, to,
				Number(float64(a.Rank)), FigureCell(a.IMDScore), Number(a.NeedIndex), FigureCell(a.CapacityGapFTE),
				Number(a.UntrainedStaff), FigureCell(a.CapacityCost), Number(a.TrainingCost), Number(a.GapCost), Number(a.Priority),
				Number(a.Allocation), Text(strconv.FormatBool(a.Capped)), Number(a.FundedFTE), Number(a.TrainingPlaces),
				Number(a.ExpectedExtraPeople)}
			for _, o := range queries.Outcomes {
				row = append(row, Number(a.ExpectedExtraOutcomes[o]))
			}
			row = append(row, Text(rateFrom(a.RateFrom)))
			tb.Rows = append(tb.Rows, row)
		}
	case Evidence:
		figs := []string{"n", "odds_ratio", "ci_low", "ci_high", "p_value", "dispersion", "unadjusted_odds_ratio", "unadjusted_ci_low", "unadjusted_ci_high", "status"}
		tb.Columns = []Column{colCode, colName, colLevel, colFrom, colTo, colOutcome}
		for _, f := range figs {
			tb.Columns = append(tb.Columns, column(f, "evidence.*."+f))
		}
		if in.Evidence != nil {
			opt := func(v *float64) Cell {
				if v == nil {
					return Cell{}
				}
				return Number(*v)
			}
			for _, o := range queries.Outcomes {
				e := in.Evidence.Outcomes[o]
				if e == nil {
					continue
				}
				tb.Rows = append(tb.Rows, []Cell{Text(meta.Place.Code), Text(meta.Place.Name), Text(meta.Place.Level), from, to, Text(o),
					Number(float64(e.N)), opt(e.OddsRatio), opt(e.CILow), opt(e.CIHigh), opt(e.PValue), opt(e.Dispersion),
					opt(e.UnadjustedOddsRatio), opt(e.UnadjustedCILow), opt(e.UnadjustedCIHigh), Text(e.Status)})
			}
		}
	case Inequality:
		colMeasure := Column{Name: "measure", Label: "Measure", Meaning: "work_training_coverage, outcomes.OUTCOME.rate, or core20_share.FIGURE", Unit: queries.UnitText, Source: "METRICS.md"}
		colDecile := Column{Name: "decile", Label: "Deprivation decile", Meaning: "National decile of PCNs by IMD score: 1 the most deprived tenth of the population, 10 the least; unknown without a score; 1-2 (Core20) for a share", Unit: queries.UnitText, Source: "areas.imd_score"}
		colPCNs := Column{Name: "pcns", Label: "PCNs", Meaning: "PCNs of the place in the decile", Unit: queries.UnitIndex, Source: "areas"}
		colNum := Column{Name: "numerator", Label: "Numerator", Meaning: "Trained staff, or people achieving the outcome, over the decile's PCNs (as shown: rounded when disclosure control is on)", Unit: queries.UnitPeople, Source: "training, outcomes"}
		colDen := Column{Name: "denominator", Label: "Denominator", Meaning: "Staff in post, or the outcome's cohort", Unit: queries.UnitPeople, Source: "training, outcomes"}
		colValue := Column{Name: "value", Label: "Value", Meaning: "numerator ÷ denominator, or the Core20 share", Unit: queries.UnitProportion, Source: "METRICS.md"}
		tb.Columns = []Column{colCode, colName, colFrom, colTo, colMeasure, colDecile, colPCNs, colNum, colDen, colValue,
			column("sii", "sii.sii"), column("sii_ci_low", "sii.ci_low"), column("sii_ci_high", "sii.ci_high"), column("sii_status", "sii.status")}
		if ineq := in.Inequality; ineq != nil {
			place := []Cell{Text(meta.Place.Code), Text(meta.Place.Name), from, to}
			opt := func(v *float64) Cell {
				if v == nil {
					return Cell{}
				}
				return Number(*v)
			}
			for _, m := range queries.SIIMeasures() {
				sii := ineq.SII[m]
				for _, d := range ineq.Deciles {
					x, n := queries.MeasureParts(&d.Metrics, m)
					tb.Rows = append(tb.Rows, append(append([]Cell{}, place...), Text(m), Text(d.Decile), Number(float64(d.PCNs)),
						FigureCell(x), FigureCell(n), FigureCell(queries.Div(x, n)), opt(sii.SII), opt(sii.CILow), opt(sii.CIHigh), Text(sii.Status)))
				}
			}
			for _, k := range []string{"population", "funding", "fte", "people_supported"} {
				tb.Rows = append(tb.Rows, append(append([]Cell{}, place...), Text("core20_share."+k), Text("1-2"), Cell{},
					Cell{}, Cell{}, FigureCell(ineq.Core20Share[k]), Cell{}, Cell{}, Cell{}, Cell{}))
			}
		}
	case Peers:
		colRole := Column{Name: "role", Label: "Role", Meaning: "area (the area asked for), peer (one of its 10 nearest areas of its level by need and size), or peer group (the peers' sums)", Unit: queries.UnitText, Source: "METRICS.md"}
		colDistance := Column{Name: "distance", Label: "Distance", Meaning: "√(Σ(z_a − z_b)² × 4 / m) over the m features known for both (0 = identical)", Unit: queries.UnitIndex, Source: "areas"}
		tb.Columns = []Column{colRole, colCode, colName, colFrom, colTo, colDistance}
		figs := queries.RankedFigures()
		for _, f := range figs {
			tb.Columns = append(tb.Columns, column(f, f))
		}
		if pf := in.PeerFigures; pf != nil {
			row := func(role, code, name string, distance Cell, m *queries.Metrics) {
				values := map[string]queries.Figure{}
				m.Each(func(n string, f queries.Figure) { values[n] = f })
				r := []Cell{Text(role), Text(code), Text(name), from, to, distance}
				for _, f := range figs {
					r = append(r, FigureCell(values[f]))
				}
				tb.Rows = append(tb.Rows, r)
			}
			row("area", pf.Area.Code, pf.Area.Name, Cell{}, &pf.Area.Metrics)
			row("peer group", "", fmt.Sprintf("its %d peers together", len(pf.Peers)), Cell{}, &pf.Group)
			if !in.PeersHidden {
				for i, p := range pf.Peers {
					if i < len(pf.Each) {
						row("peer", p.Code, p.Name, Number(p.Distance), &pf.Each[i].Metrics)
					}
				}
			}
		}
	case Completeness:
		tb.Columns = append(append([]Column{}, areaColumns...), Column{Name: "month", Label: "Month", Meaning: "The month (YYYY-MM)", Unit: queries.UnitText, Source: "activity"},
			column("expected", "completeness.expected"), column("received", "completeness.received"), column("completeness", "completeness.completeness"))
		if c := in.Completeness; c != nil {
			add := func(code, name, level string, months []queries.Returns) {
				for _, r := range months {
					tb.Rows = append(tb.Rows, []Cell{Text(code), Text(name), Text(level), Text(""), Text(""), Text(r.MonthText),
						Number(float64(r.Expected)), Number(float64(r.Received)), FigureCell(r.Completeness)})
				}
			}
			add(c.Place.Code, c.Place.Name, c.Place.Level, c.Total)
			for _, a := range c.Areas {
				add(a.Code, a.Name, c.Level, a.Months)
			}
		}
	default:
		return nil, fmt.Errorf("reports: no report %q; the reports are %v", name, Names)
	}
	// Every row says what it was computed from. The evidence and the
	// completeness show no count of people: disclosure control does not
	// apply to them (METRICS.md).
	disclosure := meta.Disclosure
	if name == Evidence || name == Completeness {
		disclosure = "not applicable"
	}
	tb.Columns = append(tb.Columns, colDisclosure, colVersion)
	for i := range tb.Rows {
		tb.Rows[i] = append(tb.Rows[i], Text(disclosure), Text(strconv.FormatUint(meta.DataVersion, 10)))
	}
	return tb, nil
}

// trendCell is an area's recent trend of a measure, empty when not computed.
func trendCell(trends map[string]map[string]string, code, measure string) Cell {
	if t := trends[code][measure]; t != "" {
		return Text(t)
	}
	return Cell{}
}

// Columns returns a report's columns, for the data dictionary: built by the
// same code as the report, from no data.
func Columns(name string) ([]Column, error) {
	t, err := Build(name, Inputs{Report: &queries.Report{}, Targeting: &queries.Targeting{}}, Meta{})
	if err != nil {
		return nil, err
	}
	return t.Columns, nil
}

// rateFrom sums up where an area's outcome rates came from: "area",
// "england", or the outcomes that used England's.
func rateFrom(from map[string]string) string {
	var eng []string
	for o, f := range from {
		if f == queries.RateFromEngland {
			eng = append(eng, o)
		}
	}
	switch len(eng) {
	case 0:
		return queries.RateFromArea
	case len(from):
		return queries.RateFromEngland
	}
	sort.Strings(eng)
	out := "england for"
	for _, o := range eng {
		out += " " + o
	}
	return out
}
