package sample

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
)

var codeRE = regexp.MustCompile(`^[A-Z0-9_-]{1,16}$`)

// WriteOutcomes writes a synthetic outcomes CSV (header + n data rows, all
// valid and with unique natural keys) referencing only the given area codes,
// for benchmarks of large files (e.g. 5,000,000 rows). It streams through a
// bufio.Writer, holding only a few values per area in memory.
//
// Rows run month by month ending at 2026-09 (or starting at 2000-01 when more
// months are needed than fit), each month every area, each area P providers
// and each provider the 7 outcomes; P is 2, or more when 1,200 months are not
// enough for n rows.
func WriteOutcomes(w io.Writer, areaCodes []string, n int, seed int64) error {
	if n < 0 {
		return fmt.Errorf("sample: negative row count %d", n)
	}
	if n > 0 && len(areaCodes) == 0 {
		return errors.New("sample: no area codes")
	}
	seen := make(map[string]bool, len(areaCodes))
	for _, c := range areaCodes {
		if !codeRE.MatchString(c) {
			return fmt.Errorf("sample: invalid area code %q", c)
		}
		if seen[c] {
			return fmt.Errorf("sample: duplicate area code %q", c)
		}
		seen[c] = true
	}
	seen = nil

	const span = maxMonth - minMonth + 1
	nOut := len(outcomeList)
	provs, months := 2, 0
	if n > 0 {
		perSpan := span * len(areaCodes) * nOut // rows that fit in 1,200 months with one provider per area
		provs = max(provs, (n+perSpan-1)/perSpan)
		if provs > 90000 {
			return fmt.Errorf("sample: %d rows are too many for %d areas", n, len(areaCodes))
		}
		perMonth := len(areaCodes) * provs * nOut
		months = (n + perMonth - 1) / perMonth
	}
	end, _ := parseMonth(defEnd)
	start := max(minMonth, end-months+1)

	r := newRand(seed, streamOutcomes)
	// per area: typical monthly cohort per provider and an area effect on the rates
	type areaParam struct {
		cohort, mult float64
		providers    []string
	}
	params := make([]areaParam, len(areaCodes))
	for i := range params {
		params[i] = areaParam{
			cohort:    math.Exp(3.2 + 0.8*r.NormFloat64()),
			mult:      math.Exp(0.25 * r.NormFloat64()),
			providers: make([]string, provs),
		}
		base := r.IntN(90000)
		for p := range provs {
			// distinct within the area because 7919 and 90000 are coprime
			params[i].providers[p] = "P" + strconv.Itoa(10000+(base+p*7919)%90000)
		}
	}

	bw := bufio.NewWriterSize(w, 1<<18)
	cw := csv.NewWriter(bw)
	if err := cw.Write(outcomesHeader); err != nil {
		return err
	}
	rec := make([]string, len(outcomesHeader))
	written := 0
	for mi := start; written < n; mi++ {
		rec[0] = monthString(mi)
		for ai := 0; ai < len(areaCodes) && written < n; ai++ {
			ap := params[ai]
			rec[1] = areaCodes[ai]
			for p := 0; p < provs && written < n; p++ {
				rec[2] = ap.providers[p]
				ended := poisson(r, ap.cohort)
				for o := 0; o < nOut && written < n; o++ {
					cohort := binomial(r, ended, outcomeAssess[o])
					people := binomial(r, cohort, clamp(outcomeBase[o]*ap.mult, 0.002, 0.97))
					rec[3] = outcomeList[o]
					rec[4] = strconv.Itoa(people)
					rec[5] = strconv.Itoa(cohort)
					if err := cw.Write(rec); err != nil {
						return err
					}
					written++
				}
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
