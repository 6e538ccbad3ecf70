// Package sample generates a deterministic, realistic sample of the monthly
// social prescribing returns in exactly the format of the data contract
// (shared/DATA_CONTRACT.md): areas.csv, activity.csv, training.csv,
// outcomes.csv and funding.csv, and the two published NHS files of the same
// areas and months in their published layouts (PCNWFIndividualCSV.sample.zip
// and Practice_Level_Crosstab_sample.zip, see published.go). It is used by the
// demo, the tests and the benchmarks.
//
// The same seed and scale always give byte-identical files. Rows are streamed
// to disk, so memory stays small whatever the scale.
package sample

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Scale is the size of the generated sample.
type Scale string

const (
	Demo     Scale = "demo"     // 40 PCNs in 7 ICBs spread over 6 regions
	National Scale = "national" // about 1,250 PCNs over all 42 ICBs
)

// Options tells Generate what to write.
type Options struct {
	Out    string // folder to write into (created if missing)
	Seed   int64  // same seed + scale => byte-identical files
	Scale  Scale  // Demo when ""
	Months int    // number of months, default 36 when 0
	End    string // last month "YYYY-MM"; default "2026-09" when ""
}

// Summary tells what Generate wrote.
type Summary struct {
	Files []string       // paths of the files written, in the order areas, activity, training, outcomes, funding, then the workforce and the crosstab zips
	Rows  map[string]int // data rows per kind (header excluded), keyed "areas", "activity", ..., "pcn_workforce" and "gpad" (the month CSVs of the zips)
}

// kinds are the file kinds in the order they are written; the file of kind K is K + ".csv".
var kinds = []string{"areas", "activity", "training", "outcomes", "funding"}

// Column headers of each kind, in the contract's order.
var (
	areasHeader    = []string{"area_code", "area_name", "icb_code", "icb_name", "region_code", "region_name", "population", "working_age_population", "imd_score", "long_term_sick_rate"}
	activityHeader = []string{"month", "area_code", "provider_code", "referrals_received", "referrals_accepted", "people_supported", "active_caseload", "link_worker_headcount", "link_worker_fte", "median_wait_days"}
	trainingHeader = []string{"month", "area_code", "provider_code", "module", "staff_in_post", "staff_trained"}
	outcomesHeader = []string{"month", "area_code", "provider_code", "outcome", "people", "cohort"}
	fundingHeader  = []string{"financial_year", "area_code", "stream", "amount_gbp"}
)

// Referral seasonality by calendar month (dips in August and December).
var seasonal = [12]float64{1.08, 1.04, 1.06, 0.97, 1.00, 1.00, 0.98, 0.88, 1.02, 1.06, 1.05, 0.86}

const (
	minMonth = 2000 * 12    // 2000-01 as a month index (year*12 + month-1)
	maxMonth = 2099*12 + 11 // 2099-12
	defEnd   = "2026-09"
	defMonth = 36

	perFTEStarts = 40 // people one FTE link worker can start supporting in a month, at a stretch
)

// AreaCodes returns the PCN codes Generate writes for a given seed and scale,
// in the order of areas.csv (nil for an unknown scale).
func AreaCodes(seed int64, scale Scale) []string {
	if scale == "" {
		scale = Demo
	}
	areas, err := buildAreas(seed, scale)
	if err != nil {
		return nil
	}
	codes := make([]string, len(areas))
	for i, a := range areas {
		codes[i] = a.code
	}
	return codes
}

