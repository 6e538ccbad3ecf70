package queries

import "strings"

// The catalogue of figures: every figure's name (as in the API's JSON and
// the downloads' columns), what it means, its unit and where it comes from,
// from METRICS.md. The downloads' data dictionary is generated from it, and a
// test holds it to Metrics.Each, so a figure cannot be added without it.

// Units of figures.
const (
	UnitPeople     = "people"
	UnitFTE        = "FTE"
	UnitStaff      = "staff"
	UnitPounds     = "£"
	UnitProportion = "proportion (0 to 1)"
	UnitDays       = "days"
	UnitScore      = "score"
	UnitIndex      = "index"
	UnitPer100k    = "FTE per 100,000 people"
	UnitPoundsPer  = "£ per 1,000 people"
	UnitPer1kYear  = "a year per 1,000 people"
	UnitText       = "text"
)

// FigureDef defines one figure. A name may have a * for a module, an
// outcome or a stream: "outcomes.*.rate".
type FigureDef struct {
	Name    string
	Label   string
	Meaning string
	Unit    string
	Source  string
	// Controlled says disclosure control applies to it below England: a count
	// of people using the service, or a figure computed from one.
	Controlled bool
}

// Catalogue lists every figure of Metrics, MonthFigures and the targeting.
var Catalogue = []FigureDef{
	{"population", "Population", "Registered population of the area's PCNs", UnitPeople, "areas.population", false},
	{"referrals", "Referrals received", "Referrals received over the period (a flow)", UnitPeople, "activity.referrals_received", true},
	{"accepted", "Referrals accepted", "Referrals accepted over the period (a flow)", UnitPeople, "activity.referrals_accepted", true},
	{"people_supported", "People supported", "People who started support over the period (a flow)", UnitPeople, "activity.people_supported", true},
	{"fte", "Link-worker FTE", "Link-worker full-time equivalents in post at the period's latest month (a stock)", UnitFTE, "activity.link_worker_fte", false},
	{"headcount", "Link-worker headcount", "Link workers in post at the period's latest month (a stock)", UnitStaff, "activity.link_worker_headcount", false},
	{"caseload", "Active caseload", "People on link workers' caseloads at the period's latest month (a stock)", UnitPeople, "activity.active_caseload", true},
	{"fte_per_100k", "FTE per 100,000 people", "fte ÷ population × 100,000", UnitPer100k, "activity, areas", false},
	{"caseload_per_fte", "Caseload per FTE", "caseload ÷ fte; unknown when fte is 0", UnitPeople, "activity", true},
	{"annual_accepted", "Referrals accepted a year", "accepted × 12 ÷ months in the period", UnitPeople, "activity", true},
	{"capacity_gap_fte", "Capacity gap", "max(0, annual_accepted ÷ caseload standard − fte): the extra FTE needed", UnitFTE, "activity", true},
	{"median_wait_days", "Median wait", "Median of the providers' monthly median waits to first contact in the period", UnitDays, "activity.median_wait_days", false},
	{"work_training_coverage", "Work training coverage", "Coverage of the employment support module", UnitProportion, "training", false},
	{"untrained_staff", "Staff not trained in employment support", "Staff in post − staff trained in employment support", UnitStaff, "training", false},
	{"funding", "Funding", "Funding for the financial year from every stream; unknown when the area sent no funding return", UnitPounds, "funding.amount_gbp", false},
	{"funding_per_1k", "Funding per 1,000 people", "funding ÷ population × 1,000", UnitPoundsPer, "funding, areas", false},
	{"funding_by_stream.*", "Funding from one stream", "Funding for the financial year from the stream (0 when the area has funding rows but none for the stream)", UnitPounds, "funding.amount_gbp by stream", false},
	{"imd_score", "Deprivation (IMD score)", "Population-weighted mean Index of Multiple Deprivation score of the PCNs with a known score", UnitScore, "areas.imd_score", false},
	{"training.*.in_post", "Staff in post", "Staff in post at the period's latest month (a stock)", UnitStaff, "training.staff_in_post", false},
	{"training.*.trained", "Staff trained", "Staff trained in the module at the period's latest month (a stock)", UnitStaff, "training.staff_trained", false},
	{"training.*.coverage", "Coverage", "trained ÷ in post", UnitProportion, "training", false},
	{"outcomes.*.trend", "Recent trend", "increasing, decreasing, no significant change or cannot be calculated: the Cochran–Armitage test of the months' counts at 99.8%, kept only if its direction holds with each month left out (exact counts: a category, not a count)", UnitText, "outcomes", false},
	{"training.*.trend", "Recent trend", "Of employment-support coverage (trained of in post each month), as for the outcomes' trend", UnitText, "training", false},
	{"outcomes.*.people", "People achieving the outcome", "People who achieved the outcome over the period (a flow)", UnitPeople, "outcomes.people", true},
	{"outcomes.*.cohort", "Cohort", "People assessed for the outcome over the period (a flow)", UnitPeople, "outcomes.cohort", true},
	{"outcomes.*.rate", "Rate", "people ÷ cohort", UnitProportion, "outcomes", true},
	{"outcomes.*.ci_low", "95% interval, lower", "Wilson score interval of the rate, z = 1.959964", UnitProportion, "outcomes", true},
	{"outcomes.*.ci_high", "95% interval, upper", "Wilson score interval of the rate, z = 1.959964", UnitProportion, "outcomes", true},
	{"outcomes.*.ci99_low", "99.8% interval, lower", "Wilson score interval of the rate, z = 3.090232", UnitProportion, "outcomes", true},
	{"outcomes.*.ci99_high", "99.8% interval, upper", "Wilson score interval of the rate, z = 3.090232", UnitProportion, "outcomes", true},
	{"outcomes.*.compared", "Compared with England", "higher or lower when the 95% interval lies wholly above or below England's rate, else similar; not compared when the cohort is under 10", UnitText, "outcomes", true},
	{"outcomes.*.cost_per_outcome", "Cost per outcome", "funding ÷ people achieving the outcome in the financial year's months", UnitPounds, "funding, outcomes", true},
	{"census_fte", "Census FTE", "Link-worker FTE in the published PCN workforce census at the census month (both roles, staff and contracted services): the latest census month at or before the period's last month", UnitFTE, "workforce_published.fte", false},
	{"census_fte_mental_health", "Census FTE, mental-health link workers", "The part of census_fte in the role Social Prescribing Link Workers (Mental Health Practitioners)", UnitFTE, "workforce_published.fte", false},
	{"census_headcount", "Census headcount", "Distinct people (identifiers of NWRS Staff rows) in the census month across the whole area: a person in two PCNs counts once in their ICB; contracted services add none", UnitStaff, "workforce_published.unique_identifier", false},
	{"fte_difference", "Returned FTE − census FTE", "fte (the returns, at the period's latest month) − census_fte; unknown without a return for that month or a census row", UnitFTE, "activity, workforce_published", false},
	{"fte_difference_share", "Difference as a share of the census", "fte_difference ÷ census_fte; flagged beyond ±20%", UnitProportion, "activity, workforce_published", false},
	{"sp_appointments.*", "Social prescribing appointments", "Appointments in the national category Social Prescribing Service over the period with this status (attended, dna, unknown), from Appointments in General Practice (a flow)", UnitPeople, "appointments_published.appointments", true},
	{"sp_appointments_per_1k", "Appointments a year per 1,000 people", "(attended + dna + unknown) ÷ population × 1,000 × 12 ÷ the months of the period with published appointments for the area", UnitPer1kYear, "appointments_published, areas", true},
	{"dna_rate", "Did not attend", "dna ÷ (attended + dna)", UnitProportion, "appointments_published", true},
	{"need_index", "Need index", "(imd_score ÷ England's) ^ need weight; 1 when the score is unknown", UnitIndex, "areas", false},
	{"capacity_gap_cost", "Capacity gap cost", "capacity_gap_fte × cost of an FTE", UnitPounds, "activity", true},
	{"training_gap_cost", "Training gap cost", "untrained_staff × cost of training one person", UnitPounds, "training", false},
	{"gap_cost", "Gap cost", "capacity_gap_cost + training_gap_cost", UnitPounds, "activity, training", true},
	{"priority", "Priority", "gap_cost × need_index", UnitPounds, "activity, training, areas", true},
	{"allocation", "Allocation", "The budget shared in proportion to priority, no area above its gap cost", UnitPounds, "targeting", true},
	{"funded_fte", "FTE funded", "min(capacity_gap_fte, allocation ÷ cost of an FTE)", UnitFTE, "targeting", true},
	{"training_places", "Training places", "What the allocation buys after the FTE, at the cost of training one person, at most the untrained staff", UnitStaff, "targeting", true},
	{"expected_extra_people", "Extra people a year", "funded_fte × caseload standard", UnitPeople, "targeting", true},
	{"expected_extra_outcomes.*", "Extra people into the outcome", "expected_extra_people × the area's rate (England's when its cohort is under 10)", UnitPeople, "targeting, outcomes", true},
	{"sii.sii", "Slope index of inequality", "The weighted least-squares slope of a rate on the midpoints of the deciles' cumulative shares of its denominator (most deprived first): the gap between the least and the most deprived; positive when the least deprived do better", UnitProportion, "areas, training, outcomes", false},
	{"sii.ci_low", "SII 95% interval, lower", "SII − 1.959964 × SE, SE from the binomial variance of each decile's rate", UnitProportion, "areas, training, outcomes", false},
	{"sii.ci_high", "SII 95% interval, upper", "SII + 1.959964 × SE", UnitProportion, "areas, training, outcomes", false},
	{"sii.deciles", "Deciles counted", "Deciles with a denominator of at least 10; fewer than 5: cannot be calculated", UnitIndex, "areas, training, outcomes", false},
	{"sii.status", "SII status", "calculated, or cannot be calculated", UnitText, "METRICS.md", false},
	{"completeness.expected", "Providers expected", "Providers with an activity return for the PCN in any of the 3 months before the month, summed over the PCNs", UnitIndex, "activity", false},
	{"completeness.received", "Returns received", "Of the providers expected, those with an activity return for the month (a provider new in the month is not counted)", UnitIndex, "activity", false},
	{"completeness.completeness", "Completeness", "received ÷ expected; unknown when none was expected; below 0.9 the month is incomplete", UnitProportion, "activity", false},
	{"evidence.*.n", "PCNs used", "PCNs of the place with a cohort for the outcome over the period and known deprivation, long-term sickness and work training coverage at the period's first month", UnitIndex, "areas, training, outcomes", false},
	{"evidence.*.odds_ratio", "Odds ratio per 10 points of coverage", "exp(β1) of the binomial GLM (logit) of the outcome's people of its cohort on 10 × coverage at the first month, adjusted for deprivation and long-term sickness (z-scores); an association across areas, not proof that training causes outcomes", UnitIndex, "areas, training, outcomes", false},
	{"evidence.*.ci_low", "95% interval, lower", "exp(β1 − 1.959964 × SE), SE = √(v · max(1, dispersion))", UnitIndex, "areas, training, outcomes", false},
	{"evidence.*.ci_high", "95% interval, upper", "exp(β1 + 1.959964 × SE)", UnitIndex, "areas, training, outcomes", false},
	{"evidence.*.p_value", "p-value", "Two-sided, normal, from that SE", UnitProportion, "areas, training, outcomes", false},
	{"evidence.*.dispersion", "Dispersion", "Pearson χ² ÷ (n − 4); above 1, the interval is widened by its square root", UnitIndex, "areas, training, outcomes", false},
	{"evidence.*.unadjusted_odds_ratio", "Odds ratio, coverage alone", "The same model with coverage alone (dispersion over n − 2)", UnitIndex, "areas, training, outcomes", false},
	{"evidence.*.unadjusted_ci_low", "95% interval, lower (coverage alone)", "As ci_low, for the model with coverage alone", UnitIndex, "areas, training, outcomes", false},
	{"evidence.*.unadjusted_ci_high", "95% interval, upper (coverage alone)", "As ci_high, for the model with coverage alone", UnitIndex, "areas, training, outcomes", false},
	{"evidence.*.status", "Status", "estimated, or cannot be estimated (fewer than 20 PCNs, no convergence, or a singular system): then every number is empty but n", UnitText, "the model", false},
}

// Def returns the definition of a figure by its name, such as
// "outcomes.entered_employment.rate" or "referrals".
func Def(name string) (FigureDef, bool) {
	for _, d := range Catalogue {
		if matchName(d.Name, name) {
			return d, true
		}
	}
	return FigureDef{}, false
}

func matchName(pattern, name string) bool {
	p, n := strings.Split(pattern, "."), strings.Split(name, ".")
	if len(p) != len(n) {
		return false
	}
	for i := range p {
		if p[i] != "*" && p[i] != n[i] {
			return false
		}
	}
	return true
}
