package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// area is one Primary Care Network with the hidden parameters that drive its
// monthly figures. The exported CSV holds only the first block of fields.
type area struct {
	code, name string
	icb        *icb
	pop, wa    int
	imd, lts   float64 // always set (used to generate); written only when known
	imdKnown   bool
	ltsKnown   bool

	rr      float64                   // referrals per 1,000 people per month
	ppl     float64                   // people per link worker (capacity)
	staff   float64                   // multiplies the link workers the population would have (profile)
	esAdj   float64                   // added to employment-support training coverage (profile)
	outMult [len(outcomeList)]float64 // area effect on each outcome rate
	fteCost float64                   // £ per FTE per year in the first financial year
	streams [len(streamList)]float64  // yearly amount parameter per stream, 0 = none

	providers []*provider

	// state while generating facts
	fteSum  float64
	fyMonth int
}

// provider is one provider's service in one PCN.
type provider struct {
	code     string
	share    float64 // share of the PCN's link workers and referrals
	ratio    float64 // FTE per head
	pacc     float64 // share of referrals accepted
	psup     float64 // share of accepted people who start support in the month
	exitq    float64 // monthly share of the caseload whose support ends
	waitAdj  float64
	trainOff [len(moduleList)]float64
	dither   [len(moduleList)]float64

	// state while generating facts
	caseload int // -1 until the first month
	waiting  int // accepted referrals not yet seen
	hcOff    int
}

var moduleList = [...]string{
	"employment_support", "benefits_and_debt", "health_and_work_conversations",
	"ips_awareness", "mental_health_awareness", "personalised_care_core",
}

// module coverage at the first and the last month.
var moduleStart = [...]float64{0.20, 0.32, 0.25, 0.15, 0.60, 0.82}
var moduleEnd = [...]float64{0.70, 0.62, 0.58, 0.48, 0.84, 0.94}

var outcomeList = [...]string{
	"entered_employment", "retained_employment", "started_job_search",
	"entered_education_training", "entered_volunteering", "improved_work_readiness",
	"improved_wellbeing",
}

// Outcome model: base rate at an England-average area, sensitivity to
// deprivation (beta) and long-term sickness (gamma), share of the people whose
// support ended who were assessed for it, and whether employment-support
// training lifts it.
var (
	outcomeBase   = [...]float64{0.055, 0.035, 0.15, 0.09, 0.115, 0.33, 0.68}
	outcomeBeta   = [...]float64{0.18, 0.15, 0.12, 0.10, 0.10, 0.08, 0.04}
	outcomeGamma  = [...]float64{0.10, 0.10, 0.08, 0.05, 0.05, 0.06, 0.03}
	outcomeAssess = [...]float64{0.93, 0.85, 0.90, 0.90, 0.90, 0.92, 0.97}
	outcomeWork   = [...]bool{true, true, true, true, false, true, false}
)

var streamList = [...]string{"arrs", "icb", "local_authority", "charity", "other"}

var (
	dirSuffix = []string{"Central", "North", "South", "East", "West", "North East", "South West", "Rural", "Villages", "Town", "Riverside", "Valley"}
	dirPrefix = []string{"Central", "North", "South", "East", "West", "Greater", "Mid", "Old"}
	orgSuffix = []string{"Health Partnership", "Alliance", "Integrated Care", "Primary Care", "Care Partnership", "Healthcare", "Collaborative", "Health Network", "Medical Group", "Neighbourhood"}
	saints    = []string{"Mary's", "John's", "Peter's", "Andrew's", "George's", "Luke's", "Paul's"}
)