// parseMonth parses "YYYY-MM" into a month index (year*12 + month-1).
func parseMonth(s string) (int, error) {
	if len(s) != 7 || s[4] != '-' {
		return 0, fmt.Errorf("sample: month %q is not YYYY-MM", s)
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || s[0] == '+' || s[5] == '+' || m < 1 || m > 12 {
		return 0, fmt.Errorf("sample: month %q is not YYYY-MM", s)
	}
	return y*12 + m - 1, nil
}

func monthString(mi int) string { return fmt.Sprintf("%04d-%02d", mi/12, mi%12+1) }

// fyString is the financial year (April to March) "YYYY-YY" that starts in April of year y.
func fyString(y int) string { return fmt.Sprintf("%04d-%02d", y, (y+1)%100) }

// fmtDec formats a decimal already rounded to at most 2 places, never with an exponent.
func fmtDec(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// fmtPence formats an amount in pence as pounds with exactly 2 decimal places.
func fmtPence(p int64) string {
	return strconv.FormatInt(p/100, 10) + "." + strconv.FormatInt(100+p%100, 10)[1:]
}

// csvOut is one output file: csv.Writer over a large bufio.Writer over the file.
type csvOut struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	cw   *csv.Writer
	rows int
}

func createCSV(path string, header []string) (*csvOut, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	o := &csvOut{path: path, f: f, bw: bufio.NewWriterSize(f, 1<<18)}
	o.cw = csv.NewWriter(o.bw)
	if err := o.cw.Write(header); err != nil {
		f.Close()
		return nil, err
	}
	return o, nil
}

func (o *csvOut) write(rec []string) error {
	o.rows++
	return o.cw.Write(rec)
}

func (o *csvOut) close() error {
	o.cw.Flush()
	err := o.cw.Error()
	if e := o.bw.Flush(); err == nil {
		err = e
	}
	if e := o.f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("sample: writing %s: %w", o.path, err)
	}
	return nil
}

// Generate writes the five sample files and the two published NHS files
// (WorkforceZip, CrosstabZip) into opts.Out.
func Generate(opts Options) (Summary, error) {
	if opts.Out == "" {
		return Summary{}, errors.New("sample: Options.Out is empty")
	}
	if opts.Scale == "" {
		opts.Scale = Demo
	}
	if opts.Months == 0 {
		opts.Months = defMonth
	}
	if opts.End == "" {
		opts.End = defEnd
	}
	if opts.Months < 0 {
		return Summary{}, fmt.Errorf("sample: Months %d is negative", opts.Months)
	}
	end, err := parseMonth(opts.End)
	if err != nil {
		return Summary{}, err
	}
	start := end - opts.Months + 1
	if start < minMonth || end > maxMonth {
		return Summary{}, fmt.Errorf("sample: months %s..%s are outside 2000-01..2099-12", monthString(start), opts.End)
	}
	areas, err := buildAreas(opts.Seed, opts.Scale)
	if err != nil {
		return Summary{}, err
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return Summary{}, err
	}

	headers := [][]string{areasHeader, activityHeader, trainingHeader, outcomesHeader, fundingHeader}
	outs := make([]*csvOut, len(kinds))
	closeAll := func() error {
		var first error
		for _, o := range outs {
			if o != nil {
				if err := o.close(); err != nil && first == nil {
					first = err
				}
			}
		}
		return first
	}
	for i, k := range kinds {
		o, err := createCSV(filepath.Join(opts.Out, k+".csv"), headers[i])
		if err != nil {
			closeAll()
			return Summary{}, err
		}
		outs[i] = o
	}
	pub := make([]pubArea, len(areas))
	for i, a := range areas {
		pub[i] = pubArea{code: a.code, name: a.name, icb: a.icb, pop: a.pop, imd: a.imd}
	}
	wf, err := newWorkforceWriter(filepath.Join(opts.Out, WorkforceZip), opts.Seed, pub)
	if err != nil {
		closeAll()
		return Summary{}, err
	}
	ct, err := newCrosstabWriter(filepath.Join(opts.Out, CrosstabZip), opts.Seed, pub)
	if err != nil {
		closeAll()
		wf.close()
		return Summary{}, err
	}
	g := &gen{areas: areas, start: start, end: end, r: newRand(opts.Seed, streamFacts),
		areasOut: outs[0], activity: outs[1], training: outs[2], outcomes: outs[3], funding: outs[4],
		published: []*pubSink{startSink(wf, opts.Months), startSink(ct, opts.Months)}}
	err = g.run()
	if cerr := closeAll(); err == nil {
		err = cerr
	}
	for _, p := range g.published {
		if perr := p.finish(); err == nil {
			err = perr
		}
	}
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Rows: map[string]int{}}
	for i, k := range kinds {
		s.Files = append(s.Files, outs[i].path)
		s.Rows[k] = outs[i].rows
	}
	s.Files = append(s.Files, wf.z.path, ct.z.path)
	s.Rows[workforceKind] = wf.z.rows
	s.Rows[crosstabKind] = ct.z.rows
	return s, nil
}

