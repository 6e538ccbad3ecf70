package queries

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// EnglandCode is England's ONS code, the place of the whole country.
const EnglandCode = "E92000001"

// Levels below a place, from the top.
const (
	LevelEngland = "england"
	LevelRegion  = "region"
	LevelICB     = "icb"
	LevelPCN     = "pcn"
)

// Modules and Outcomes in the contract's order (outcomes from the most direct
// route into work to the most indirect).
var (
	Modules  = modules[:]
	Outcomes = outcomes[:]
)

// Streams are the funding streams of the contract.
var Streams = streams[:]

// The arrays behind Modules, Outcomes and Streams: their lengths are
// constants, so counts holds a sum per module, outcome or stream in an
// array in this order, not in a map (a national PCN-level read makes
// counts for 15,000 PCN-months).
var (
	modules = [...]string{"employment_support", "benefits_and_debt", "health_and_work_conversations",
		"ips_awareness", "mental_health_awareness", "personalised_care_core"}
	outcomes = [...]string{"entered_employment", "retained_employment", "started_job_search",
		"entered_education_training", "entered_volunteering", "improved_work_readiness", "improved_wellbeing"}
	streams = [...]string{"arrs", "icb", "local_authority", "charity", "other"}
)

// WorkModule is the module work_training_coverage is about.
const WorkModule = "employment_support"

// Selection is what a page or API call asks for.
type Selection struct {
	From, To time.Time // first days of the first and last months, inclusive
	Place    Place     // England, a region or an ICB
	Level    string    // region, icb or pcn: the areas shown
	FY       string    // financial year of the funding figures, e.g. 2024-25
	// Default says From, To and FY are the data's defaults (DefaultPeriod),
	// or the period before those (PreviousPeriod): the period's sums, and
	// the default period's months, may then be read from their builds
	// (period.go). A build is named by its period, so a Default on another
	// period finds none and the figures are computed.
	Default bool
}

// Months in the period.
func (s Selection) Months() int {
	return (s.To.Year()-s.From.Year())*12 + int(s.To.Month()-s.From.Month()) + 1
}

// Settings are the adjustable figures of METRICS.md. They travel with each
// request: targeting takes them from its URL.
type Settings struct {
	CaseloadStandard float64 `json:"caseload_standard"` // people per FTE per year
	FTECost          float64 `json:"fte_cost"`          // £ per FTE per year (targeting)
	TrainingCost     float64 `json:"training_cost"`     // £ per person trained (targeting)
	NeedWeight       float64 `json:"need_weight"`       // the need index's exponent (targeting)
}

// DefaultSettings are METRICS.md's defaults.
var DefaultSettings = Settings{CaseloadStandard: 250, FTECost: 42000, TrainingCost: 600, NeedWeight: 1}

// Request is one request for figures: the selection, the settings, whether
// disclosure control applies (below England), and the data version to read
// (0: the newest committed; an answer reads one version throughout). AsOf,
// when it is the DataAsOf of Version as DB.DataAsOf read it, saves reading
// what that version's figures read again.
type Request struct {
	Selection Selection
	Settings  Settings
	Disclose  bool
	Version   uint64
	AsOf      DataAsOf
}

// DataAsOf says which data an answer shows: the version (the highest
// committed load_seq it reads), how many loads had committed, and when the
// newest load finished.
type DataAsOf struct {
	Version  uint64
	Commits  uint64    // a load that began before another but committed after it changes this, not Version
	LoadedAt time.Time // zero when nothing is loaded
	Events   uint64    // load events of any status: running and failed loads change it, the data does not
	// The builds of the current rows the figures read at Version
	// (current.go): 0 for a kind with none built yet, or nothing committed.
	Current Builds
	states  []kindState // each summed kind's state at Version
	areas   *Areas      // the areas as of Version when the caller read them (WithAreas), or nil
	// The areas load the data has at Version (its newest committed areas
	// load, 0 when none has committed), when read with the version
	// (areasKnown): areas are then read and kept by their load.
	areasLoad  uint64
	areasKnown bool
	// The state the data's range is a function of (0: nothing of it is
	// committed) and the range where a build of it was read with the
	// version (migration 010), else nil: read with the newest version only.
	rangeSnap  uint64
	rangeBuilt *DataRange
	// The smallest built build of each kind and state when read with the
	// version (data_as_of.sql), else nil: a default period's figures and
	// months are then read by their build's number (builtOf).
	built map[kindSnap]uint64
}

