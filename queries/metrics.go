package queries

import (
	"context"
	"fmt"
	"math"
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
	Modules = []string{"employment_support", "benefits_and_debt", "health_and_work_conversations",
		"ips_awareness", "mental_health_awareness", "personalised_care_core"}
	Outcomes = []string{"entered_employment", "retained_employment", "started_job_search",
		"entered_education_training", "entered_volunteering", "improved_work_readiness", "improved_wellbeing"}
)

// WorkModule is the module work_training_coverage is about.
const WorkModule = "employment_support"

// Selection is what a page or API call asks for.
type Selection struct {
	From, To time.Time // first days of the first and last months, inclusive
	Place    Place     // England, a region or an ICB
	Level    string    // region, icb or pcn: the areas shown
	FY       string    // financial year of the funding figures, e.g. 2024-25
}

// Months in the period.
func (s Selection) Months() int {
	return (s.To.Year()-s.From.Year())*12 + int(s.To.Month()-s.From.Month()) + 1
}

// Settings are the adjustable figures of METRICS.md.
type Settings struct {
	CaseloadStandard float64 // people per FTE per year
}

// DefaultSettings are METRICS.md's defaults.
var DefaultSettings = Settings{CaseloadStandard: 250}

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
	InPost   float64  `json:"in_post"`
	Trained  float64  `json:"trained"`
	Coverage *float64 `json:"coverage"`
}

// OutcomeRate is one outcome's rate with its 95% Wilson interval.
type OutcomeRate struct {
	People         float64  `json:"people"`
	Cohort         float64  `json:"cohort"`
	Rate           *float64 `json:"rate"`
	CILow          *float64 `json:"ci_low"`
	CIHigh         *float64 `json:"ci_high"`
	Compared       *string  `json:"compared,omitempty"` // absent for England
	CostPerOutcome *float64 `json:"cost_per_outcome"`
	FYPeople       float64  `json:"-"` // people in the financial year's months, for cost_per_outcome
}

// Metrics are every figure of one area (or England), named as in METRICS.md.
type Metrics struct {
	Population           float64                    `json:"population"`
	Referrals            float64                    `json:"referrals"`
	Accepted             float64                    `json:"accepted"`
	PeopleSupported      float64                    `json:"people_supported"`
	FTE                  float64                    `json:"fte"`
	Headcount            float64                    `json:"headcount"`
	Caseload             float64                    `json:"caseload"`
	FTEPer100k           *float64                   `json:"fte_per_100k"`
	CaseloadPerFTE       *float64                   `json:"caseload_per_fte"`
	AnnualAccepted       float64                    `json:"annual_accepted"`
	CapacityGapFTE       float64                    `json:"capacity_gap_fte"`
	MedianWaitDays       *float64                   `json:"median_wait_days"`
	WorkTrainingCoverage *float64                   `json:"work_training_coverage"`
	UntrainedStaff       float64                    `json:"untrained_staff"`
	Funding              float64                    `json:"funding"`
	FundingPer1k         *float64                   `json:"funding_per_1k"`
	IMDScore             *float64                   `json:"imd_score"`
	Training             map[string]*ModuleCoverage `json:"training"`
	Outcomes             map[string]*OutcomeRate    `json:"outcomes"`
	// Suppressed names the figures withheld by disclosure control, e.g.
	// "referrals" or "outcomes.entered_employment.people".
	Suppressed []string `json:"suppressed,omitempty"`
}

// AreaMetrics are the metrics of one area at the chosen level.
type AreaMetrics struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
	ParentName string `json:"parent_name"`
	Metrics
}

// Report is the answer to a Selection: England and each area.
type Report struct {
	Selection Selection     `json:"-"`
	England   Metrics       `json:"england"`
	Areas     []AreaMetrics `json:"areas"`
}

func ptr[T any](v T) *T { return &v }

func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	return ptr(a / b)
}

type levelSQL struct {
	Level, Name, Parent, ParentName, Where string
}

