package queries

import "math"

// Disclosure control, following NHS Digital's method for hospital statistics
// (METRICS.md): below England, counts of people using the service from 1 to 7
// are withheld and the others rounded to the nearest 5; rates, intervals,
// comparisons and costs beside them are computed from the rounded counts,
// and withheld when a count they use is withheld. Workforce and money are
// shown as they are. England's own figures are not controlled.
//
// It is not a pass over finished figures: Metrics and Trends control the
// counts (type control, in metrics.go) and then compute every other figure
// once, from the counts as shown (figures).

// Disclosure settings.
const (
	DisclosureOn  = "on"
	DisclosureOff = "off"
)

// ControlCount applies the rule to one count: ok is false when it must be
// withheld; otherwise the rounded value (zero stays zero).
func ControlCount(x float64) (rounded float64, ok bool) {
	r := math.Round(x/5) * 5
	if x > 0 && x < 7.5 { // counts that would show as 1 to 7
		return 0, false
	}
	return r, true
}