// kindSnap names a state of a kind of build (current_builds' kind, snap).
type kindSnap struct {
	kind string
	snap uint64
}

// builtOf is the build of kind named snap that was built when a's version
// was read (the smallest), or 0 (none then, or a not read with its version).
func (a DataAsOf) builtOf(kind string, snap uint64) uint64 {
	return a.built[kindSnap{kind, snap}]
}

// Stamp names the data for caches and ETags: it changes with every commit,
// even one that does not raise the version.
func (a DataAsOf) Stamp() string { return fmt.Sprintf("%d.%d", a.Version, a.Commits) }

// asOf resolves a request's data version: the one it names (its caller
// knows when that was loaded), or the newest committed, read here.
// Either way it names the builds of the current rows the figures read at
// that version, building those missing.
func (db *DB) asOf(ctx context.Context, req Request) (DataAsOf, error) {
	a, err := req.AsOf, error(nil)
	if a.Version == 0 || a.Version != req.Version { // not read with the request
		if req.Version == 0 {
			a, err = db.DataAsOf(ctx)
		} else {
			a = DataAsOf{Version: req.Version}
			var states []kindState
			states, err = db.states(ctx, req.Version)
			a.withStates(states)
		}
		if err != nil {
			return a, err
		}
	}
	a.states = append([]kindState(nil), a.states...) // the request's may be shared
	return a, db.buildMissing(ctx, &a)
}

// Place is England, a region or an ICB.
type Place struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

// England is the whole country.
var England = Place{Code: EnglandCode, Name: "England", Level: LevelEngland}

// ModuleCoverage is the training stock of one module.
type ModuleCoverage struct {
	InPost   Figure `json:"in_post"`
	Trained  Figure `json:"trained"`
	Coverage Figure `json:"coverage"`
	// Trend is the recent trend of the employment support module's coverage
	// (RecentTrend), where an answer carries trends.
	Trend string `json:"trend,omitempty"`
}

// OutcomeRate is one outcome's rate with its 95% Wilson interval.
type OutcomeRate struct {
	People         Figure      `json:"people"`
	Cohort         Figure      `json:"cohort"`
	Rate           Figure      `json:"rate"`
	CILow          Figure      `json:"ci_low"`
	CIHigh         Figure      `json:"ci_high"`
	CI99Low        Figure      `json:"ci99_low"`           // the 99.8% interval, as Fingertips publishes beside the 95%
	CI99High       Figure      `json:"ci99_high"`          //
	Compared       *Comparison `json:"compared,omitempty"` // absent for England
	Trend          string      `json:"trend,omitempty"`    // RecentTrend, where an answer carries trends
	CostPerOutcome Figure      `json:"cost_per_outcome"`
	FYPeople       Figure      `json:"-"` // people in the financial year's months, for cost_per_outcome
}

// Comparison is an outcome's rate against England's (higher, lower,
// similar, not compared), or withheld with the rate.
type Comparison struct {
	text     string
	withheld bool
}

// Text is the comparison's word; ok is false when it is withheld.
func (c Comparison) Text() (string, bool) { return c.text, !c.withheld }

// IsWithheld reports whether disclosure control withheld the comparison.
func (c Comparison) IsWithheld() bool { return c.withheld }

// MarshalJSON writes the word, or null when withheld.
func (c Comparison) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

// appendJSON appends the word, or null when withheld.
func (c Comparison) appendJSON(b []byte) []byte {
	if c.withheld {
		return append(b, "null"...)
	}
	return appendJSONString(b, c.text)
}

