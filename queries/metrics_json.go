package queries

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends a's JSON, byte for byte what encoding/json writes for
// it (TestAppendJSONIsEncodingJSONs checks every area of a real PCN-level
// report, TestAppendJSONAwkwardValues awkward values), without
// encoding/json's reflection and its call and compaction of every Figure's
// MarshalJSON: the national PCN-level API writes about 140,000 figures, in
// 22 ms of CPU instead of 54 (docs/BENCHMARKS.md). A field added to Metrics
// or its parts must be added here too; the tests fail until it is.
func (a *AreaMetrics) AppendJSON(b []byte) []byte {
	b = append(b, `{"code":`...)
	b = appendJSONString(b, a.Code)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, a.Name)
	b = append(b, `,"parent_code":`...)
	b = appendJSONString(b, a.ParentCode)
	b = append(b, `,"parent_name":`...)
	b = appendJSONString(b, a.ParentName)
	b = append(b, ',')
	b = a.Metrics.appendJSONFields(b)
	return append(b, '}')
}

// appendJSONFields appends m's members, without the braces.
func (m *Metrics) appendJSONFields(b []byte) []byte {
	for _, f := range [...]struct {
		key string
		f   Figure
	}{
		{`"population":`, m.Population}, {`,"referrals":`, m.Referrals}, {`,"accepted":`, m.Accepted},
		{`,"people_supported":`, m.PeopleSupported}, {`,"fte":`, m.FTE}, {`,"headcount":`, m.Headcount},
		{`,"caseload":`, m.Caseload}, {`,"fte_per_100k":`, m.FTEPer100k}, {`,"caseload_per_fte":`, m.CaseloadPerFTE},
		{`,"annual_accepted":`, m.AnnualAccepted}, {`,"capacity_gap_fte":`, m.CapacityGapFTE},
		{`,"median_wait_days":`, m.MedianWaitDays}, {`,"work_training_coverage":`, m.WorkTrainingCoverage},
		{`,"untrained_staff":`, m.UntrainedStaff}, {`,"funding":`, m.Funding}, {`,"funding_per_1k":`, m.FundingPer1k},
	} {
		b = append(b, f.key...)
		b = f.f.appendJSON(b)
	}
	b = append(b, `,"funding_by_stream":`...)
	b = appendJSONMap(b, m.FundingByStream, Figure.appendJSON)
	b = append(b, `,"pcns":`...)
	b = strconv.AppendInt(b, int64(m.PCNs), 10)
	b = append(b, `,"pcns_with_funding":`...)
	b = strconv.AppendInt(b, int64(m.FundingReturns), 10)
	b = append(b, `,"imd_score":`...)
	b = m.IMDScore.appendJSON(b)
	b = append(b, `,"training":`...)
	b = appendJSONMap(b, m.Training, (*ModuleCoverage).appendJSON)
	b = append(b, `,"outcomes":`...)
	b = appendJSONMap(b, m.Outcomes, (*OutcomeRate).appendJSON)
	b = append(b, `,"census_fte":`...)
	b = m.CensusFTE.appendJSON(b)
	b = append(b, `,"census_fte_mental_health":`...)
	b = m.CensusFTEMentalHealth.appendJSON(b)
	b = append(b, `,"census_headcount":`...)
	b = m.CensusHeadcount.appendJSON(b)
	b = append(b, `,"census_month":`...)
	if m.CensusMonth == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *m.CensusMonth)
	}
	b = append(b, `,"fte_difference":`...)
	b = m.FTEDifference.appendJSON(b)
	b = append(b, `,"fte_difference_share":`...)
	b = m.FTEDifferenceShare.appendJSON(b)
	b = append(b, `,"sp_appointments":`...)
	if a := m.SPAppointments; a == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"attended":`...)
		b = a.Attended.appendJSON(b)
		b = append(b, `,"dna":`...)
		b = a.DNA.appendJSON(b)
		b = append(b, `,"unknown":`...)
		b = a.Unknown.appendJSON(b)
		b = append(b, '}')
	}
	b = append(b, `,"sp_appointments_per_1k":`...)
	b = m.SPAppointmentsPer1k.appendJSON(b)
	b = append(b, `,"dna_rate":`...)
	b = m.DNARate.appendJSON(b)
	if len(m.Suppressed) > 0 {
		b = append(b, `,"suppressed":[`...)
		for i, s := range m.Suppressed {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	return b
}

func (c *ModuleCoverage) appendJSON(b []byte) []byte {
	if c == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"in_post":`...)
	b = c.InPost.appendJSON(b)
	b = append(b, `,"trained":`...)
	b = c.Trained.appendJSON(b)
	b = append(b, `,"coverage":`...)
	b = c.Coverage.appendJSON(b)
	if c.Trend != "" {
		b = append(b, `,"trend":`...)
		b = appendJSONString(b, c.Trend)
	}
	return append(b, '}')
}

func (o *OutcomeRate) appendJSON(b []byte) []byte {
	if o == nil {
		return append(b, "null"...)
	}
	for _, f := range [...]struct {
		key string
		f   Figure
	}{
		{`{"people":`, o.People}, {`,"cohort":`, o.Cohort}, {`,"rate":`, o.Rate}, {`,"ci_low":`, o.CILow},
		{`,"ci_high":`, o.CIHigh}, {`,"ci99_low":`, o.CI99Low}, {`,"ci99_high":`, o.CI99High},
	} {
		b = append(b, f.key...)
		b = f.f.appendJSON(b)
	}
	if o.Compared != nil {
		b = append(b, `,"compared":`...)
		b = o.Compared.appendJSON(b)
	}
	if o.Trend != "" {
		b = append(b, `,"trend":`...)
		b = appendJSONString(b, o.Trend)
	}
	b = append(b, `,"cost_per_outcome":`...)
	b = o.CostPerOutcome.appendJSON(b)
	return append(b, '}')
}

// appendJSONMap appends m as encoding/json does: null when nil, else its
// keys sorted.
func appendJSONMap[V any](b []byte, m map[string]V, value func(V, []byte) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	var small [8]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = value(m[k], b)
	}
	return append(b, '}')
}

// appendJSONString appends s quoted as encoding/json quotes it: a string of
// printable ASCII with nothing to escape is copied, and any other is left to
// encoding/json (HTML characters, controls, invalid UTF-8, U+2028).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