// buildAreas makes the PCNs of a scale. It depends only on seed and scale.
func buildAreas(seed int64, scale Scale) ([]*area, error) {
	r := newRand(seed, streamAreas)

	var totalW float64
	for _, ic := range icbs {
		totalW += ic.popM
	}
	// national count of each ICB (also fixes the typical PCN population).
	natCount := func(ic *icb) int {
		return max(1, int(math.Round(ic.popM*nationalPCNs/totalW)))
	}

	type plan struct {
		ic *icb
		n  int
	}
	var plans []plan
	switch scale {
	case National:
		for i := range icbs {
			ic := &icbs[i]
			plans = append(plans, plan{ic, natCount(ic) + r.IntN(3) - 1})
		}
	case Demo:
		for _, d := range demoICBs {
			plans = append(plans, plan{findICB(d.code), d.n})
		}
	default:
		return nil, fmt.Errorf("sample: unknown scale %q (want %q or %q)", scale, Demo, National)
	}

	usedCodes := map[string]bool{}
	usedNames := map[string]bool{}
	var out []*area
	index := 0
	for _, pl := range plans {
		ic := pl.ic
		meanPop := ic.popM * 1e6 / float64(natCount(ic))
		pool := makeProviderPool(r, max(3, (pl.n*7+9)/10), usedCodes)
		var group []*area
		for j := 0; j < pl.n; j++ {
			a := &area{icb: ic}
			for {
				a.code = fmt.Sprintf("U%05d", r.IntN(100000))
				if !usedCodes[a.code] {
					usedCodes[a.code] = true
					break
				}
			}
			if j < len(ic.special) && !usedNames[ic.special[j]] {
				a.name = ic.special[j]
			} else {
				a.name = pcnName(r, ic, usedNames)
			}
			usedNames[a.name] = true

			// population: mostly around the ICB's typical PCN, a few small rural ones.
			if r.Float64() < 0.05 {
				a.pop = int(uniform(r, 8000, 20000))
			} else {
				a.pop = int(clamp(math.Round(meanPop*math.Exp(0.35*r.NormFloat64()-0.06)), 8000, 90000))
			}
			waShare := clamp(regionWA(ic.region)+0.022*r.NormFloat64(), 0.552, 0.678)
			a.wa = int(math.Round(float64(a.pop) * waShare))

			a.imd = round1(truncated(r, 5, 55, func() float64 { return ic.imd * math.Exp(0.3*r.NormFloat64()) }))
			a.lts = round1(truncated(r, 1.5, 12, func() float64 { return 1.5 + 0.17*a.imd + 0.9*r.NormFloat64() }))
			a.imdKnown = r.Float64() >= 0.012
			a.ltsKnown = r.Float64() >= 0.012
			switch index { // make sure every scale has unknown values
			case 5:
				a.imdKnown = false
			case 11:
				a.ltsKnown = false
			case 23:
				a.imdKnown, a.ltsKnown = false, false
			}

			a.rr = clamp(2.0+0.09*(a.imd-5)+0.3*r.NormFloat64(), 1.8, 6.5)
			a.ppl = clamp(8000+160*a.imd+900*r.NormFloat64(), 7000, 20000)
			// Areas differ, so that targeting is a decision: by position, some
			// are well staffed (a training gap at most), some well staffed and
			// trained (no gap), some short of link workers with high demand.
			// wellStaffed gives half as many link workers again as the accepted
			// referrals need at 250 people per FTE a year.
			wellStaffed := 1.5 * a.rr * a.ppl * 4.9e-5
			a.staff = 1
			switch index % 10 {
			case 0, 3, 7: // well staffed, but few trained in employment support
				a.staff, a.esAdj = wellStaffed, -0.45
			case 4: // well staffed and trained: no gap at all
				a.staff, a.esAdj = wellStaffed, 0.6
			case 1, 5: // over capacity
				a.staff, a.rr = 0.7, clamp(a.rr*1.25, 1.8, 7.5)
			}
			d := (a.imd - 21) / 12
			l := (a.lts - 5) / 2.5
			common := 0.12 * r.NormFloat64()
			for o := range outcomeList {
				a.outMult[o] = math.Exp(-outcomeBeta[o]*d - outcomeGamma[o]*l + common + 0.06*r.NormFloat64())
			}
			a.fteCost = uniform(r, 38000, 42500)
			if r.Float64() < 0.45 {
				a.streams[1] = float64(a.pop) * uniform(r, 0.4, 1.8)
			}
			if r.Float64() < 0.30 {
				a.streams[2] = float64(a.pop) * uniform(r, 0.2, 1.2)
			}
			if r.Float64() < 0.20 {
				a.streams[3] = uniform(r, 3000, 40000)
			}
			if r.Float64() < 0.12 {
				a.streams[4] = uniform(r, 500, 15000)
			}
			a.providers = pickProviders(r, a.pop, pool)
			group = append(group, a)
			index++
		}
		slices.SortFunc(group, func(x, y *area) int { return strings.Compare(x.code, y.code) })
		out = append(out, group...)
	}
	return out, nil
}