// UnmarshalJSON reads a word, or null as withheld (the only null it writes).
func (c *Comparison) UnmarshalJSON(b []byte) error {
	var p *string
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p == nil {
		*c = Comparison{withheld: true}
	} else {
		*c = Comparison{text: *p}
	}
	return nil
}

// Metrics are every figure of one area (or England), named as in METRICS.md.
type Metrics struct {
	Population           Figure            `json:"population"`
	Referrals            Figure            `json:"referrals"`
	Accepted             Figure            `json:"accepted"`
	PeopleSupported      Figure            `json:"people_supported"`
	FTE                  Figure            `json:"fte"`
	Headcount            Figure            `json:"headcount"`
	Caseload             Figure            `json:"caseload"`
	FTEPer100k           Figure            `json:"fte_per_100k"`
	CaseloadPerFTE       Figure            `json:"caseload_per_fte"`
	AnnualAccepted       Figure            `json:"annual_accepted"`
	CapacityGapFTE       Figure            `json:"capacity_gap_fte"`
	MedianWaitDays       Figure            `json:"median_wait_days"`
	WorkTrainingCoverage Figure            `json:"work_training_coverage"`
	UntrainedStaff       Figure            `json:"untrained_staff"`
	Funding              Figure            `json:"funding"`
	FundingPer1k         Figure            `json:"funding_per_1k"`
	FundingByStream      map[string]Figure `json:"funding_by_stream"`
	// PCNs is how many PCNs the area has (as of the data version), and
	// FundingReturns how many of them sent a funding return for the
	// financial year: where fewer did, funding_per_1k counts the others'
	// population without their money.
	PCNs           int                        `json:"pcns"`
	FundingReturns int                        `json:"pcns_with_funding"`
	IMDScore       Figure                     `json:"imd_score"`
	Training       map[string]*ModuleCoverage `json:"training"`
	Outcomes       map[string]*OutcomeRate    `json:"outcomes"`
	// The published NHS files (published.go): unknown, or null in JSON,
	// where no published data covers the area.
	CensusFTE             Figure        `json:"census_fte"`
	CensusFTEMentalHealth Figure        `json:"census_fte_mental_health"`
	CensusHeadcount       Figure        `json:"census_headcount"`
	CensusMonth           *string       `json:"census_month"` // YYYY-MM
	FTEDifference         Figure        `json:"fte_difference"`
	FTEDifferenceShare    Figure        `json:"fte_difference_share"`
	SPAppointments        *Appointments `json:"sp_appointments"`
	SPAppointmentsPer1k   Figure        `json:"sp_appointments_per_1k"`
	DNARate               Figure        `json:"dna_rate"`
	// Suppressed names the figures withheld by disclosure control, e.g.
	// "referrals" or "outcomes.entered_employment.people", sorted.
	Suppressed []string `json:"suppressed,omitempty"`
}