// levelColumns maps a level onto the areas view's columns; these are the only
// strings spliced into SQL, and they come from this table.
func levelColumns(level string) (levelSQL, error) {
	switch level {
	case LevelEngland:
		return levelSQL{Level: "'" + EnglandCode + "'", Name: "'England'", Parent: "''", ParentName: "''"}, nil
	case LevelRegion:
		return levelSQL{Level: "region_code", Name: "region_name", Parent: "'" + EnglandCode + "'", ParentName: "'England'"}, nil
	case LevelICB:
		return levelSQL{Level: "icb_code", Name: "icb_name", Parent: "region_code", ParentName: "region_name"}, nil
	case LevelPCN:
		return levelSQL{Level: "area_code", Name: "area_name", Parent: "icb_code", ParentName: "icb_name"}, nil
	}
	return levelSQL{}, fmt.Errorf("unknown level %q", level)
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

var metricTemplates = map[string]*template.Template{}

func init() {
	for _, name := range []string{"metrics_areas", "metrics_activity", "metrics_training", "metrics_outcomes", "metrics_funding"} {
		metricTemplates[name] = parseWithShared(name)
	}
}

// parseWithShared parses a query template with the shared definitions of
// current.sql (committed rows, place filter, level join).
func parseWithShared(name string) *template.Template {
	t := template.Must(template.New(name).Parse(sqlText("current")))
	return template.Must(t.Parse(sqlText(name)))
}

// Metrics computes the report for a selection: the one place every figure
// on pages, in the API and in downloads comes from.
func (db *DB) Metrics(ctx context.Context, sel Selection, set Settings) (*Report, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	// England and the areas are independent queries: run them side by side.
	var england []AreaMetrics
	var englandErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		england, englandErr = db.levelMetrics(ctx, sel, England, LevelEngland, set)
	}()
	areas, err := db.levelMetrics(ctx, sel, sel.Place, sel.Level, set)
	<-done
	if englandErr != nil {
		return nil, englandErr
	}
	if err != nil {
		return nil, err
	}
	rep := &Report{Selection: sel, England: englandOnly(england)}
	for i := range areas {
		compareWithEngland(&areas[i].Metrics, rep.England)
	}
	rep.Areas = areas
	return rep, nil
}

func englandOnly(areas []AreaMetrics) Metrics {
	if len(areas) == 0 {
		return emptyMetrics()
	}
	return areas[0].Metrics
}

func emptyMetrics() Metrics {
	m := Metrics{Training: map[string]*ModuleCoverage{}, Outcomes: map[string]*OutcomeRate{}}
	for _, mod := range Modules {
		m.Training[mod] = &ModuleCoverage{}
	}
	for _, o := range Outcomes {
		m.Outcomes[o] = &OutcomeRate{}
	}
	return m
}

