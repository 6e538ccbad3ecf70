package sample

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The real NHS England regions and ICBs, typed here independently of the
// generator's tables so that a typo in either is caught.
var wantRegions = map[string]string{
	"Y56": "London", "Y58": "South West", "Y59": "South East", "Y60": "Midlands",
	"Y61": "East of England", "Y62": "North West", "Y63": "North East and Yorkshire",
}

var wantICBs = map[string][2]string{ // code -> name, region
	"QHM": {"NHS North East and North Cumbria ICB", "Y63"},
	"QOQ": {"NHS Humber and North Yorkshire ICB", "Y63"},
	"QF7": {"NHS South Yorkshire ICB", "Y63"},
	"QWO": {"NHS West Yorkshire ICB", "Y63"},
	"QE1": {"NHS Lancashire and South Cumbria ICB", "Y62"},
	"QOP": {"NHS Greater Manchester ICB", "Y62"},
	"QYG": {"NHS Cheshire and Merseyside ICB", "Y62"},
	"QHL": {"NHS Birmingham and Solihull ICB", "Y60"},
	"QUA": {"NHS Black Country ICB", "Y60"},
	"QWU": {"NHS Coventry and Warwickshire ICB", "Y60"},
	"QGH": {"NHS Herefordshire and Worcestershire ICB", "Y60"},
	"QOC": {"NHS Shropshire, Telford and Wrekin ICB", "Y60"},
	"QNC": {"NHS Staffordshire and Stoke-on-Trent ICB", "Y60"},
	"QJ2": {"NHS Derby and Derbyshire ICB", "Y60"},
	"QJM": {"NHS Lincolnshire ICB", "Y60"},
	"QK1": {"NHS Leicester, Leicestershire and Rutland ICB", "Y60"},
	"QPM": {"NHS Northamptonshire ICB", "Y60"},
	"QT1": {"NHS Nottingham and Nottinghamshire ICB", "Y60"},
	"QUE": {"NHS Cambridgeshire and Peterborough ICB", "Y61"},
	"QM7": {"NHS Hertfordshire and West Essex ICB", "Y61"},
	"QHG": {"NHS Bedfordshire, Luton and Milton Keynes ICB", "Y61"},
	"QMM": {"NHS Norfolk and Waveney ICB", "Y61"},
	"QJG": {"NHS Suffolk and North East Essex ICB", "Y61"},
	"QH8": {"NHS Mid and South Essex ICB", "Y61"},
	"QMF": {"NHS North East London ICB", "Y56"},
	"QMJ": {"NHS North Central London ICB", "Y56"},
	"QRV": {"NHS North West London ICB", "Y56"},
	"QKK": {"NHS South East London ICB", "Y56"},
	"QWE": {"NHS South West London ICB", "Y56"},
	"QKS": {"NHS Kent and Medway ICB", "Y59"},
	"QNQ": {"NHS Frimley ICB", "Y59"},
	"QNX": {"NHS Sussex ICB", "Y59"},
	"QRL": {"NHS Hampshire and Isle of Wight ICB", "Y59"},
	"QU9": {"NHS Buckinghamshire, Oxfordshire and Berkshire West ICB", "Y59"},
	"QXU": {"NHS Surrey Heartlands ICB", "Y59"},
	"QJK": {"NHS Devon ICB", "Y58"},
	"QOX": {"NHS Bath and North East Somerset, Swindon and Wiltshire ICB", "Y58"},
	"QR1": {"NHS Gloucestershire ICB", "Y58"},
	"QSL": {"NHS Somerset ICB", "Y58"},
	"QT6": {"NHS Cornwall and the Isles of Scilly ICB", "Y58"},
	"QUY": {"NHS Bristol, North Somerset and South Gloucestershire ICB", "Y58"},
	"QVV": {"NHS Dorset ICB", "Y58"},
}