// Each calls fn with every figure of m and its name as in the API's JSON
// ("referrals", "training.employment_support.coverage",
// "outcomes.entered_employment.ci_low"), in METRICS.md's order.
func (m *Metrics) Each(fn func(name string, f Figure)) {
	for _, top := range []struct {
		name string
		f    Figure
	}{
		{"population", m.Population}, {"referrals", m.Referrals}, {"accepted", m.Accepted},
		{"people_supported", m.PeopleSupported}, {"fte", m.FTE}, {"headcount", m.Headcount},
		{"caseload", m.Caseload}, {"fte_per_100k", m.FTEPer100k}, {"caseload_per_fte", m.CaseloadPerFTE},
		{"annual_accepted", m.AnnualAccepted}, {"capacity_gap_fte", m.CapacityGapFTE},
		{"median_wait_days", m.MedianWaitDays}, {"work_training_coverage", m.WorkTrainingCoverage},
		{"untrained_staff", m.UntrainedStaff}, {"funding", m.Funding}, {"funding_per_1k", m.FundingPer1k},
		{"imd_score", m.IMDScore},
	} {
		fn(top.name, top.f)
	}
	for i, st := range Streams {
		fn(streamNames[i][0], m.FundingByStream[st])
	}
	for i, mod := range Modules {
		if c := m.Training[mod]; c != nil {
			n := &moduleNames[i]
			fn(n[0], c.InPost)
			fn(n[1], c.Trained)
			fn(n[2], c.Coverage)
		}
	}
	for i, name := range Outcomes {
		if o := m.Outcomes[name]; o != nil {
			n := &outcomeNames[i]
			fn(n[0], o.People)
			fn(n[1], o.Cohort)
			fn(n[2], o.Rate)
			fn(n[3], o.CILow)
			fn(n[4], o.CIHigh)
			fn(n[5], o.CI99Low)
			fn(n[6], o.CI99High)
			fn(n[7], o.CostPerOutcome)
		}
	}
	fn("census_fte", m.CensusFTE)
	fn("census_fte_mental_health", m.CensusFTEMentalHealth)
	fn("census_headcount", m.CensusHeadcount)
	fn("fte_difference", m.FTEDifference)
	fn("fte_difference_share", m.FTEDifferenceShare)
	for _, st := range [...]struct{ status, name string }{
		{"attended", "sp_appointments.attended"}, {"dna", "sp_appointments.dna"}, {"unknown", "sp_appointments.unknown"},
	} {
		fn(st.name, m.AppointmentFigure(st.status))
	}
	fn("sp_appointments_per_1k", m.SPAppointmentsPer1k)
	fn("dna_rate", m.DNARate)
}

// The names Each gives the figures of each stream, module and outcome,
// made once: Each runs for every area of every answer (suppressedNames), and
// building them there cost a PCN-level page 7 ms.
var (
	streamNames  = figureNames(Streams, "funding_by_stream.", [1]string{""})
	moduleNames  = figureNames(Modules, "training.", [3]string{".in_post", ".trained", ".coverage"})
	outcomeNames = figureNames(Outcomes, "outcomes.", [8]string{".people", ".cohort", ".rate", ".ci_low", ".ci_high", ".ci99_low", ".ci99_high", ".cost_per_outcome"})
)

func figureNames[N interface {
	~[1]string | ~[3]string | ~[8]string
}](items []string, prefix string, fields N) []N {
	out := make([]N, len(items))
	for i, item := range items {
		for j := range len(fields) {
			out[i][j] = prefix + item + fields[j]
		}
	}
	return out
}

// IsSuppressed reports whether a figure was withheld, by its name in Suppressed.
func (m *Metrics) IsSuppressed(name string) bool {
	_, found := slices.BinarySearch(m.Suppressed, name)
	return found
}

// suppressedNames lists the withheld figures of m, sorted.
func suppressedNames(m *Metrics) []string {
	var names []string
	m.Each(func(name string, f Figure) {
		if f.IsWithheld() {
			names = append(names, name)
		}
	})
	for _, name := range Outcomes {
		if o := m.Outcomes[name]; o != nil && o.Compared != nil && o.Compared.withheld {
			names = append(names, "outcomes."+name+".compared")
		}
	}
	slices.Sort(names)
	return names
}

// AreaMetrics are the metrics of one area at the chosen level.
type AreaMetrics struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
	ParentName string `json:"parent_name"`
	Metrics
}

// Report is the answer to a Request: England and each area.
type Report struct {
	Request Request       `json:"-"` // what was asked, at the version read (AsOf.Version)
	AsOf    DataAsOf      `json:"-"`
	England Metrics       `json:"england"`
	Areas   []AreaMetrics `json:"areas"`
}

// levelColumn is the areas' column of a level: the code of the area a PCN
// is in at the level, spliced into statements that put PCNs in their areas
// (to_level). These are the only strings spliced into SQL, and they come
// from this table.
func levelColumn(level string) (string, error) {
	switch level {
	case LevelEngland:
		return "'" + EnglandCode + "'", nil
	case LevelRegion:
		return "region_code", nil
	case LevelICB:
		return "icb_code", nil
	case LevelPCN:
		return "area_code", nil
	}
	return "", fmt.Errorf("unknown level %q", level)
}

