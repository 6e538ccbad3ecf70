package queries

import (
	"encoding/json"
	"math"
	"strconv"
)

// Figure is one number of METRICS.md as it may be shown: a value, unknown
// (nothing to compute it from, such as a rate of an empty cohort), or
// withheld by disclosure control. A figure that is not known has no value: a
// page, a download or the API cannot show it as 0 by mistake, and JSON
// writes it as null. The zero Figure is unknown.
type Figure struct {
	v     float64
	state figureState
}

type figureState uint8

const (
	stateUnknown figureState = iota
	stateKnown
	stateWithheld
)

// Known is a figure with a value.
func Known(v float64) Figure { return Figure{v: v, state: stateKnown} }

// Unknown is a figure with nothing to compute it from.
func Unknown() Figure { return Figure{} }

// Withheld is a figure disclosure control does not show.
func Withheld() Figure { return Figure{state: stateWithheld} }

// KnownPtr is Known(*v), or Unknown when v is nil.
func KnownPtr(v *float64) Figure {
	if v == nil {
		return Unknown()
	}
	return Known(*v)
}

// Value returns the value; ok is false when the figure is unknown or withheld.
func (f Figure) Value() (v float64, ok bool) { return f.v, f.state == stateKnown }

// IsKnown reports whether the figure has a value.
func (f Figure) IsKnown() bool { return f.state == stateKnown }

// IsWithheld reports whether disclosure control withheld the figure.
func (f Figure) IsWithheld() bool { return f.state == stateWithheld }

// Ptr is the value for a chart or a nullable field: nil unless known.
func (f Figure) Ptr() *float64 {
	if f.state != stateKnown {
		return nil
	}
	v := f.v
	return &v
}

// MarshalJSON writes the value, or null when it is unknown or withheld.
func (f Figure) MarshalJSON() ([]byte, error) { return f.appendJSON(nil), nil }

// appendJSON appends the value, or null when it is unknown or withheld (or
// not a finite number).
func (f Figure) appendJSON(b []byte) []byte {
	if f.state != stateKnown || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f.v, 'g', -1, 64)
}

// UnmarshalJSON reads a number or null (unknown: JSON does not say why).
func (f *Figure) UnmarshalJSON(b []byte) error {
	var p *float64
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*f = KnownPtr(p)
	return nil
}

// String is the value for logs and test messages.
func (f Figure) String() string {
	switch f.state {
	case stateKnown:
		return strconv.FormatFloat(f.v, 'g', -1, 64)
	case stateWithheld:
		return "withheld"
	}
	return "unknown"
}

// Arithmetic over figures: a result is withheld when an operand is withheld
// (a figure computed from a withheld count would reveal it), else unknown
// when an operand is unknown.

func combine(a, b Figure, op func(x, y float64) Figure) Figure {
	switch {
	case a.state == stateWithheld || b.state == stateWithheld:
		return Withheld()
	case a.state != stateKnown || b.state != stateKnown:
		return Unknown()
	}
	return op(a.v, b.v)
}

// Div is a / b, unknown when b is 0.
func Div(a, b Figure) Figure {
	return combine(a, b, func(x, y float64) Figure {
		if y == 0 {
			return Unknown()
		}
		return Known(x / y)
	})
}

// Scale is a × k.
func Scale(a Figure, k float64) Figure {
	return combine(a, Known(k), func(x, y float64) Figure { return Known(x * y) })
}

// Add is a + b, unknown or withheld if either is.
func Add(a, b Figure) Figure {
	return combine(a, b, func(x, y float64) Figure { return Known(x + y) })
}

// Sub is a − b.
func Sub(a, b Figure) Figure {
	return combine(a, b, func(x, y float64) Figure { return Known(x - y) })
}

// AtLeastZero is max(0, a).
func AtLeastZero(a Figure) Figure {
	return combine(a, Known(0), func(x, _ float64) Figure { return Known(math.Max(0, x)) })
}