var (
	reCode    = regexp.MustCompile(`^[A-Z0-9_-]{1,16}$`)
	reDec     = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	reDec2    = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)
	reMonth   = regexp.MustCompile(`^(20[0-9]{2})-(0[1-9]|1[0-2])$`)
	reFY      = regexp.MustCompile(`^(20[0-9]{2})-([0-9]{2})$`)
	modules   = []string{"employment_support", "benefits_and_debt", "health_and_work_conversations", "ips_awareness", "mental_health_awareness", "personalised_care_core"}
	outcomes  = []string{"entered_employment", "retained_employment", "started_job_search", "entered_education_training", "entered_volunteering", "improved_work_readiness", "improved_wellbeing"}
	streams   = []string{"arrs", "icb", "local_authority", "charity", "other"}
	wantHeads = map[string]string{
		"areas":    "area_code,area_name,icb_code,icb_name,region_code,region_name,population,working_age_population,imd_score,long_term_sick_rate",
		"activity": "month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days",
		"training": "month,area_code,provider_code,module,staff_in_post,staff_trained",
		"outcomes": "month,area_code,provider_code,outcome,people,cohort",
		"funding":  "financial_year,area_code,stream,amount_gbp",
	}
)

// stats are what checkDir learns from a generated folder while validating it.
type stats struct {
	rows          map[string]int
	regions       map[string]string // code -> name
	icbs          map[string]string // code -> name
	icbRegion     map[string]string
	areaCodes     []string          // in file order
	areaICB       map[string]string // area -> icb
	imd           map[string]float64
	months        map[string]bool
	fys           map[string]bool
	emptyOptional map[string]int // column -> empty values
	nameComma     int
	nameQuote     int
	nameNonASCII  int
	smallCohorts  int
	esTrained     map[string]int // month -> employment_support trained
	esInPost      map[string]int
	emp           map[string][2]int // area -> entered_employment people, cohort
}

// checker reads one CSV file row by row, reporting problems as file:line.
type checker struct {
	t    *testing.T
	kind string
	line int
	bad  int
}

func (c *checker) errorf(format string, args ...any) {
	c.t.Helper()
	c.bad++
	if c.bad <= 20 {
		c.t.Errorf("%s.csv:%d: %s", c.kind, c.line, fmt.Sprintf(format, args...))
	}
}

// isDigits is reInt without the cost of a regexp on a million rows.
func isDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v != ""
}

func (c *checker) atoi(col, v string) int {
	if !isDigits(v) {
		c.errorf("%s: not an integer (%q)", col, v)
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		c.errorf("%s: %v", col, err)
	}
	return n
}

func (c *checker) dec(col, v string, re *regexp.Regexp) float64 {
	if !re.MatchString(v) {
		c.errorf("%s: not a valid decimal (%q)", col, v)
		return 0
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		c.errorf("%s: %v", col, err)
	}
	return x
}

func (c *checker) code(col, v string) {
	if !reCode.MatchString(v) {
		c.errorf("%s: bad code (%q)", col, v)
	}
}

func (c *checker) month(v string) {
	if !reMonth.MatchString(v) {
		c.errorf("month: not YYYY-MM in 2000..2099 (%q)", v)
	}
}

func (c *checker) unique(seen map[string]int, key string) {
	if prev, ok := seen[key]; ok {
		c.errorf("duplicate natural key %q (also line %d)", key, prev)
	}
	seen[key] = c.line
}

// eachRow parses path with encoding/csv, checks the raw bytes (UTF-8, LF only,
// final newline) and the header, and calls fn for each data row.
func eachRow(t *testing.T, dir, kind string, fn func(c *checker, rec []string)) int {
	t.Helper()
	path := filepath.Join(dir, kind+".csv")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(raw) {
		t.Errorf("%s: invalid UTF-8", path)
	}
	if bytes.Contains(raw, []byte("\r")) {
		t.Errorf("%s: has CR characters, want LF line ends", path)
	}
	if len(raw) == 0 || raw[len(raw)-1] != '\n' {
		t.Errorf("%s: does not end with a newline", path)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.ReuseRecord = true
	c := &checker{t: t, kind: kind, line: 1}
	head, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	if got := strings.Join(head, ","); got != wantHeads[kind] {
		t.Fatalf("%s: header\n got %s\nwant %s", path, got, wantHeads[kind])
	}
	n := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		c.line, _ = r.FieldPos(0)
		n++
		for i, v := range rec {
			if v != strings.TrimSpace(v) {
				c.errorf("%s: surrounding spaces (%q)", head[i], v)
			}
		}
		fn(c, rec)
	}
	return n
}