func placeFilter(p Place) string {
	switch p.Level {
	case LevelRegion:
		return "WHERE region_code = @place"
	case LevelICB:
		return "WHERE icb_code = @place"
	case LevelPCN:
		return "WHERE area_code = @place"
	}
	return ""
}

// sharedSQL is current.sql's definitions (committed rows, place filter,
// level join), parsed once for every statement that uses them.
var sharedSQL = template.Must(template.New("shared").Parse(sqlText("current")))

// parseWithShared parses a query template with the shared definitions of
// current.sql: a copy of them each, so one statement's definitions never
// reach another's.
func parseWithShared(name string) *template.Template {
	return template.Must(template.Must(sharedSQL.Clone()).New(name).Parse(sqlText(name)))
}

// Metrics computes the figures of a request: the one place every figure on
// pages, in the API and in downloads comes from. Counts are summed, then
// controlled when disclosure control is on (areas only, never England), then
// every derived figure is computed once from the counts as shown.
func (db *DB) Metrics(ctx context.Context, req Request) (*Report, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	sel := req.Selection
	asOf, err := db.asOf(ctx, req)
	if err != nil {
		return nil, err
	}
	// Every PCN's counts over the period, read once, England's and the
	// areas' other counts beside them: then England and the areas are
	// summed from the PCNs. When the areas cover England (the place is
	// England), England's counts are their sums; its population and
	// deprivation are its own, and its published figures are summed from
	// the PCNs (the census headcount counts each person once).
	var pcn *pcnPeriod
	var england, areas []areaCounts
	var index map[string]int
	whole := sel.Place.Level == LevelEngland
	// England's own row comes with its areas' when they are England's
	// (it needs no funding of its own then: it is their sum).
	fold := whole && sel.Level != LevelEngland
	steps := []func() error{
		func() (err error) { pcn, err = db.readPCNPeriod(ctx, sel, asOf); return err },
		func() (err error) {
			var eng *areaCounts
			areas, index, eng, err = db.levelBaseWith(ctx, sel.Place, sel.Level, asOf, fold)
			if eng != nil {
				england = []areaCounts{*eng}
			}
			return err
		},
	}
	if !fold {
		steps = append(steps, func() (err error) {
			england, _, err = db.levelBase(ctx, England, LevelEngland, asOf)
			return err
		})
	}
	err = parallel(steps)
	if err != nil {
		return nil, err
	}
	pcn.addTo(sel.Level, index, areas)
	if len(england) > 0 {
		if whole {
			c := &england[0].counts
			n := 0
			for i := range areas {
				n += len(areas[i].counts.waits)
			}
			c.waits = slices.Grow(c.waits, n)
			for i := range areas {
				addCounts(c, &areas[i].counts)
			}
			c.settle()
			// The published figures are England's own: its headcount
			// counts each person once, which a sum of the areas' would not.
			pcn.addPublished(LevelEngland, map[string]int{england[0].code: 0}, england)
		} else {
			pcn.addTo(LevelEngland, map[string]int{england[0].code: 0}, england)
		}
	}
	req.Version = asOf.Version
	rep := &Report{Request: req, AsOf: asOf, Areas: make([]AreaMetrics, len(areas))}
	if len(england) > 0 {
		rep.England = figures(&england[0].counts, sel.Months(), req.Settings, false)
	} else {
		rep.England = figures(newCounts(), sel.Months(), req.Settings, false)
	}
	for i := range areas {
		a := &areas[i]
		rep.Areas[i] = AreaMetrics{Code: a.code, Name: a.name, ParentCode: a.parentCode, ParentName: a.parentName,
			Metrics: figures(&a.counts, sel.Months(), req.Settings, req.Disclose)}
		compareWithEngland(&rep.Areas[i].Metrics, rep.England)
		rep.Areas[i].Suppressed = suppressedNames(&rep.Areas[i].Metrics)
	}
	return rep, nil
}

