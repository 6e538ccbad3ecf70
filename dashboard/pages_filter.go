package dashboard

import (
	"net/url"
	"sort"
	"time"

	"spdash/queries"
)

// filterBar is the plain GET form at the top of each page: it works without
// JavaScript, and its state is the URL's query, so a link can be shared.
type filterBar struct {
	Action     string
	From, To   []option
	Places     []optionGroup
	Levels     []option
	Extra      []selectField // page-specific choices, e.g. the funnel plot's outcome
	Inputs     []inputField  // page-specific numbers, e.g. targeting's budget
	Hidden     []hiddenField // parameters the bar does not show but keeps (fy)
	PeriodOnly bool          // an area profile: the area is in the path
	Reset      string
}

type option struct {
	Value, Label string
	Selected     bool
	Level        string // of a place: lets app.js reset a level above it
}

type optionGroup struct {
	Label   string
	Options []option
}

type selectField struct {
	ID, Name, Label string
	Options         []option
}

type hiddenField struct{ Name, Value string }

// inputField is a number the reader types; empty when Optional and not given.
type inputField struct {
	ID, Name, Label, Value, Min, Max string
	Optional                         bool
}

func newFilterBar(action string, v *View, q url.Values, periodOnly bool) *filterBar {
	sel := v.Selection
	f := &filterBar{Action: action, PeriodOnly: periodOnly, Reset: action}
	f.From = monthOptions(v.Data, sel.From)
	f.To = monthOptions(v.Data, sel.To)
	if fy, ok := q["fy"]; ok {
		f.Hidden = append(f.Hidden, hiddenField{Name: "fy", Value: fy[0]})
	}
	if periodOnly {
		return f
	}
	if !v.Geography.Limited() { // England is a place to choose unless the user is limited to some areas
		england := option{Value: queries.EnglandCode, Label: "England", Level: queries.LevelEngland, Selected: sel.Place.Code == queries.EnglandCode}
		f.Places = append(f.Places, optionGroup{Label: "", Options: []option{england}})
	}
	if len(v.Geography.Regions) > 0 {
		f.Places = append(f.Places, optionGroup{Label: "Regions", Options: placeOptions(v.Geography.Regions, sel.Place.Code)})
	}
	f.Places = append(f.Places, optionGroup{Label: "Integrated care boards (ICBs)", Options: placeOptions(v.Geography.ICBs, sel.Place.Code)})
	// The level's default is "one below the place": offered as an empty
	// value, so changing the place alone never asks for a level above it.
	explicit := ""
	if _, ok := q["level"]; ok {
		explicit = sel.Level
	}
	f.Levels = []option{{Value: "", Label: "The level below the place", Selected: explicit == ""}}
	for _, l := range []string{queries.LevelRegion, queries.LevelICB, queries.LevelPCN} {
		f.Levels = append(f.Levels, option{Value: l, Label: "By " + levelNoun(l, false), Selected: explicit == l})
	}
	return f
}

// monthOptions lists the loaded months, newest first, with the selected one
// added if it lies outside them.
func monthOptions(data queries.DataRange, selected time.Time) []option {
	var opts []option
	seen := false
	for m := data.LastMonth; !m.Before(data.FirstMonth) && !data.FirstMonth.IsZero(); m = m.AddDate(0, -1, 0) {
		opts = append(opts, option{Value: m.Format("2006-01"), Label: monthLabel(m), Selected: m.Equal(selected)})
		seen = seen || m.Equal(selected)
	}
	if !seen && !selected.IsZero() {
		opts = append(opts, option{Value: selected.Format("2006-01"), Label: monthLabel(selected) + " (no data)", Selected: true})
	}
	return opts
}

func placeOptions(places []queries.Place, selected string) []option {
	out := make([]option, len(places))
	for i, p := range places {
		out[i] = option{Value: p.Code, Label: p.Name, Level: p.Level, Selected: p.Code == selected}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}
