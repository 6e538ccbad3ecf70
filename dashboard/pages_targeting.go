package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"spdash/dashboard/charts"
	"spdash/queries"
	"spdash/reports"
)

// The /targeting page: where additional funding would go, why, and what it
// would buy; a second scenario beside the first; and how the ranking moves
// with the weight given to need. Every figure is the API's
// (/api/v1/targeting): queries.Target over the same request.

// scenarioParams are a second scenario's inputs: the first's, prefixed.
const scenarioPrefix = "vs_"

var scenarioParams = func() []string {
	out := make([]string, len(targetingParams))
	for i, p := range targetingParams {
		out[i] = scenarioPrefix + p
	}
	return out
}()

// sensitivityWeights are the need weights of the sensitivity view.
var sensitivityWeights = []float64{0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2}

type targetingBody struct {
	Method     []string // the method in plain English
	Notes      []string // what applies to this answer (disclosure, withheld gaps, remainder)
	Headlines  []headline
	Outcomes   []headline
	Charts     []chartView
	APIHref    string
	Scenario   *scenarioView
	Sensitive  chartView
	ScenarioOn bool
}

type scenarioView struct {
	AHref, BHref string
	ALabel       string
	BLabel       string
	Summary      string
	Chart        chartView
}

func (s *Server) targetingPage(c echo.Context) error {
	v0, q, err := s.pageSelection(c, append(append([]string{}, targetingParams...), scenarioParams...)...)
	if err != nil {
		return err
	}
	p := basePage(c, v0, q, "Target additional funding")
	in, err := parseTargeting(q, s.settings)
	if err != nil {
		return err
	}
	b, hasB, err := parseScenario(q, in)
	if err != nil {
		return err
	}
	if p.Filter != nil {
		p.Filter.Inputs = targetingInputs(in, b, hasB)
	}
	if !v0.HasData() {
		return s.render(c, http.StatusOK, "targeting", p)
	}
	ctx := c.Request().Context()
	// The second scenario's figures beside the first's: on the same data
	// (the request's data version), so they share the period's reads.
	vb := *v0
	var tb *queries.Targeting
	var errB error
	var second sync.WaitGroup
	if hasB {
		second.Go(func() { tb, errB = s.target(ctx, &vb, b) })
	}
	v := *v0
	t, err := s.target(ctx, &v, in)
	second.Wait()
	if err != nil {
		return err
	}
	p.DataAsOf = dataAsOfText(v.AsOf)
	body := targetingBody{Method: targetingMethod(in), APIHref: "/api/v1/targeting" + targetingQuery(q, in), ScenarioOn: hasB}
	body.Notes = targetingNotes(&v, t)
	body.Headlines, body.Outcomes = targetingHeadlines(t)
	alloc, err := allocationChart(&v, t, q)
	if err != nil {
		return err
	}
	buys, err := outcomesBought(&v, t, q)
	if err != nil {
		return err
	}
	body.Charts = withDownloads([]chartView{alloc, buys}, reports.Targeting, &v, q)
	if body.Sensitive, err = sensitivityChart(&v, in, q); err != nil {
		return err
	}
	body.Sensitive = withTableDownloads(c, []chartView{body.Sensitive})[0]
	if hasB {
		if errB != nil {
			return errB
		}
		if body.Scenario, err = compareScenarios(q, in, b, t, tb, v.Selection.Level); err != nil {
			return err
		}
		body.Scenario.Chart = withTableDownloads(c, []chartView{body.Scenario.Chart})[0]
	}
	p.Body, p.Charts = body, true
	return s.render(c, http.StatusOK, "targeting", p)
}