// counts are one area's sums as read, exact: the only input of figures.
type counts struct {
	population, referrals, accepted, supported float64
	fte, headcount, caseload, funding          float64
	hasFunding                                 bool                  // any funding row for the financial year
	pcns, fundedPCNs                           int                   // the area's PCNs, and those with a funding row for the year
	streams                                    [len(streams)]float64 // by Streams' order
	imd                                        *float64
	waits                                      []float64              // provider-month medians, in no order
	medianWait                                 Figure                 // their median (settle)
	inPost, trained                            [len(modules)]float64  // by Modules' order
	people, cohort, fyPeople                   [len(outcomes)]float64 // by Outcomes' order
	hasLatestReturn                            bool                   // an activity row at the period's latest month
	census                                     *censusCounts          // nil: no census row at the census month
	appointments                               *appointmentCounts     // nil: no published appointments in the period
}

func newCounts() *counts { return &counts{} }

type areaCounts struct {
	code, name, parentCode, parentName string
	counts
}

// control applies disclosure control to counts of people when on.
type control struct{ on bool }

// count is a count of people as shown: rounded, withheld, or (off) exact.
func (c control) count(x float64) Figure {
	if !c.on {
		return Known(x)
	}
	if r, ok := ControlCount(x); ok {
		return Known(r)
	}
	return Withheld()
}

// figure controls a count that is itself computed (annual_accepted).
func (c control) figure(f Figure) Figure {
	if v, ok := f.Value(); ok {
		return c.count(v)
	}
	return f
}

// figures computes every figure of METRICS.md from an area's counts: the
// one derivation, whether disclosure control is on or off.
func figures(c *counts, months int, set Settings, disclose bool) Metrics {
	ctl := control{on: disclose}
	m := Metrics{Training: map[string]*ModuleCoverage{}, Outcomes: map[string]*OutcomeRate{}, FundingByStream: map[string]Figure{}}
	m.Population = Known(c.population)
	m.Referrals = ctl.count(c.referrals)
	m.Accepted = ctl.count(c.accepted)
	m.PeopleSupported = ctl.count(c.supported)
	m.FTE, m.Headcount = Known(c.fte), Known(c.headcount)
	m.Caseload = ctl.count(c.caseload)
	m.PCNs, m.FundingReturns = c.pcns, c.fundedPCNs
	if c.hasFunding { // no funding row for the year is unknown spend, not £0
		m.Funding = Known(c.funding)
		for j, st := range Streams {
			m.FundingByStream[st] = Known(c.streams[j])
		}
	}
	m.IMDScore = KnownPtr(c.imd)
	m.MedianWaitDays = c.medianWait

	m.FTEPer100k = Scale(Div(m.FTE, m.Population), 100000)
	m.FundingPer1k = Scale(Div(m.Funding, m.Population), 1000)
	m.CaseloadPerFTE = Div(m.Caseload, m.FTE)
	// annual_accepted is itself a count of people: from accepted as shown,
	// then controlled; the capacity gap follows it.
	m.AnnualAccepted = ctl.figure(Div(Scale(m.Accepted, 12), Known(float64(months))))
	m.CapacityGapFTE = AtLeastZero(Sub(Div(m.AnnualAccepted, Known(set.CaseloadStandard)), m.FTE))

	for j, mod := range Modules {
		cov := &ModuleCoverage{InPost: Known(c.inPost[j]), Trained: Known(c.trained[j])}
		cov.Coverage = Div(cov.Trained, cov.InPost)
		m.Training[mod] = cov
	}
	work := m.Training[WorkModule]
	m.WorkTrainingCoverage = work.Coverage
	m.UntrainedStaff = Sub(work.InPost, work.Trained)

	for j, name := range Outcomes {
		o := &OutcomeRate{People: ctl.count(c.people[j]), Cohort: ctl.count(c.cohort[j]), FYPeople: ctl.count(c.fyPeople[j])}
		o.Rate = Div(o.People, o.Cohort)
		o.CILow, o.CIHigh = wilsonFigures(o.People, o.Cohort, Z95)
		o.CI99Low, o.CI99High = wilsonFigures(o.People, o.Cohort, Z998)
		// Cost per outcome: unknown without funding (whatever the people), or
		// without people in the year; withheld with the people it divides by.
		if f, ok := m.Funding.Value(); ok && f > 0 {
			o.CostPerOutcome = Div(m.Funding, o.FYPeople)
		}
		m.Outcomes[name] = o
	}
	publishedFigures(&m, c, ctl)
	return m
}