// checkDir validates every file of a generated folder against the data
// contract and gathers the statistics the tests look at.
func checkDir(t *testing.T, dir string) *stats {
	t.Helper()
	s := &stats{
		rows: map[string]int{}, regions: map[string]string{}, icbs: map[string]string{},
		icbRegion: map[string]string{}, areaICB: map[string]string{}, imd: map[string]float64{}, months: map[string]bool{},
		fys: map[string]bool{}, emptyOptional: map[string]int{}, esTrained: map[string]int{},
		esInPost: map[string]int{}, emp: map[string][2]int{},
	}
	areaSet := map[string]bool{}
	keys := map[string]int{}
	newKeys := func() { keys = map[string]int{} } // natural keys are unique per file
	s.rows["areas"] = eachRow(t, dir, "areas", func(c *checker, rec []string) {
		c.code("area_code", rec[0])
		c.unique(keys, rec[0])
		areaSet[rec[0]] = true
		s.areaCodes = append(s.areaCodes, rec[0])
		name := rec[1]
		if name == "" {
			c.errorf("area_name: empty")
		}
		if strings.Contains(name, ",") {
			s.nameComma++
		}
		if strings.Contains(name, `"`) {
			s.nameQuote++
		}
		if strings.IndexFunc(name, func(r rune) bool { return r > 127 }) >= 0 {
			s.nameNonASCII++
		}
		c.code("icb_code", rec[2])
		c.code("region_code", rec[4])
		if prev, ok := s.icbs[rec[2]]; ok && prev != rec[3] {
			c.errorf("icb_name: %q differs from %q for %s", rec[3], prev, rec[2])
		}
		s.icbs[rec[2]] = rec[3]
		if prev, ok := s.regions[rec[4]]; ok && prev != rec[5] {
			c.errorf("region_name: %q differs from %q for %s", rec[5], prev, rec[4])
		}
		s.regions[rec[4]] = rec[5]
		if prev, ok := s.icbRegion[rec[2]]; ok && prev != rec[4] {
			c.errorf("icb %s in two regions %s and %s", rec[2], prev, rec[4])
		}
		s.icbRegion[rec[2]] = rec[4]
		s.areaICB[rec[0]] = rec[2]
		pop := c.atoi("population", rec[6])
		wa := c.atoi("working_age_population", rec[7])
		if wa > pop {
			c.errorf("working_age_population: %d > population %d", wa, pop)
		}
		if pop < 8000 || pop > 90000 {
			c.errorf("population: %d outside 8,000..90,000", pop)
		}
		if share := float64(wa) / float64(pop); share < 0.55 || share > 0.681 {
			c.errorf("working_age_population: share %.3f outside 55..68%%", share)
		}
		if rec[8] == "" {
			s.emptyOptional["imd_score"]++
		} else if x := c.dec("imd_score", rec[8], reDec); x < 5 || x > 55 {
			c.errorf("imd_score: %v outside 5..55", x)
		} else {
			s.imd[rec[0]] = x
		}
		if rec[9] == "" {
			s.emptyOptional["long_term_sick_rate"]++
		} else if x := c.dec("long_term_sick_rate", rec[9], reDec); x < 0 || x > 100 {
			c.errorf("long_term_sick_rate: %v outside 0..100", x)
		}
	})

	type pm struct{ month, area, provider string }
	headcount := map[pm]int{}
	newKeys()
	s.rows["activity"] = eachRow(t, dir, "activity", func(c *checker, rec []string) {
		c.month(rec[0])
		s.months[rec[0]] = true
		c.code("area_code", rec[1])
		if !areaSet[rec[1]] {
			c.errorf("area_code: %s not in areas", rec[1])
		}
		c.code("provider_code", rec[2])
		c.unique(keys, "act|"+rec[0]+"|"+rec[1]+"|"+rec[2])
		recv := c.atoi("referrals_received", rec[3])
		acc := c.atoi("referrals_accepted", rec[4])
		sup := c.atoi("people_supported", rec[5])
		c.atoi("active_caseload", rec[6])
		hc := c.atoi("link_worker_headcount", rec[7])
		fte := c.dec("link_worker_fte", rec[8], reDec2)
		if acc > recv {
			c.errorf("referrals_accepted: %d > referrals_received %d", acc, recv)
		}
		if sup > acc {
			c.errorf("people_supported: %d > referrals_accepted %d", sup, acc)
		}
		if fte > float64(hc) {
			c.errorf("link_worker_fte: %v > link_worker_headcount %d", fte, hc)
		}
		if rec[9] == "" {
			s.emptyOptional["median_wait_days"]++
		} else if w := c.dec("median_wait_days", rec[9], reDec); w < 5 || w > 40 {
			c.errorf("median_wait_days: %v outside 5..40", w)
		}
		headcount[pm{rec[0], rec[1], rec[2]}] = hc
	})

	newKeys()
	s.rows["training"] = eachRow(t, dir, "training", func(c *checker, rec []string) {
		c.month(rec[0])
		if !areaSet[rec[1]] {
			c.errorf("area_code: %s not in areas", rec[1])
		}
		c.code("provider_code", rec[2])
		if !slices.Contains(modules, rec[3]) {
			c.errorf("module: unknown (%q)", rec[3])
		}
		c.unique(keys, "trn|"+rec[0]+"|"+rec[1]+"|"+rec[2]+"|"+rec[3])
		in := c.atoi("staff_in_post", rec[4])
		tr := c.atoi("staff_trained", rec[5])
		if tr > in {
			c.errorf("staff_trained: %d > staff_in_post %d", tr, in)
		}
		if hc, ok := headcount[pm{rec[0], rec[1], rec[2]}]; !ok || hc != in {
			c.errorf("staff_in_post: %d, activity headcount %d (row found: %v)", in, hc, ok)
		}
		if rec[3] == "employment_support" {
			s.esTrained[rec[0]] += tr
			s.esInPost[rec[0]] += in
		}
	})

	newKeys()
	s.rows["outcomes"] = eachRow(t, dir, "outcomes", func(c *checker, rec []string) {
		c.month(rec[0])
		if !areaSet[rec[1]] {
			c.errorf("area_code: %s not in areas", rec[1])
		}
		c.code("provider_code", rec[2])
		if !slices.Contains(outcomes, rec[3]) {
			c.errorf("outcome: unknown (%q)", rec[3])
		}
		c.unique(keys, "out|"+rec[0]+"|"+rec[1]+"|"+rec[2]+"|"+rec[3])
		people := c.atoi("people", rec[4])
		cohort := c.atoi("cohort", rec[5])
		if people > cohort {
			c.errorf("cohort: %d < people %d", cohort, people)
		}
		if cohort < 10 {
			s.smallCohorts++
		}
		if rec[3] == "entered_employment" {
			e := s.emp[rec[1]]
			s.emp[rec[1]] = [2]int{e[0] + people, e[1] + cohort}
		}
	})

	newKeys()
	s.rows["funding"] = eachRow(t, dir, "funding", func(c *checker, rec []string) {
		m := reFY.FindStringSubmatch(rec[0])
		if m == nil {
			c.errorf("financial_year: not YYYY-YY (%q)", rec[0])
		} else if y, _ := strconv.Atoi(m[1]); fmt.Sprintf("%02d", (y+1)%100) != m[2] {
			c.errorf("financial_year: %q does not end in the next year", rec[0])
		}
		s.fys[rec[0]] = true
		if !areaSet[rec[1]] {
			c.errorf("area_code: %s not in areas", rec[1])
		}
		if !slices.Contains(streams, rec[2]) {
			c.errorf("stream: unknown (%q)", rec[2])
		}
		c.unique(keys, "fun|"+rec[0]+"|"+rec[1]+"|"+rec[2])
		c.dec("amount_gbp", rec[3], reDec2)
	})
	return s
}