// makeProviderPool makes n provider codes for one ICB: voluntary-sector
// providers (P + 4–5 digits), GP federations (Y + 5 digits), NHS trusts (R +
// 2 characters) and lead GP practices (letter + 5 digits).
func makeProviderPool(r *rand.Rand, n int, used map[string]bool) []string {
	const alnum = "ABCDEFGHJKLMNPQRTVWXY0123456789"
	pool := make([]string, 0, n)
	for len(pool) < n {
		var c string
		switch u := r.Float64(); {
		case u < 0.35:
			c = fmt.Sprintf("P%05d", r.IntN(100000))
		case u < 0.50:
			c = fmt.Sprintf("P%04d", r.IntN(10000))
		case u < 0.70:
			c = fmt.Sprintf("Y%05d", r.IntN(100000))
		case u < 0.85:
			c = "R" + string(alnum[r.IntN(22)]) + string(alnum[r.IntN(len(alnum))])
		default:
			c = fmt.Sprintf("%c%d", 'A'+rune(r.IntN(14)), 81000+r.IntN(9000))
		}
		if !used[c] {
			used[c] = true
			pool = append(pool, c)
		}
	}
	return pool
}

func pickProviders(r *rand.Rand, pop int, pool []string) []*provider {
	k := 1
	u := r.Float64()
	if pop < 25000 {
		if u > 0.85 {
			k = 2
		}
	} else if u > 0.85 {
		k = 3
	} else if u > 0.45 {
		k = 2
	}
	k = min(k, len(pool))
	var shares []float64
	switch k {
	case 1:
		shares = []float64{1}
	case 2:
		s := uniform(r, 0.55, 0.85)
		shares = []float64{s, 1 - s}
	default:
		s := uniform(r, 0.45, 0.7)
		s2 := (1 - s) * uniform(r, 0.5, 0.75)
		shares = []float64{s, s2, 1 - s - s2}
	}
	chosen := map[int]bool{}
	ps := make([]*provider, 0, k)
	for _, sh := range shares {
		var idx int
		for {
			// the first providers of the pool serve more PCNs
			idx = int(float64(len(pool)) * math.Pow(r.Float64(), 1.6))
			if !chosen[idx] {
				break
			}
		}
		chosen[idx] = true
		p := &provider{
			code:     pool[idx],
			share:    sh,
			ratio:    uniform(r, 0.6, 1.0),
			pacc:     uniform(r, 0.80, 0.95),
			psup:     uniform(r, 0.78, 0.95),
			exitq:    uniform(r, 0.28, 0.40),
			waitAdj:  2 * r.NormFloat64(),
			caseload: -1,
		}
		common := 0.07 * r.NormFloat64()
		for m := range moduleList {
			p.trainOff[m] = common + 0.04*r.NormFloat64()
			p.dither[m] = r.Float64()
		}
		ps = append(ps, p)
	}
	return ps
}

// pcnName builds a plausible, unused, place-based PCN name from the ICB's towns.
func pcnName(r *rand.Rand, ic *icb, used map[string]bool) string {
	t := ic.towns
	town := func() string { return t[r.IntN(len(t))] }
	other := func(not ...string) string {
		for {
			x := town()
			if !slices.Contains(not, x) {
				return x
			}
		}
	}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	for try := 0; ; try++ {
		var n string
		a := town()
		switch u := r.Float64(); {
		case u < 0.14:
			n = a + " PCN"
		case u < 0.32:
			n = a + " " + pick(dirSuffix) + " PCN"
		case u < 0.42:
			n = pick(dirPrefix) + " " + a + " PCN"
		case u < 0.57:
			n = fmt.Sprintf("%s %d PCN", a, 1+r.IntN(9))
		case u < 0.72:
			n = a + " & " + other(a) + " PCN"
		case u < 0.80:
			n = a + " and " + other(a) + " PCN"
		case u < 0.93:
			n = a + " " + pick(orgSuffix) + " PCN"
		case u < 0.975:
			n = "St " + pick(saints) + " & " + a + " PCN"
		default:
			b := other(a)
			n = a + ", " + b + " & " + other(a, b) + " PCN"
		}
		if try > 50 {
			n = fmt.Sprintf("%s %d PCN", strings.TrimSuffix(n, " PCN"), try)
		}
		if !used[n] {
			return n
		}
	}
}