// wilsonFigures is the Wilson interval of people of cohort for z: withheld
// with either count, unknown for an empty cohort.
func wilsonFigures(people, cohort Figure, z float64) (Figure, Figure) {
	if people.IsWithheld() || cohort.IsWithheld() {
		return Withheld(), Withheld()
	}
	x, xok := people.Value()
	n, nok := cohort.Value()
	if !xok || !nok {
		return Unknown(), Unknown()
	}
	lo, hi, ok := Wilson(x, n, z)
	if !ok {
		return Unknown(), Unknown()
	}
	return Known(lo), Known(hi)
}

// compareWithEngland compares each outcome's interval (from the counts as
// shown) with England's rate.
func compareWithEngland(m *Metrics, england Metrics) {
	for name, o := range m.Outcomes {
		switch {
		case o.Rate.IsWithheld():
			o.Compared = &Comparison{withheld: true}
			continue
		}
		lo, lok := o.CILow.Value()
		hi, hok := o.CIHigh.Value()
		n, _ := o.Cohort.Value()
		var rate Figure
		if e := england.Outcomes[name]; e != nil {
			rate = e.Rate
		}
		er, eok := rate.Value()
		if !lok || !hok || !eok {
			o.Compared = &Comparison{text: NotCompared}
			continue
		}
		o.Compared = &Comparison{text: Compare(lo, hi, er, n)}
	}
}

// levelCounts reads the counts of each area at a level below (or at) a place.
func (db *DB) levelCounts(ctx context.Context, sel Selection, place Place, level string, asOf DataAsOf) ([]areaCounts, error) {
	var pcn *pcnPeriod
	var areas []areaCounts
	var index map[string]int
	err := parallel([]func() error{
		func() (err error) { pcn, err = db.readPCNPeriod(ctx, sel, asOf); return err },
		func() (err error) { areas, index, err = db.levelBase(ctx, place, level, asOf); return err },
	})
	if err != nil {
		return nil, err
	}
	pcn.addTo(level, index, areas)
	return areas, nil
}

// levelBase reads the areas at a level below (or at) a place with their
// population and deprivation. The PCNs' sums and funding are added from a
// pcnPeriod (addTo).
func (db *DB) levelBase(ctx context.Context, place Place, level string, asOf DataAsOf) ([]areaCounts, map[string]int, error) {
	areas, index, _, err := db.levelBaseWith(ctx, place, level, asOf, false)
	return areas, index, err
}

// levelBaseWith is levelBase, and with england England's own row (its
// population and deprivation) from the same read of the areas.
func (db *DB) levelBaseWith(ctx context.Context, place Place, level string, asOf DataAsOf, england bool) ([]areaCounts, map[string]int, *areaCounts, error) {
	table, err := db.areasAt(ctx, asOf)
	if err != nil {
		return nil, nil, nil, err
	}
	areas, eng, err := table.atLevel(place, level, england)
	if err != nil {
		return nil, nil, nil, err
	}
	index := map[string]int{}
	for i := range areas {
		index[areas[i].code] = i
	}
	return areas, index, eng, nil
}