func (db *DB) levelMetrics(ctx context.Context, sel Selection, place Place, level string, set Settings) ([]AreaMetrics, error) {
	cols, err := levelColumns(level)
	if err != nil {
		return nil, err
	}
	cols.Where = placeFilter(place)
	to := sel.To.Format("2006-01-02")
	from := sel.From.Format("2006-01-02")
	fyFrom, fyTo, ok := FinancialYearMonths(sel.FY)
	if !ok { // no funding loaded: a range that matches no month
		fyFrom, fyTo = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	args := []any{clickhouse.Named("place", place.Code), clickhouse.Named("from", from), clickhouse.Named("to", to), clickhouse.Named("fy", sel.FY),
		clickhouse.Named("fy_from", fyFrom.Format("2006-01-02")), clickhouse.Named("fy_to", fyTo.Format("2006-01-02"))}
	query := func(name string) string { return expand(metricTemplates[name], cols) }

	var areas []AreaMetrics
	index := map[string]int{}
	rows, err := db.conn.Query(ctx, query("metrics_areas"), args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("metrics areas: %w", err))
	}
	for rows.Next() {
		a := AreaMetrics{Metrics: emptyMetrics()}
		var pop, wap uint64
		if err := rows.Scan(&a.Code, &a.Name, &a.ParentCode, &a.ParentName, &pop, &wap, &a.IMDScore); err != nil {
			rows.Close()
			return nil, fmt.Errorf("metrics areas: %w", err)
		}
		a.Population = float64(pop)
		index[a.Code] = len(areas)
		areas = append(areas, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}

	// Capacity.
	rows, err = db.conn.Query(ctx, query("metrics_activity"), args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("metrics activity: %w", err))
	}
	for rows.Next() {
		var code string
		var referrals, accepted, supported, headcount, caseload uint64
		var fte float64
		var waits []float64 // sorted, unknowns left out by groupArray
		if err := rows.Scan(&code, &referrals, &accepted, &supported, &fte, &headcount, &caseload, &waits); err != nil {
			rows.Close()
			return nil, fmt.Errorf("metrics activity: %w", err)
		}
		i, ok := index[code]
		if !ok {
			continue
		}
		m := &areas[i].Metrics
		m.Referrals, m.Accepted, m.PeopleSupported = float64(referrals), float64(accepted), float64(supported)
		m.FTE, m.Headcount, m.Caseload = fte, float64(headcount), float64(caseload)
		if med, ok := Median(waits); ok {
			m.MedianWaitDays = ptr(med)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}

	// Training stocks.
	rows, err = db.conn.Query(ctx, query("metrics_training"), args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("metrics training: %w", err))
	}
	for rows.Next() {
		var code, module string
		var inPost, trained uint64
		if err := rows.Scan(&code, &module, &inPost, &trained); err != nil {
			rows.Close()
			return nil, fmt.Errorf("metrics training: %w", err)
		}
		if i, ok := index[code]; ok {
			areas[i].Training[module] = &ModuleCoverage{InPost: float64(inPost), Trained: float64(trained)}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}

	// Outcome flows over the period, and people over the financial year for cost per outcome.
	if err := db.scanOutcomes(ctx, query("metrics_outcomes"), args, index, areas); err != nil {
		return nil, err
	}

	// Funding.
	rows, err = db.conn.Query(ctx, query("metrics_funding"), args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("metrics funding: %w", err))
	}
	for rows.Next() {
		var code string
		var funding float64
		if err := rows.Scan(&code, &funding); err != nil {
			rows.Close()
			return nil, fmt.Errorf("metrics funding: %w", err)
		}
		if i, ok := index[code]; ok {
			areas[i].Funding = funding
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}

	for i := range areas {
		derive(&areas[i].Metrics, sel.Months(), set)
	}
	return areas, nil
}

func (db *DB) scanOutcomes(ctx context.Context, q string, args []any, index map[string]int, areas []AreaMetrics) error {
	rows, err := db.conn.Query(ctx, q, args...)
	if err != nil {
		return Classify(fmt.Errorf("metrics outcomes: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var code, outcome string
		var people, cohort, fyPeople uint64
		if err := rows.Scan(&code, &outcome, &people, &cohort, &fyPeople); err != nil {
			return fmt.Errorf("metrics outcomes: %w", err)
		}
		if i, ok := index[code]; ok {
			if o := areas[i].Outcomes[outcome]; o != nil {
				o.People, o.Cohort, o.FYPeople = float64(people), float64(cohort), float64(fyPeople)
			}
		}
	}
	return Classify(rows.Err())
}

// derive computes the figures defined from the sums, per METRICS.md.
func derive(m *Metrics, months int, set Settings) {
	if m.Population > 0 {
		m.FTEPer100k = ptr(m.FTE / m.Population * 100000)
		m.FundingPer1k = ptr(m.Funding / m.Population * 1000)
	}
	m.CaseloadPerFTE = ratio(m.Caseload, m.FTE)
	m.AnnualAccepted = m.Accepted * 12 / float64(months)
	m.CapacityGapFTE = math.Max(0, m.AnnualAccepted/set.CaseloadStandard-m.FTE)
	for _, c := range m.Training {
		c.Coverage = ratio(c.Trained, c.InPost)
	}
	work := m.Training[WorkModule]
	m.WorkTrainingCoverage = work.Coverage
	m.UntrainedStaff = work.InPost - work.Trained
	for _, o := range m.Outcomes {
		o.Rate = ratio(o.People, o.Cohort)
		if lo, hi, ok := Wilson(o.People, o.Cohort, Z95); ok {
			o.CILow, o.CIHigh = ptr(lo), ptr(hi)
		}
		if o.FYPeople > 0 && m.Funding > 0 {
			o.CostPerOutcome = ptr(m.Funding / o.FYPeople)
		}
	}
}

func compareWithEngland(m *Metrics, england Metrics) {
	for name, o := range m.Outcomes {
		e := england.Outcomes[name]
		if o.Rate == nil || e == nil || e.Rate == nil {
			o.Compared = ptr(NotCompared)
			continue
		}
		o.Compared = ptr(Compare(*o.CILow, *o.CIHigh, *e.Rate, o.Cohort))
	}
}

// FinancialYearMonths returns April and March of a financial year YYYY-YY.
func FinancialYearMonths(fy string) (time.Time, time.Time, bool) {
	var y int
	if _, err := fmt.Sscanf(fy, "%4d-", &y); err != nil || len(fy) != 7 {
		return time.Time{}, time.Time{}, false
	}
	return time.Date(y, time.April, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, time.March, 1, 0, 0, 0, 0, time.UTC), true
}
