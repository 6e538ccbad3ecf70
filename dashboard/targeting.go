package dashboard

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/labstack/echo/v4"

	"spdash/queries"
)

// Targeting additional funding (METRICS.md): the API and the /targeting page
// share one computation, queries.Target over the figures of a request whose
// settings come from the URL.

// targetingParams are the targeting inputs, beside the selection.
var targetingParams = []string{"budget", "caseload_standard", "fte_cost", "training_cost", "need_weight"}

// DefaultBudget is the budget when the URL names none (METRICS.md sets no default).
const DefaultBudget = 1_000_000

// TargetingInputs are the inputs of one targeting, echoed in the answer.
type TargetingInputs struct {
	Budget           float64 `json:"budget"`
	CaseloadStandard float64 `json:"caseload_standard"`
	FTECost          float64 `json:"fte_cost"`
	TrainingCost     float64 `json:"training_cost"`
	NeedWeight       float64 `json:"need_weight"`
}

// String says the inputs in words, for a download's cover.
func (in TargetingInputs) String() string {
	return fmt.Sprintf("budget £%s, need weight %s, caseload standard %s, FTE cost £%s, training cost £%s",
		trimNum(in.Budget), trimNum(in.NeedWeight), trimNum(in.CaseloadStandard), trimNum(in.FTECost), trimNum(in.TrainingCost))
}

func (in TargetingInputs) settings() queries.Settings {
	return queries.Settings{CaseloadStandard: in.CaseloadStandard, FTECost: in.FTECost, TrainingCost: in.TrainingCost, NeedWeight: in.NeedWeight}
}

// decimalPattern is a finite decimal: digits with an optional point and
// exponent (no hex, no "inf", no "nan").
var decimalPattern = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$`)

// parseTargeting reads the targeting inputs, each at most once, with
// METRICS.md's ranges; a missing one takes the server's setting.
func parseTargeting(q url.Values, set queries.Settings) (TargetingInputs, error) {
	in := TargetingInputs{Budget: DefaultBudget, CaseloadStandard: set.CaseloadStandard, FTECost: set.FTECost,
		TrainingCost: set.TrainingCost, NeedWeight: set.NeedWeight}
	for _, p := range []struct {
		name     string
		dst      *float64
		min, max float64
		above    bool // min itself is refused
		accepts  string
	}{
		{"budget", &in.Budget, 0, 1e12, false, "a number of pounds from 0 to 1e12"},
		{"caseload_standard", &in.CaseloadStandard, 0, 1e9, true, "a number of people per FTE a year above 0, at most 1e9"},
		{"fte_cost", &in.FTECost, 0, 1e9, true, "a number of pounds per FTE a year above 0, at most 1e9"},
		{"training_cost", &in.TrainingCost, 0, 1e9, true, "a number of pounds per person trained above 0, at most 1e9"},
		{"need_weight", &in.NeedWeight, 0, 5, false, "a number from 0 to 5"},
	} {
		text, ok, err := single(q, p.name)
		if err != nil {
			return in, err
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(text, 64)
		if !decimalPattern.MatchString(text) || err != nil || math.IsNaN(v) || math.IsInf(v, 0) ||
			v < p.min || v > p.max || (p.above && v == p.min) {
			return in, paramErr(p.name, "must be %s, got %q", p.accepts, text)
		}
		*p.dst = v
	}
	return in, nil
}

// targetingView is a view whose figures use the URL's settings, with the
// targeting computed from them.
type targetingView struct {
	*View
	Inputs    TargetingInputs
	Targeting *queries.Targeting // nil when no data is loaded
}

// targetingFor parses the selection and the targeting inputs and computes
// both; extra names further parameters the endpoint takes.
func (s *Server) targetingFor(c echo.Context, q url.Values, extra ...string) (*targetingView, error) {
	v, err := s.selection(c, append(append([]string{}, targetingParams...), extra...)...)
	if err != nil {
		return nil, err
	}
	in, err := parseTargeting(q, s.settings)
	if err != nil {
		return nil, err
	}
	tv := &targetingView{View: v, Inputs: in}
	if !v.HasData() {
		return tv, nil
	}
	if tv.Targeting, err = s.target(c.Request().Context(), v, in); err != nil {
		return nil, err
	}
	return tv, nil
}

// target computes the figures of the view's selection with the inputs'
// settings (at the request's data version, as every figure of a request),
// and the targeting over them.
func (s *Server) target(ctx context.Context, v *View, in TargetingInputs) (*queries.Targeting, error) {
	req := s.request(ctx, v.Selection)
	req.Settings = in.settings()
	rep, err := s.report(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("targeting: %w", err)
	}
	v.Report = rep
	return queries.Target(rep, in.Budget), nil
}

// TargetingResponse is the body of GET /api/v1/targeting (METRICS.md).
type TargetingResponse struct {
	Answer
	Settings    TargetingInputs       `json:"settings"`
	EnglandIMD  queries.Figure        `json:"england_imd_score"`
	Areas       []queries.TargetArea  `json:"areas"`
	Allocated   float64               `json:"allocated"`
	Unallocated float64               `json:"unallocated"`
	Rounds      int                   `json:"rounds"`
	Totals      *queries.TargetTotals `json:"totals"`
	Message     string                `json:"message,omitempty"`
}

func (s *Server) apiTargeting(c echo.Context) error {
	tv, err := s.targetingFor(c, c.QueryParams())
	if err != nil {
		return err
	}
	r := TargetingResponse{Answer: newAnswer(tv.View), Settings: tv.Inputs, Areas: []queries.TargetArea{}}
	if tv.Targeting == nil {
		r.Message, r.Unallocated = noDataMessage, tv.Inputs.Budget
		return c.JSON(http.StatusOK, r)
	}
	t := tv.Targeting
	r.EnglandIMD, r.Areas, r.Allocated, r.Unallocated, r.Rounds, r.Totals = t.EnglandIMD, t.Areas, t.Allocated, t.Unallocated, t.Rounds, &t.Totals
	return c.JSON(http.StatusOK, r)
}