// parseScenario reads the second scenario's inputs (vs_budget, …): the
// first scenario's, with those given replaced. ok is false when none is given.
func parseScenario(q url.Values, a TargetingInputs) (TargetingInputs, bool, error) {
	sub := url.Values{}
	for _, name := range targetingParams {
		if vs, ok := q[scenarioPrefix+name]; ok {
			sub[name] = vs
		}
	}
	if len(sub) == 0 {
		return a, false, nil
	}
	b, err := parseTargeting(sub, a.settings())
	if err != nil {
		pe := err.(*ParamError)
		return a, false, paramErr(scenarioPrefix+pe.Param, "%s", pe.Message)
	}
	if _, ok := sub["budget"]; !ok {
		b.Budget = a.Budget
	}
	return b, true, nil
}

func targetingInputs(a, b TargetingInputs, hasB bool) []inputField {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	fields := []inputField{
		{ID: "t-budget", Name: "budget", Label: "Budget (£)", Value: f(a.Budget), Min: "0", Max: "1e12"},
		{ID: "t-need", Name: "need_weight", Label: "Need weight (0–5)", Value: f(a.NeedWeight), Min: "0", Max: "5"},
		{ID: "t-caseload", Name: "caseload_standard", Label: "Caseload standard (people per FTE a year)", Value: f(a.CaseloadStandard), Min: "0", Max: "1e9"},
		{ID: "t-fte", Name: "fte_cost", Label: "Cost of one FTE a year (£)", Value: f(a.FTECost), Min: "0", Max: "1e9"},
		{ID: "t-training", Name: "training_cost", Label: "Cost of training one person (£)", Value: f(a.TrainingCost), Min: "0", Max: "1e9"},
	}
	vb, vw := "", ""
	if hasB {
		vb, vw = f(b.Budget), f(b.NeedWeight)
	}
	return append(fields,
		inputField{ID: "t-vs-budget", Name: scenarioPrefix + "budget", Label: "Compare with budget (£)", Value: vb, Min: "0", Max: "1e12", Optional: true},
		inputField{ID: "t-vs-need", Name: scenarioPrefix + "need_weight", Label: "Compare with need weight", Value: vw, Min: "0", Max: "5", Optional: true})
}

func targetingMethod(in TargetingInputs) []string {
	return []string{
		fmt.Sprintf("Each area's gap is costed: the link-worker FTE it lacks to see the referrals it accepts in a year at %s people per FTE, at £%s per FTE a year, plus its link workers not yet trained in employment support, at £%s each.",
			fmtCount(in.CaseloadStandard), fmtCount(in.FTECost), fmtCount(in.TrainingCost)),
		fmt.Sprintf("Need weighs the gap: an area's need index is its deprivation score divided by England's, raised to the power %s (0 ignores deprivation; 1 is in proportion; higher favours deprived areas more). An area with no deprivation score has a need index of 1.", trimNum(in.NeedWeight)),
		"The budget is shared in proportion to gap cost × need index, and no area receives more than its gap costs: what a capped area does not need is shared again among the rest, in the same way, until the budget or every gap is used up.",
		fmt.Sprintf("An allocation buys FTE first, up to the area's capacity gap, then training. Each funded FTE can support %s more people a year; the extra people into each outcome use the area's own rate, or England's when fewer than 10 people in the area were assessed for it. Outcomes are not added together: one person can achieve several.", fmtCount(in.CaseloadStandard)),
	}
}

func targetingNotes(v *View, t *queries.Targeting) []string {
	var notes []string
	withheld := 0
	for _, a := range t.Areas {
		if a.CapacityGapFTE.IsWithheld() {
			withheld++
		}
	}
	if v.Disclosure == queries.DisclosureOn {
		notes = append(notes, "Disclosure control is on: targeting is worked out from the counts as shown (rounded to the nearest 5), so no allocation reveals an exact count.")
		if withheld > 0 {
			notes = append(notes, fmt.Sprintf("%d %s accepted so few referrals that the count is withheld: their capacity gap is unknown, and they are funded for their training gap only.",
				withheld, levelNoun(v.Selection.Level, withheld != 1)))
		}
	}
	if t.Unallocated > 0 {
		notes = append(notes, fmt.Sprintf("£%s of the budget is left unallocated: it is more than every area's gap costs.", fmtCount(t.Unallocated)))
	}
	if !t.EnglandIMD.IsKnown() {
		notes = append(notes, "England's deprivation score is unknown, so every need index is 1.")
	}
	return notes
}

