package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"spdash/queries"
)

// ParamError is a bad request parameter: status 400 naming the parameter and
// what it accepts.
type ParamError struct {
	Param, Message string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Message }

func paramErr(param, format string, args ...any) *ParamError {
	return &ParamError{Param: param, Message: fmt.Sprintf(format, args...)}
}

// selectionParams are the parameters every page and the metrics API take.
var selectionParams = []string{"from", "to", "place", "level", "fy"}

var (
	monthPattern = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	fyPattern    = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
)

func parseMonth(param, s string) (time.Time, error) {
	m := monthPattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, paramErr(param, "must be a month YYYY-MM between 2000-01 and 2099-12, got %q", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 2000 || y > 2099 || mo < 1 || mo > 12 {
		return time.Time{}, paramErr(param, "must be a month YYYY-MM between 2000-01 and 2099-12, got %q", s)
	}
	return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), nil
}

// single returns the one value of a parameter; a repeated one is an error.
func single(q url.Values, name string) (string, bool, error) {
	vs, ok := q[name]
	if !ok {
		return "", false, nil
	}
	if len(vs) > 1 {
		return "", false, paramErr(name, "may be given only once")
	}
	return strings.TrimSpace(vs[0]), true, nil
}

// checkKnown refuses parameters the endpoint does not take.
func checkKnown(q url.Values, known ...[]string) error {
	for name := range q {
		found := false
		for _, list := range known {
			for _, k := range list {
				if k == name {
					found = true
				}
			}
		}
		if !found {
			return paramErr(name, "is not a parameter here; the parameters are %s", strings.Join(flatten(known), ", "))
		}
	}
	return nil
}

func flatten(lists [][]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// levelRank orders levels from England down to PCN.
var levelRank = map[string]int{queries.LevelEngland: 0, queries.LevelRegion: 1, queries.LevelICB: 2, queries.LevelPCN: 3}

// levelBelow is the default level shown under a place.
func levelBelow(placeLevel string) string {
	switch placeLevel {
	case queries.LevelEngland:
		return queries.LevelRegion
	case queries.LevelRegion:
		return queries.LevelICB
	}
	return queries.LevelPCN
}

// parseSelection reads from, to, place, level and fy, applying METRICS.md's
// defaults from what is loaded.
func parseSelection(q url.Values, geo *queries.Geography, data queries.DataRange) (queries.Selection, error) {
	var sel queries.Selection
	fromText, hasFrom, err := single(q, "from")
	if err != nil {
		return sel, err
	}
	toText, hasTo, err := single(q, "to")
	if err != nil {
		return sel, err
	}
	// Default period: the latest 12 months with data.
	defFrom, defTo, defFY := queries.DefaultPeriod(data, time.Now())
	sel.From, sel.To = defFrom, defTo
	if hasTo {
		if sel.To, err = parseMonth("to", toText); err != nil {
			return sel, err
		}
		sel.From = sel.To.AddDate(0, -11, 0)
	}
	if hasFrom {
		if sel.From, err = parseMonth("from", fromText); err != nil {
			return sel, err
		}
	}
	if sel.From.After(sel.To) {
		return sel, paramErr("from", "must not be after to (%s is after %s)", sel.From.Format("2006-01"), sel.To.Format("2006-01"))
	}

	placeText, _, err := single(q, "place")
	if err != nil {
		return sel, err
	}
	place, ok := geo.Lookup(placeText)
	if !ok && geo.Limited() {
		return sel, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("No area with the code %q is available to you. Choose one of yours from the list.", clip(placeText, 40)))
	}
	if !ok {
		return sel, paramErr("place", "%q is not a loaded region or ICB code (England is %s)", placeText, queries.EnglandCode)
	}
	sel.Place = place

	levelText, hasLevel, err := single(q, "level")
	if err != nil {
		return sel, err
	}
	sel.Level = levelBelow(place.Level)
	if hasLevel {
		levelText = strings.ToLower(levelText)
		rank, known := levelRank[levelText]
		if !known || levelText == queries.LevelEngland {
			return sel, paramErr("level", "must be region, icb or pcn, got %q", levelText)
		}
		if rank < levelRank[place.Level] {
			return sel, paramErr("level", "must be at or below the place's own level (%s), got %s", place.Level, levelText)
		}
		sel.Level = levelText
	}

	fyText, hasFY, err := single(q, "fy")
	if err != nil {
		return sel, err
	}
	sel.FY = defFY
	if hasFY {
		m := fyPattern.FindStringSubmatch(fyText)
		if m == nil {
			return sel, paramErr("fy", "must be a financial year YYYY-YY such as 2024-25, got %q", fyText)
		}
		y, _ := strconv.Atoi(m[1])
		next, _ := strconv.Atoi(m[2])
		if y < 2000 || y > 2099 || next != (y+1)%100 {
			return sel, paramErr("fy", "must be a financial year YYYY-YY such as 2024-25, got %q", fyText)
		}
		sel.FY = fyText
	}
	sel.Default = sel.From.Equal(defFrom) && sel.To.Equal(defTo) && sel.FY == defFY
	return sel, nil
}