func generate(t *testing.T, opts Options) (Summary, *stats) {
	t.Helper()
	if opts.Out == "" {
		opts.Out = t.TempDir()
	}
	sum, err := Generate(opts)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opts, err)
	}
	st := checkDir(t, opts.Out)
	if len(sum.Files) != len(kinds)+2 {
		t.Fatalf("Summary.Files = %v, want %d files", sum.Files, len(kinds)+2)
	}
	for i, name := range []string{WorkforceZip, CrosstabZip} {
		if want := filepath.Join(opts.Out, name); sum.Files[len(kinds)+i] != want {
			t.Errorf("Summary.Files[%d] = %q, want %q", len(kinds)+i, sum.Files[len(kinds)+i], want)
		}
	}
	for _, k := range []string{"pcn_workforce", "gpad"} {
		if sum.Rows[k] == 0 {
			t.Errorf("Summary.Rows[%s] = 0", k)
		}
	}
	for i, k := range kinds {
		if want := filepath.Join(opts.Out, k+".csv"); sum.Files[i] != want {
			t.Errorf("Summary.Files[%d] = %q, want %q", i, sum.Files[i], want)
		}
		if sum.Rows[k] != st.rows[k] {
			t.Errorf("Summary.Rows[%s] = %d, file has %d data rows", k, sum.Rows[k], st.rows[k])
		}
		if st.rows[k] == 0 {
			t.Errorf("%s.csv has no data rows", k)
		}
	}
	return sum, st
}

