package dashboard

import (
	"math"
	"strconv"
	"strings"
	"time"

	"spdash/queries"
)

// Numbers are formatted for people: thousands separators, rates as
// percentages to one decimal place, and "unknown" for a missing value.

const unknown = "unknown"

// withCommas formats v with dp decimal places and thousands separators.
func withCommas(v float64, dp int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return unknown
	}
	s := strconv.FormatFloat(v, 'f', dp, 64)
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[3:], "0") == "" {
		s = s[1:] // no "-0.0"
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// fmtCount is a count of people or referrals.
func fmtCount(v float64) string { return withCommas(v, 0) }

// fmtNum is a figure with one decimal place (FTE, per-100k rates, days).
func fmtNum(v float64) string { return withCommas(v, 1) }

// fmtNumPtr is fmtNum, or "unknown".
func fmtNumPtr(v *float64) string {
	if v == nil {
		return unknown
	}
	return fmtNum(*v)
}

// fmtPct is a proportion as a percentage, or "unknown".
func fmtPct(v *float64) string {
	if v == nil {
		return unknown
	}
	return withCommas(*v*100, 1) + "%"
}

// fmtDays is a wait in days, or "unknown".
func fmtDays(v *float64) string {
	if v == nil {
		return unknown
	}
	if *v == 1 {
		return "1 day"
	}
	return fmtNum(*v) + " days"
}

// fmtInterval is a 95% interval as "4.1% to 6.0%".
func fmtInterval(lo, hi *float64) string {
	if lo == nil || hi == nil {
		return unknown
	}
	return fmtPct(lo) + " to " + fmtPct(hi)
}

func monthLabel(t time.Time) string { return t.Format("Jan 2006") }

func periodLabel(from, to time.Time) string {
	if from.Equal(to) {
		return monthLabel(from)
	}
	return monthLabel(from) + " to " + monthLabel(to)
}

func monthsLabel(n int) string {
	if n == 1 {
		return "1 month"
	}
	return strconv.Itoa(n) + " months"
}

// Labels of the contract's modules and outcomes.
var (
	moduleLabels = map[string]string{
		"employment_support":            "Employment support",
		"benefits_and_debt":             "Benefits and debt",
		"health_and_work_conversations": "Health and work conversations",
		"ips_awareness":                 "IPS awareness", // Individual Placement and Support
		"mental_health_awareness":       "Mental health awareness",
		"personalised_care_core":        "Personalised care (core)",
	}
	outcomeLabels = map[string]string{
		"entered_employment":         "Entered employment",
		"retained_employment":        "Retained employment",
		"started_job_search":         "Started job search",
		"entered_education_training": "Entered education or training",
		"entered_volunteering":       "Entered volunteering",
		"improved_work_readiness":    "Improved work readiness",
		"improved_wellbeing":         "Improved wellbeing",
	}
	// routeOrder runs from the indirect routes into work to the direct ones,
	// so employment is always shown beside the steps towards it.
	routeOrder = []string{"improved_wellbeing", "improved_work_readiness", "entered_volunteering",
		"entered_education_training", "started_job_search", "entered_employment", "retained_employment"}
	directOutcomes = map[string]bool{"started_job_search": true, "entered_employment": true, "retained_employment": true}
)

func levelNoun(level string, plural bool) string {
	nouns := map[string][2]string{
		queries.LevelEngland: {"England", "England"},
		queries.LevelRegion:  {"region", "regions"},
		queries.LevelICB:     {"ICB", "ICBs"},
		queries.LevelPCN:     {"PCN", "PCNs"},
	}
	n := nouns[level]
	if plural {
		return n[1]
	}
	return n[0]
}

// lowerFirst makes a label fit mid-sentence ("entered employment").
func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "IPS") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