func targetingHeadlines(t *queries.Targeting) ([]headline, []headline) {
	capped := 0
	for _, a := range t.Areas {
		if a.Capped {
			capped++
		}
	}
	heads := []headline{
		{Label: "Budget", Value: "£" + fmtCount(t.Budget), Note: fmt.Sprintf("£%s allocated, £%s left", fmtCount(t.Allocated), fmtCount(t.Unallocated))},
		{Label: "Areas funded", Value: fmtCount(float64(countFunded(t))), Note: fmt.Sprintf("%d receive their whole gap", capped)},
		{Label: "Link-worker FTE funded", Value: fmtNum(t.Totals.FundedFTE), Note: "For a year"},
		{Label: "Training places", Value: fmtCount(math.Floor(t.Totals.TrainingPlaces + 1e-9)), Note: "Whole places in employment support; the table gives each area's to one decimal"},
		{Label: "Extra people supported", Value: fmtCount(t.Totals.ExpectedExtraPeople), Note: "A year, by the funded FTE"},
	}
	var outs []headline
	for _, o := range routeOrder {
		outs = append(outs, headline{Label: outcomeLabels[o], Value: fmtCount(t.Totals.ExpectedExtraOutcomes[o]), Note: "Extra people a year", Direct: directOutcomes[o]})
	}
	return heads, outs
}

func countFunded(t *queries.Targeting) int {
	n := 0
	for _, a := range t.Areas {
		if a.Allocation > 0 {
			n++
		}
	}
	return n
}

// whyText explains an area's allocation in plain English.
func whyText(a queries.TargetArea) string {
	var gap string
	switch fte, ok := a.CapacityGapFTE.Value(); {
	case a.CapacityGapFTE.IsWithheld():
		gap = "Its capacity gap is withheld by disclosure control, so only its training gap is funded"
	case ok && fte > 0:
		gap = fmt.Sprintf("Short of %s link-worker FTE (£%s a year)", fmtNum(fte), countOf(a.CapacityCost))
	default:
		gap = "Has the link workers its accepted referrals need"
	}
	if a.UntrainedStaff > 0 {
		gap += fmt.Sprintf(", with %s not trained in employment support (£%s)", fmtCount(a.UntrainedStaff), fmtCount(a.TrainingCost))
	} else {
		gap += ", and every link worker trained in employment support"
	}
	need := "need index 1 (no deprivation score)"
	if imd, ok := a.IMDScore.Value(); ok {
		need = fmt.Sprintf("need index %s (deprivation score %s)", trimNum(round(a.NeedIndex, 2)), fmtNum(imd))
	}
	switch {
	case a.GapCost == 0:
		return gap + ": nothing to fund."
	case a.Priority == 0:
		return gap + "; " + need + ", so no priority: nothing allocated."
	case a.Capped:
		return fmt.Sprintf("%s; %s. Receives its whole gap, £%s.", gap, need, fmtCount(a.GapCost))
	case a.Allocation == 0:
		return fmt.Sprintf("%s; %s. Nothing allocated: the budget was zero.", gap, need)
	}
	return fmt.Sprintf("%s; %s. Receives £%s, %s%% of its gap, its share of the budget by priority.", gap, need,
		fmtCount(a.Allocation), withCommas(a.Allocation/a.GapCost*100, 0))
}

func round(v float64, dp int) float64 {
	p := math.Pow(10, float64(dp))
	return math.Round(v*p) / p
}

func trimNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func allocationChart(v *View, t *queries.Targeting, q url.Values) (chartView, error) {
	ac := newAreaCols(v, q)
	tbl := table{ID: "targeting-table", Caption: "Recommended allocation, by " + levelNoun(ac.level, false) + ", largest first", RowHeads: false,
		Head: append([]column{{Label: "Rank", Num: true}}, ac.head(
			column{"Need index", true}, column{"Capacity gap (FTE)", true}, column{"Not trained", true},
			column{"Capacity gap cost (£)", true}, column{"Training gap cost (£)", true},
			column{"Gap cost (£)", true}, column{"Priority", true}, column{"Allocation (£)", true},
			column{"FTE funded", true}, column{"Training places", true}, column{"Extra people a year", true}, column{Label: "Why"})...)}
	var cats, codes []string
	var fteVals, trainVals []*float64
	for _, a := range t.Areas {
		row := []cell{num(strconv.Itoa(a.Rank)), areaCell(a.Code, a.Name, q)}
		if ac.withParent {
			row = append(row, cell{Text: a.ParentName})
		}
		tbl.Rows = append(tbl.Rows, append(row, num(trimNum(round(a.NeedIndex, 3))), num(numOf(a.CapacityGapFTE)), num(fmtCount(a.UntrainedStaff)),
			num(countOf(a.CapacityCost)), num(fmtCount(a.TrainingCost)), num(fmtCount(a.GapCost)), num(fmtCount(a.Priority)), num(fmtCount(a.Allocation)),
			num(fmtNum(a.FundedFTE)), num(fmtNum(a.TrainingPlaces)), num(fmtCount(a.ExpectedExtraPeople)), cell{Text: whyText(a)}))
		if a.Allocation > 0 && len(cats) < maxBars {
			onFTE := a.FundedFTE * t.Settings.FTECost
			onTraining := a.Allocation - onFTE
			cats, codes = append(cats, a.Name), append(codes, a.Code)
			fteVals, trainVals = append(fteVals, ptr(onFTE)), append(trainVals, ptr(onTraining))
		}
	}
	funded := countFunded(t)
	summary := "No area is allocated anything: either the budget is zero or no area has a gap."
	if funded > 0 {
		top := t.Areas[0]
		summary = fmt.Sprintf("%d of %d %s receive funding. %s receives the most, £%s. ", funded, len(t.Areas), levelNoun(ac.level, true), top.Name, fmtCount(top.Allocation))
		if funded > maxBars {
			summary += fmt.Sprintf("The chart shows the %d largest allocations; the table lists every area. ", maxBars)
		}
		summary += "Each bar is split into what buys link-worker FTE and what buys training."
	}
	var spec *charts.Spec
	if len(cats) > 0 {
		spec = charts.StackedBars(cats, codes, []charts.Series{{Name: "Link-worker FTE", Values: fteVals}, {Name: "Training", Values: trainVals}}, charts.Unit{Name: "£ allocated"})
	}
	return newChart("chart-allocation", "Recommended allocation", summary, spec, tbl, q)
}

func outcomesBought(v *View, t *queries.Targeting, q url.Values) (chartView, error) {
	ac := newAreaCols(v, q)
	head := []column{{Label: "Extra people a year", Num: true}}
	for _, o := range routeOrder {
		head = append(head, column{outcomeLabels[o], true})
	}
	tbl := table{ID: "targeting-outcomes-table", Caption: "Extra people a year into each outcome, by " + levelNoun(ac.level, false), RowHeads: true, Head: ac.head(head...)}
	for _, a := range t.Areas {
		if a.Allocation == 0 {
			continue
		}
		rest := []cell{num(fmtCount(a.ExpectedExtraPeople))}
		for _, o := range routeOrder {
			text := fmtNum(a.ExpectedExtraOutcomes[o])
			if a.RateFrom[o] == queries.RateFromEngland {
				text += " (E)"
			}
			rest = append(rest, num(text))
		}
		tbl.Rows = append(tbl.Rows, ac.row(&queries.AreaMetrics{Code: a.Code, Name: a.Name, ParentName: a.ParentName}, rest...))
	}
	var cats []string
	var vals []*float64
	for _, o := range routeOrder {
		cats = append(cats, outcomeLabels[o])
		vals = append(vals, ptr(t.Totals.ExpectedExtraOutcomes[o]))
	}
	summary := fmt.Sprintf("The funded FTE would support about %s more people a year. Of them, about %s would be expected to improve their wellbeing, %s to enter volunteering and %s to enter employment: steps towards work are counted beside jobs. (E) marks an area whose own cohort was under 10, so England's rate is used.",
		fmtCount(t.Totals.ExpectedExtraPeople), fmtCount(t.Totals.ExpectedExtraOutcomes["improved_wellbeing"]),
		fmtCount(t.Totals.ExpectedExtraOutcomes["entered_volunteering"]), fmtCount(t.Totals.ExpectedExtraOutcomes["entered_employment"]))
	spec := charts.GroupedBars(cats, []charts.Series{{Name: "Extra people a year", Values: vals}}, charts.Unit{Name: "Extra people a year"})
	return newChart("chart-targeting-outcomes", "What the allocation buys: extra people into each outcome", summary, spec, tbl, q)
}