type gen struct {
	areas                                           []*area
	start, end                                      int
	r                                               *rand.Rand
	areasOut, activity, training, outcomes, funding *csvOut
	published                                       []*pubSink // fed each month's totals per area
}

func (g *gen) run() error {
	if err := g.writeAreas(); err != nil {
		return err
	}
	n := g.end - g.start + 1
	for t := 0; t < n; t++ {
		mi := g.start + t
		frac := 0.0
		if n > 1 {
			frac = float64(t) / float64(n-1)
		}
		if err := g.month(mi, frac); err != nil {
			return err
		}
		if mi%12 == 2 || mi == g.end { // March closes a financial year
			fy := mi / 12
			if mi%12 < 3 {
				fy--
			}
			if err := g.writeFunding(fy); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *gen) writeAreas() error {
	rec := make([]string, len(areasHeader))
	for _, a := range g.areas {
		rec[0] = a.code
		rec[1] = a.name
		rec[2] = a.icb.code
		rec[3] = a.icb.name
		rec[4] = a.icb.region
		rec[5] = regionName(a.icb.region)
		rec[6] = strconv.Itoa(a.pop)
		rec[7] = strconv.Itoa(a.wa)
		rec[8], rec[9] = "", ""
		if a.imdKnown {
			rec[8] = fmtDec(a.imd)
		}
		if a.ltsKnown {
			rec[9] = fmtDec(a.lts)
		}
		if err := g.areasOut.write(rec); err != nil {
			return err
		}
	}
	return nil
}

// month writes one month's activity, training and outcomes rows for every
// PCN and provider. frac runs from 0 (first month) to 1 (last month).
func (g *gen) month(mi int, frac float64) error {
	r := g.r
	ms := monthString(mi)
	act := make([]string, len(activityHeader))
	trn := make([]string, len(trainingHeader))
	out := make([]string, len(outcomesHeader))
	act[0], trn[0], out[0] = ms, ms, ms
	season := seasonal[mi%12]
	facts := &monthFacts{mi: mi, fte: make([]float64, len(g.areas)), sup: make([]int, len(g.areas))}
	for ai, a := range g.areas {
		act[1], trn[1], out[1] = a.code, a.code, a.code
		lwTarget := float64(a.pop) / a.ppl * (0.78 + 0.27*frac) * a.staff
		refMean := float64(a.pop) / 1000 * a.rr * season * (1 + 0.2*frac)
		for _, p := range a.providers {
			act[2], trn[2], out[2] = p.code, p.code, p.code

			// workforce: a slowly drifting headcount, rare vacancies
			if r.Float64() < 0.04 {
				p.hcOff = max(-2, min(2, p.hcOff+2*r.IntN(2)-1))
			}
			hc := max(1, int(math.Round(lwTarget*p.share))+p.hcOff)
			if r.Float64() < 0.004 {
				hc = 0
			}
			fte := round2(clamp(float64(hc)*p.ratio*(1+0.02*r.NormFloat64()), 0, float64(hc)))
			a.fteSum += fte
			facts.fte[ai] += fte

			// demand, a waiting list limited by capacity, and the caseload
			recv := poisson(r, refMean*p.share)
			acc := binomial(r, recv, p.pacc)
			queue := p.waiting + acc
			capacity := poisson(r, fte*perFTEStarts)
			sup := min(binomial(r, queue, p.psup), capacity, acc) // people_supported ≤ referrals_accepted
			left := queue - sup
			p.waiting = binomial(r, left, 0.7) // the rest drop out or are redirected
			if p.caseload < 0 {
				p.caseload = int(math.Round(float64(sup) / p.exitq))
			}
			ended := binomial(r, p.caseload, p.exitq)
			p.caseload += sup - ended

			act[3] = strconv.Itoa(recv)
			act[4] = strconv.Itoa(acc)
			act[5] = strconv.Itoa(sup)
			facts.sup[ai] += sup
			act[6] = strconv.Itoa(p.caseload)
			act[7] = strconv.Itoa(hc)
			act[8] = fmtDec(fte)
			act[9] = ""
			backlog := float64(left) / math.Max(float64(sup), 1)
			raw := math.Max(0, 14*math.Pow(backlog, 0.7)+p.waitAdj+1.5*r.NormFloat64())
			wait := round1(clamp(5+35*(1-math.Exp(-raw/30)), 5, 40)) // saturates towards 40 days
			if r.Float64() >= 0.03 {
				act[9] = fmtDec(wait)
			}
			if err := g.activity.write(act); err != nil {
				return err
			}

			// training coverage rises over time; the dither keeps it stable month to month
			esCov := 0.0
			for m, mod := range moduleList {
				c := clamp(moduleStart[m]+(moduleEnd[m]-moduleStart[m])*frac+p.trainOff[m], 0, 1)
				if m == 0 {
					c = clamp(c+a.esAdj, 0, 1)
					esCov = c
				}
				trained := min(hc, int(math.Floor(float64(hc)*c+p.dither[m])))
				trn[3] = mod
				trn[4] = strconv.Itoa(hc)
				trn[5] = strconv.Itoa(trained)
				if err := g.training.write(trn); err != nil {
					return err
				}
			}

			// outcomes of the people whose support ended this month
			for o, name := range outcomeList {
				rate := outcomeBase[o] * a.outMult[o]
				if outcomeWork[o] {
					rate *= 0.88 + 0.3*esCov
				}
				rate = clamp(rate, 0.002, 0.97)
				cohort := binomial(r, ended, outcomeAssess[o])
				people := binomial(r, cohort, rate)
				out[3] = name
				out[4] = strconv.Itoa(people)
				out[5] = strconv.Itoa(cohort)
				if err := g.outcomes.write(out); err != nil {
					return err
				}
			}
		}
		a.fyMonth++
	}
	for _, p := range g.published {
		p.ch <- facts // read only from now on
	}
	return nil
}

// writeFunding writes the financial year fy (starting in April of fy) for
// every PCN: amounts spent in the months of the year covered by the sample.
func (g *gen) writeFunding(fy int) error {
	r := g.r
	rec := make([]string, len(fundingHeader))
	rec[0] = fyString(fy)
	firstFY := g.start / 12
	if g.start%12 < 3 {
		firstFY--
	}
	uplift := math.Pow(1.03, float64(fy-firstFY))
	lastFY := g.end / 12
	if g.end%12 < 3 {
		lastFY--
	}
	for i, a := range g.areas {
		rec[1] = a.code
		part := float64(a.fyMonth) / 12
		if i == 16 && fy == lastFY { // one area has not sent its latest funding return
			a.fteSum, a.fyMonth = 0, 0
			continue
		}
		for s, name := range streamList {
			var amount float64
			if s == 0 {
				amount = a.fteSum / 12 * a.fteCost * uplift
			} else {
				if a.streams[s] == 0 || r.Float64() < 0.06 {
					continue
				}
				amount = a.streams[s] * part * uplift * (1 + 0.08*r.NormFloat64())
			}
			rec[2] = name
			rec[3] = fmtPence(int64(math.Round(math.Max(0, amount) * 100)))
			if err := g.funding.write(rec); err != nil {
				return err
			}
		}
		a.fteSum, a.fyMonth = 0, 0
	}
	return nil
}