// addCounts adds src's sums into dst: flows, stocks, waits, training,
// outcomes and money (with the PCNs that sent a funding return); not the
// population, the PCNs or the deprivation, which each caller has or weighs
// itself. settle finishes the sum.
func addCounts(dst, src *counts) {
	dst.referrals += src.referrals
	dst.accepted += src.accepted
	dst.supported += src.supported
	dst.fte += src.fte
	dst.headcount += src.headcount
	dst.caseload += src.caseload
	dst.hasLatestReturn = dst.hasLatestReturn || src.hasLatestReturn
	dst.waits = append(dst.waits, src.waits...)
	for j := range dst.inPost {
		dst.inPost[j] += src.inPost[j]
		dst.trained[j] += src.trained[j]
	}
	for j := range dst.people {
		dst.people[j] += src.people[j]
		dst.cohort[j] += src.cohort[j]
		dst.fyPeople[j] += src.fyPeople[j]
	}
	for j := range dst.streams {
		dst.streams[j] += src.streams[j]
	}
	dst.fundedPCNs += src.fundedPCNs
	if src.hasFunding {
		dst.funding = pennies(dst.funding + src.funding)
		dst.hasFunding = true
	}
}

// settle makes a sum of counts the same whatever order its parts were
// added in (steadySum, whole pennies) and takes the waits' median (once:
// counts may be read by several answers at once).
func (c *counts) settle() {
	c.fte = steadySum(c.fte)
	c.medianWait = Unknown()
	if med, ok := Median(c.waits); ok {
		c.medianWait = Known(med)
	}
	for j, v := range c.streams {
		c.streams[j] = pennies(v)
	}
}

// parallel runs fns at once and returns the first error in fns' order.
func parallel(fns []func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// addFunding adds each PCN's funding by stream for the financial year (the
// period's read, readPCNFigures; addTo calls it) to the area at level that
// holds it (index: the place's areas at the level, so a PCN outside the
// place has none). Every amount is whole pennies, so a sum kept in whole pennies is
// exact whatever order the PCNs come in.
func (p *pcnPeriod) addFunding(level string, index map[string]int, areas []areaCounts) {
	funded := map[string]bool{}
	for _, f := range p.funding {
		i, ok := p.areaOf(f.pcn, level, index)
		if !ok {
			continue
		}
		a := &areas[i]
		a.streams[f.stream] = pennies(a.streams[f.stream] + f.funding)
		a.funding = pennies(a.funding + f.funding)
		a.hasFunding = true
		if !funded[f.pcn] { // a row per stream
			funded[f.pcn] = true
			a.fundedPCNs++
		}
	}
}

// pcnFunding is one PCN's funding from one stream (its place in Streams).
type pcnFunding struct {
	pcn     string
	stream  int
	funding float64
}

// steadySum makes a sum of Float64 values (FTE) the same whatever order the
// server added them in: ClickHouse adds in parallel, so the last bits of
// a float sum can differ between two runs of one query, and a download
// would not be the same file twice. FTE has no meaning below 1e-9.
func steadySum(x float64) float64 { return math.Round(x*1e9) / 1e9 }

// pennies rounds money to whole pennies (the contract's amounts have at most
// two decimal places, so this only removes float error).
func pennies(x float64) float64 { return math.Round(x*100) / 100 }

// levelArgs are the parameters the statements of a level's figures bind:
// the data version, the place, the period and the financial year.
func levelArgs(sel Selection, place Place, asOf DataAsOf) []any {
	fyFrom, fyTo, ok := FinancialYearMonths(sel.FY)
	if !ok { // no funding loaded: a range that matches no month
		fyFrom, fyTo = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return []any{clickhouse.Named("version", asOf.Version), clickhouse.Named("place", place.Code),
		clickhouse.Named("from", sel.From.Format("2006-01-02")), clickhouse.Named("to", sel.To.Format("2006-01-02")),
		clickhouse.Named("fy", sel.FY), clickhouse.Named("fy_from", fyFrom.Format("2006-01-02")), clickhouse.Named("fy_to", fyTo.Format("2006-01-02"))}
}

// FinancialYearMonths returns April and March of a financial year YYYY-YY.
func FinancialYearMonths(fy string) (time.Time, time.Time, bool) {
	var y int
	if _, err := fmt.Sscanf(fy, "%4d-", &y); err != nil || len(fy) != 7 {
		return time.Time{}, time.Time{}, false
	}
	return time.Date(y, time.April, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, time.March, 1, 0, 0, 0, 0, time.UTC), true
}