// sensitivityChart shows how the ranks of the top areas move as the need
// weight goes from 0 to 2, other inputs unchanged.
func sensitivityChart(v *View, in TargetingInputs, q url.Values) (chartView, error) {
	const top = 8
	ranks := map[string][]*float64{}
	for wi, w := range sensitivityWeights {
		rep := *v.Report // the figures do not depend on the need weight
		rep.Request.Settings.NeedWeight = w
		for _, a := range queries.Target(&rep, in.Budget).Areas {
			if ranks[a.Code] == nil {
				ranks[a.Code] = make([]*float64, len(sensitivityWeights))
			}
			ranks[a.Code][wi] = ptr(float64(a.Rank))
		}
	}
	// The top areas at the chosen weight.
	rep := *v.Report
	rep.Request.Settings.NeedWeight = in.NeedWeight
	chosen := queries.Target(&rep, in.Budget).Areas
	if len(chosen) > top {
		chosen = chosen[:top]
	}
	cats := make([]string, len(sensitivityWeights))
	head := []column{{Label: capitalise(levelNoun(v.Selection.Level, false))}}
	for i, w := range sensitivityWeights {
		cats[i] = trimNum(w)
		head = append(head, column{"Weight " + trimNum(w), true})
	}
	tbl := table{ID: "sensitivity-table", Caption: "Rank at each need weight", RowHeads: true, Head: head}
	var series []charts.Series
	moved := 0
	for _, a := range chosen {
		r := ranks[a.Code]
		row := []cell{areaCell(a.Code, a.Name, q)}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range r {
			row = append(row, num(fmtCount(*x)))
			lo, hi = math.Min(lo, *x), math.Max(hi, *x)
		}
		if hi-lo >= 3 {
			moved++
		}
		tbl.Rows = append(tbl.Rows, row)
		codes := make([]string, len(r))
		for i := range codes {
			codes[i] = a.Code
		}
		series = append(series, charts.Series{Name: a.Name, Values: r, Codes: codes})
	}
	maxRank := 1
	for _, s := range series {
		for _, x := range s.Values {
			maxRank = max(maxRank, int(*x))
		}
	}
	summary := fmt.Sprintf("The %d %s ranked highest at need weight %s, and their ranks as the weight goes from 0 (gap alone) to 2 (deprivation counts twice over). %d of them move by 3 places or more.",
		len(chosen), levelNoun(v.Selection.Level, true), trimNum(in.NeedWeight), moved)
	var spec *charts.Spec
	if len(series) > 0 {
		spec = charts.RankLines(cats, series, maxRank, "Need weight")
	}
	return newChart("chart-sensitivity", "Sensitivity: ranks as the need weight changes", summary, spec, tbl, q)
}