func TestDeterminism(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, o := range []Options{{Out: a, Seed: 7}, {Out: b, Seed: 7}, {Out: c, Seed: 8}} {
		o.Scale = Demo
		if _, err := Generate(o); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{WorkforceZip, CrosstabZip}
	for _, k := range kinds {
		names = append(names, k+".csv")
	}
	for _, name := range names {
		fa, _ := os.ReadFile(filepath.Join(a, name))
		fb, _ := os.ReadFile(filepath.Join(b, name))
		fc, _ := os.ReadFile(filepath.Join(c, name))
		if len(fa) == 0 {
			t.Errorf("%s is empty or missing", name)
		}
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
		if bytes.Equal(fa, fc) {
			t.Errorf("%s is the same for seeds 7 and 8", name)
		}
	}
	if x, y := AreaCodes(7, Demo), AreaCodes(7, Demo); !slices.Equal(x, y) {
		t.Error("AreaCodes is not deterministic")
	}
}

func TestDemo(t *testing.T) {
	sum, s := generate(t, Options{Seed: 1, Scale: Demo})
	names := []string{}
	for _, f := range sum.Files {
		names = append(names, filepath.Base(f))
	}
	if want := []string{"areas.csv", "activity.csv", "training.csv", "outcomes.csv", "funding.csv",
		"PCNWFIndividualCSV.sample.zip", "Practice_Level_Crosstab_sample.zip"}; !slices.Equal(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	if n := s.rows["areas"]; n < 30 || n > 50 {
		t.Errorf("demo has %d PCNs, want about 40", n)
	}
	if len(s.regions) < 3 || len(s.icbs) < 4 {
		t.Errorf("demo covers %d regions and %d ICBs, want at least 3 and 4", len(s.regions), len(s.icbs))
	}
	checkGeography(t, s)
	if got := AreaCodes(1, Demo); !slices.Equal(got, s.areaCodes) {
		t.Errorf("AreaCodes(1, Demo) differs from areas.csv")
	}
	checkCommon(t, s)
	if len(s.months) != 36 {
		t.Errorf("%d distinct months, want 36", len(s.months))
	}
	for _, m := range []string{"2023-10", "2026-09"} {
		if !s.months[m] {
			t.Errorf("month %s missing (default 36 months ending 2026-09)", m)
		}
	}
	wantFY := []string{"2023-24", "2024-25", "2025-26", "2026-27"}
	if got := sortedKeys(s.fys); !slices.Equal(got, wantFY) {
		t.Errorf("financial years %v, want %v", got, wantFY)
	}
}

func TestNational(t *testing.T) {
	if testing.Short() {
		t.Skip("national scale skipped in -short mode")
	}
	start := time.Now()
	sum, s := generate(t, Options{Seed: 2026, Scale: National})
	t.Logf("national: generated and validated in %v; rows %v", time.Since(start).Round(time.Millisecond), sum.Rows)

	t.Run("geography", func(t *testing.T) {
		if len(s.regions) != 7 {
			t.Errorf("%d regions, want 7", len(s.regions))
		}
		if len(s.icbs) != 42 {
			t.Errorf("%d ICBs, want 42", len(s.icbs))
		}
		checkGeography(t, s)
		if n := s.rows["areas"]; n < 1150 || n > 1350 {
			t.Errorf("%d PCNs, want 1,150..1,350", n)
		}
		if got := AreaCodes(2026, National); !slices.Equal(got, s.areaCodes) {
			t.Errorf("AreaCodes(2026, National) differs from areas.csv")
		}
		// PCNs are spread roughly by ICB size
		per := map[string]int{}
		for _, icb := range s.areaICB {
			per[icb]++
		}
		for _, big := range []string{"QOP", "QWO", "QHM"} {
			for _, small := range []string{"QOC", "QSL", "QT6", "QR1"} {
				if per[big] < 2*per[small] {
					t.Errorf("%s has %d PCNs, %s %d: want the bigger ICB to have many more", big, per[big], small, per[small])
				}
			}
		}
		for code, n := range per {
			if n < 5 {
				t.Errorf("ICB %s has only %d PCNs", code, n)
			}
		}
	})
	t.Run("months", func(t *testing.T) {
		if len(s.months) != 36 {
			t.Errorf("%d distinct months, want 36", len(s.months))
		}
	})
	t.Run("common", func(t *testing.T) { checkCommon(t, s) })
	t.Run("published", func(t *testing.T) {
		// the first, a middle and the last month: reading all 36 would take longer than generating them
		start := time.Now()
		months := sortedKeys(s.months)
		pick := map[string]bool{months[0]: true, months[len(months)/2]: true, months[len(months)-1]: true}
		pc := checkPublished(t, filepath.Dir(sum.Files[0]), func(m time.Time) bool { return pick[m.Format("2006-01")] })
		checkPublishedFigures(t, pc)
		for _, name := range []string{WorkforceZip, CrosstabZip} {
			if st, err := os.Stat(filepath.Join(filepath.Dir(sum.Files[0]), name)); err == nil {
				t.Logf("%s: %d bytes", name, st.Size())
			}
		}
		t.Logf("national published files: 3 months checked in %v; rows pcn_workforce %d, gpad %d",
			time.Since(start).Round(time.Millisecond), sum.Rows["pcn_workforce"], sum.Rows["gpad"])
	})
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// checkGeography checks every region and ICB in the file against the real ones.
func checkGeography(t *testing.T, s *stats) {
	t.Helper()
	for code, name := range s.regions {
		if wantRegions[code] != name {
			t.Errorf("region %s named %q, want %q", code, name, wantRegions[code])
		}
	}
	for code, name := range s.icbs {
		w, ok := wantICBs[code]
		if !ok || w[0] != name || w[1] != s.icbRegion[code] {
			t.Errorf("ICB %s %q in %s, want %q in %s", code, name, s.icbRegion[code], w[0], w[1])
		}
	}
}

// checkCommon checks the properties every scale must have.
func checkCommon(t *testing.T, s *stats) {
	t.Helper()
	for _, col := range []string{"imd_score", "long_term_sick_rate", "median_wait_days"} {
		if s.emptyOptional[col] == 0 {
			t.Errorf("no empty %s values", col)
		}
	}
	if s.nameComma == 0 || s.nameQuote == 0 || s.nameNonASCII == 0 {
		t.Errorf("PCN names with comma %d, quote %d, non-ASCII %d: want some of each", s.nameComma, s.nameQuote, s.nameNonASCII)
	}
	if s.smallCohorts == 0 {
		t.Error("no outcome rows with a cohort below 10")
	}
	months := sortedKeys(s.months)
	first, last := months[0], months[len(months)-1]
	cov := func(m string) float64 { return float64(s.esTrained[m]) / float64(s.esInPost[m]) }
	if cov(last) <= cov(first)+0.2 {
		t.Errorf("employment_support coverage %.2f in %s, %.2f in %s: want a clear rise", cov(first), first, cov(last), last)
	}
	// PCNs with a known IMD score in thirds by deprivation: the most deprived
	// third has a lower entered_employment rate than the least deprived.
	var known []string
	for a := range s.imd {
		known = append(known, a)
	}
	sort.Slice(known, func(i, j int) bool {
		if s.imd[known[i]] != s.imd[known[j]] {
			return s.imd[known[i]] < s.imd[known[j]]
		}
		return known[i] < known[j]
	})
	rate := func(group []string) float64 {
		var p, c int
		for _, a := range group {
			p += s.emp[a][0]
			c += s.emp[a][1]
		}
		return float64(p) / float64(c)
	}
	n := len(known) / 3
	least, most := rate(known[:n]), rate(known[len(known)-n:])
	if most >= least {
		t.Errorf("entered_employment rate: most deprived third %.4f, least deprived third %.4f: want lower", most, least)
	}
	if least < 0.03 || least > 0.10 || most < 0.02 || most > 0.08 {
		t.Errorf("entered_employment rates %.4f (least deprived), %.4f (most) are implausible", least, most)
	}
}

func TestOptions(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{Out: dir, Scale: "regional"},
		{Out: dir, End: "2026-13"},
		{Out: dir, End: "26-09"},
		{Out: dir, Months: -1},
		{Out: dir, Months: 400, End: "2001-01"},
		{Scale: Demo},
	} {
		if _, err := Generate(o); err == nil {
			t.Errorf("Generate(%+v): no error", o)
		}
	}
	if AreaCodes(1, "regional") != nil {
		t.Error("AreaCodes of an unknown scale is not nil")
	}

	// 12 months ending in March make exactly one financial year; a new folder is created.
	out := filepath.Join(t.TempDir(), "a", "b")
	_, s := generate(t, Options{Out: out, Seed: 3, Scale: Demo, Months: 12, End: "2025-03"})
	if got := sortedKeys(s.fys); !slices.Equal(got, []string{"2024-25"}) {
		t.Errorf("financial years %v, want [2024-25]", got)
	}
	if got := sortedKeys(s.months); len(got) != 12 || got[0] != "2024-04" || got[11] != "2025-03" {
		t.Errorf("months %v, want 2024-04..2025-03", got)
	}
	// the areas do not depend on the months
	if !slices.Equal(s.areaCodes, AreaCodes(3, Demo)) {
		t.Error("areas depend on Months/End")
	}
}

func TestWriteOutcomes(t *testing.T) {
	codes := AreaCodes(1, National)
	cases := []struct {
		name  string
		codes []string
		n     int
	}{
		{"national", codes, 10000},
		{"one area", codes[:1], 10000},                     // needs hundreds of months
		{"more than 1,200 months", codes[:1], 1200*14 + 5}, // needs a third provider
		{"empty", codes, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteOutcomes(&buf, tc.codes, tc.n, 5); err != nil {
				t.Fatal(err)
			}
			if lines := bytes.Count(buf.Bytes(), []byte("\n")); lines != tc.n+1 {
				t.Errorf("%d lines, want %d", lines, tc.n+1)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "outcomes.csv"), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			allowed := map[string]bool{}
			for _, c := range tc.codes {
				allowed[c] = true
			}
			keys := map[string]int{}
			rows := eachRow(t, dir, "outcomes", func(c *checker, rec []string) {
				c.month(rec[0])
				if !allowed[rec[1]] {
					c.errorf("area_code: %s not in the given list", rec[1])
				}
				c.code("provider_code", rec[2])
				if !slices.Contains(outcomes, rec[3]) {
					c.errorf("outcome: unknown (%q)", rec[3])
				}
				c.unique(keys, rec[0]+"|"+rec[1]+"|"+rec[2]+"|"+rec[3])
				if c.atoi("people", rec[4]) > c.atoi("cohort", rec[5]) {
					c.errorf("cohort: < people")
				}
			})
			if rows != tc.n {
				t.Errorf("%d data rows, want %d", rows, tc.n)
			}
			var again bytes.Buffer
			if err := WriteOutcomes(&again, tc.codes, tc.n, 5); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("not deterministic")
			}
		})
	}
	for _, bad := range [][]string{nil, {"u1"}, {"U1", "U1"}} {
		if err := WriteOutcomes(io.Discard, bad, 10, 1); err == nil {
			t.Errorf("WriteOutcomes(codes %q): no error", bad)
		}
	}
	if err := WriteOutcomes(io.Discard, codes, -1, 1); err == nil {
		t.Error("WriteOutcomes(n = -1): no error")
	}
}

// errWriter fails after a few bytes, to check that write errors are returned.
type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n > 1<<20 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteOutcomesError(t *testing.T) {
	if err := WriteOutcomes(&errWriter{}, AreaCodes(1, Demo), 200000, 1); err == nil {
		t.Error("a failing writer gave no error")
	}
}

var benchOnce sync.Once

func BenchmarkGenerateNational(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Generate(Options{Out: dir, Seed: 1, Scale: National}); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkWriteOutcomes5M writes the 5,000,000-row file the ETL benchmark uses.
func BenchmarkWriteOutcomes5M(b *testing.B) {
	codes := AreaCodes(1, National)
	for b.Loop() {
		w := &countWriter{}
		if err := WriteOutcomes(w, codes, 5_000_000, 1); err != nil {
			b.Fatal(err)
		}
		benchOnce.Do(func() { b.Logf("5,000,000 rows: %d bytes", w.n) })
	}
}