// compareScenarios sets two scenarios side by side: the areas whose
// allocation changes most.
func compareScenarios(q url.Values, a, b TargetingInputs, ta, tb *queries.Targeting, level string) (*scenarioView, error) {
	const top = 15
	type move struct {
		code, name string
		a, b       float64
	}
	byCode := map[string]*move{}
	for _, x := range ta.Areas {
		byCode[x.Code] = &move{code: x.Code, name: x.Name, a: x.Allocation}
	}
	for _, x := range tb.Areas {
		if m := byCode[x.Code]; m != nil {
			m.b = x.Allocation
		} else {
			byCode[x.Code] = &move{code: x.Code, name: x.Name, b: x.Allocation}
		}
	}
	moves := make([]*move, 0, len(byCode))
	for _, m := range byCode {
		moves = append(moves, m)
	}
	sort.Slice(moves, func(i, j int) bool {
		di, dj := math.Abs(moves[i].b-moves[i].a), math.Abs(moves[j].b-moves[j].a)
		if di != dj {
			return di > dj
		}
		return moves[i].code < moves[j].code
	})
	sv := &scenarioView{ALabel: scenarioLabel(a), BLabel: scenarioLabel(b),
		AHref: "/targeting" + targetingQuery(q, a), BHref: "/targeting" + targetingQuery(q, b)}
	tbl := table{ID: "scenario-table", Caption: "Allocation in each scenario, largest change first", RowHeads: true,
		Head: []column{{Label: capitalise(levelNoun(level, false))}, {"Scenario A (£)", true}, {"Scenario B (£)", true}, {"Change (£)", true}}}
	var cats, codes []string
	var av, bv []*float64
	changed := 0
	for _, m := range moves {
		d := m.b - m.a
		if math.Abs(d) >= 0.5 {
			changed++
		}
		sign := ""
		if d > 0 {
			sign = "+"
		}
		tbl.Rows = append(tbl.Rows, []cell{areaCell(m.code, m.name, q), num(fmtCount(m.a)), num(fmtCount(m.b)), num(sign + fmtCount(d))})
		if len(cats) < top {
			cats, codes = append(cats, m.name), append(codes, m.code)
			av, bv = append(av, ptr(m.a)), append(bv, ptr(m.b))
		}
	}
	sv.Summary = fmt.Sprintf("Scenario A (%s) allocates £%s and scenario B (%s) £%s. %d of %d %s receive a different amount.",
		sv.ALabel, fmtCount(ta.Allocated), sv.BLabel, fmtCount(tb.Allocated), changed, len(moves), levelNoun(level, true))
	if len(moves) > 0 && changed > 0 {
		m := moves[0]
		sv.Summary += fmt.Sprintf(" %s moves most: £%s in A, £%s in B.", m.name, fmtCount(m.a), fmtCount(m.b))
	}
	spec := charts.GroupedBars(cats, []charts.Series{{Name: "Scenario A", Values: av, Codes: codes}, {Name: "Scenario B", Values: bv, Codes: codes}}, charts.Unit{Name: "£ allocated"})
	var err error
	sv.Chart, err = newChart("chart-scenarios", "What moves between the scenarios", sv.Summary, spec, tbl, q)
	return sv, err
}

func scenarioLabel(in TargetingInputs) string {
	return fmt.Sprintf("budget £%s, need weight %s", fmtCount(in.Budget), trimNum(in.NeedWeight))
}

// targetingQuery is the page's query with the inputs in, the second
// scenario's out (each scenario is a URL of its own).
func targetingQuery(q url.Values, in TargetingInputs) string {
	keep := url.Values{}
	for _, n := range selectionParams {
		if vs, ok := q[n]; ok {
			keep[n] = vs
		}
	}
	keep.Set("budget", trimNum(in.Budget))
	keep.Set("need_weight", trimNum(in.NeedWeight))
	keep.Set("caseload_standard", trimNum(in.CaseloadStandard))
	keep.Set("fte_cost", trimNum(in.FTECost))
	keep.Set("training_cost", trimNum(in.TrainingCost))
	return "?" + strings.ReplaceAll(keep.Encode(), "%2C", ",")
}
