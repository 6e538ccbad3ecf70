package sample

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The published layouts and strings, typed here from shared/nhs-published
// (the samples' headers and README "Exact strings"), independently of the generator.
const (
	wantWorkforceHead = "Data_source,CENSUS_YEAR,CENSUS_MONTH,PCN_CODE,PCN_NAME,SUB_ICB_CODE,SUB_ICB_NAME,ICB_CODE,ICB_NAME,COMM_REGION_CODE,COMM_REGION_NAME,STAFF_GROUP,STAFF_ROLE,DETAILED_STAFF_ROLE,FTE,UNIQUE_IDENTIFIER"
	wantCrosstabHead  = "APPOINTMENT_MONTH_START_DATE,GP_CODE,GP_NAME,SUPPLIER,PCN_CODE,PCN_NAME,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,HCP_TYPE,APPT_MODE,NATIONAL_CATEGORY,TIME_BETWEEN_BOOK_AND_APPT,COUNT_OF_APPOINTMENTS,APPT_STATUS"
	wantMappingHead   = "GP_CODE,GP_NAME,SUPPLIER,PCN_CODE,PCN_NAME,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ICB_CODE,ICB_NAME,REGION_CODE,REGION_NAME"
	linkWorkerPrefix  = "Social Prescribing Link Workers"
	linkWorkerMH      = "Social Prescribing Link Workers (Mental Health Practitioners)"
	spsName           = "Social Prescribing Service"
)

var (
	wantLinkWorkerRoles = map[string]string{ // DETAILED_STAFF_ROLE -> STAFF_ROLE
		"Social Prescribing Link Worker":                                                          "Social Prescribing Link Workers",
		"Social Prescribing Link Worker (Mental Health Practitioner - Adult)":                     linkWorkerMH,
		"Social Prescribing Link Worker (Mental Health Practitioner - Children and Young People)": linkWorkerMH,
	}
	wantHCP      = []string{"GP", "Other Practice staff", "Unknown"}
	wantModes    = []string{"Face-to-Face", "Home Visit", "Telephone", "Video Conference/Online", "Unknown"}
	wantTimes    = []string{"Same Day", "1 Day", "2 to 7 Days", "8  to 14 Days", "15  to 21 Days", "22  to 28 Days", "More than 28 Days", "Unknown / Data Issue"}
	wantStatuses = []string{"Attended", "DNA", "Unknown"}
	reFTE        = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,6})?$`)
	reGPCode     = regexp.MustCompile(`^[A-Z][0-9]{5}$`)
)

// pubCheck is what checkPublished learns from the two zips of a folder.
type pubCheck struct {
	areas        map[string][2]string // area -> ICB, region (areas.csv)
	months       []time.Time          // of activity.csv, in order
	returnsFTE   map[[2]string]float64
	returnsSup   map[[2]string]int
	censusFTE    map[[2]string]float64 // (month, area) -> link workers' FTE
	sps          map[[2]string][3]int  // (month, area) -> attended, DNA, unknown
	wfRows       int
	ctRows       int
	checked      map[string]bool // months whose CSVs were read
	mhRows       int
	otherRoles   int
	blankIDs     int
	twoPCNs      int // identifiers in two PCNs of a month
	unallocated  int
	otherCats    int
	noSPSMonths  int // practice-months with rows but no Social Prescribing Service rows
	practicePCN  map[string]string
	mappingCodes map[string]string
}

// readZipCSV reads one CSV of a zip, checking its bytes (UTF-8, CRLF line
// ends, a final line end, no BOM) and its header, and calls fn per data row.
func readZipCSV(t *testing.T, zf *zip.File, header string, fn func(line int, rec []string)) int {
	t.Helper()
	rc, err := zf.Open()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatalf("%s: %v", zf.Name, err)
	}
	if !utf8.Valid(raw) {
		t.Errorf("%s: not valid UTF-8", zf.Name)
	}
	if bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Errorf("%s: has a byte-order mark", zf.Name)
	}
	if n, crlf := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); n != crlf || !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("%s: %d line ends, %d of them CRLF; want every line ended by CRLF", zf.Name, n, crlf)
	}
	first, _, _ := bytes.Cut(raw, []byte("\r\n"))
	if string(first) != header {
		t.Fatalf("%s: header\n got %s\nwant %s", zf.Name, first, header)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		line, _ := r.FieldPos(0)
		n++
		fn(line, rec)
	}
	return n
}

// checkPublished validates the two published zips of a generated folder
// against the published layouts and against the returns of the same folder.
// read tells which months' CSVs to read (nil: all); the others' names are
// still checked.
func checkPublished(t *testing.T, dir string, read func(m time.Time) bool) *pubCheck {
	t.Helper()
	pc := &pubCheck{
		areas: map[string][2]string{}, returnsFTE: map[[2]string]float64{}, returnsSup: map[[2]string]int{},
		censusFTE: map[[2]string]float64{}, sps: map[[2]string][3]int{}, checked: map[string]bool{},
		practicePCN: map[string]string{}, mappingCodes: map[string]string{},
	}
	readCSV := func(name string, fn func(rec []string)) {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fn(rec)
		}
	}
	readCSV("areas.csv", func(rec []string) { pc.areas[rec[0]] = [2]string{rec[2], rec[4]} })
	seen := map[string]bool{}
	readCSV("activity.csv", func(rec []string) {
		k := [2]string{rec[0], rec[1]}
		fte, _ := strconv.ParseFloat(rec[8], 64)
		sup, _ := strconv.Atoi(rec[5])
		pc.returnsFTE[k] += fte
		pc.returnsSup[k] += sup
		if !seen[rec[0]] {
			seen[rec[0]] = true
			m, err := time.Parse("2006-01", rec[0])
			if err != nil {
				t.Fatal(err)
			}
			pc.months = append(pc.months, m)
		}
	})
	for _, m := range pc.months {
		if read == nil || read(m) {
			pc.checked[m.Format("2006-01")] = true
		}
	}

	// Primary Care Network Workforce, individual level
	zr, err := zip.OpenReader(filepath.Join(dir, "PCNWFIndividualCSV.sample.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var want, got []string
	for _, m := range pc.months {
		want = append(want, "1.Primary Care Networks - "+m.Format("January 2006")+" Individual Level.csv")
	}
	for _, zf := range zr.File {
		got = append(got, zf.Name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("workforce zip holds\n%q\nwant\n%q", got, want)
	}
	for i, zf := range zr.File {
		m := pc.months[i]
		ms := m.Format("2006-01")
		if !pc.checked[ms] {
			continue
		}
		idPCNs := map[string][]string{}
		pc.wfRows += readZipCSV(t, zf, wantWorkforceHead, func(line int, rec []string) {
			errorf := func(format string, args ...any) {
				t.Helper()
				t.Errorf("%s:%d: %s", zf.Name, line, fmt.Sprintf(format, args...))
			}
			if rec[1] != strconv.Itoa(m.Year()) || rec[2] != strconv.Itoa(int(m.Month())) {
				errorf("CENSUS_YEAR, CENSUS_MONTH %s, %s: want the file's month %s", rec[1], rec[2], ms)
			}
			area, ok := pc.areas[rec[3]]
			if !ok {
				errorf("PCN_CODE %q is not a generated area", rec[3])
			} else if rec[7] != area[0] || rec[9] != area[1] {
				errorf("ICB_CODE, COMM_REGION_CODE %s, %s: areas.csv has %s, %s", rec[7], rec[9], area[0], area[1])
			}
			if rec[4] == "" || rec[6] == "" || rec[8] == "" || rec[10] == "" || !strings.HasSuffix(rec[6], " - "+rec[5]) {
				errorf("names %q, %q, %q, %q: want all, the sub-ICB's ending in its code", rec[4], rec[6], rec[8], rec[10])
			}
			if wantRegions[rec[9]] != rec[10] || wantICBs[rec[7]][0] != rec[8] {
				errorf("ICB or region name %q, %q", rec[8], rec[10])
			}
			fte, err := strconv.ParseFloat(rec[14], 64)
			if !reFTE.MatchString(rec[14]) || err != nil || strconv.FormatFloat(fte, 'f', -1, 64) != rec[14] || fte <= 0 || fte > 1 {
				errorf("FTE %q: want a decimal in (0, 1] in its shortest form, at most 6 decimals", rec[14])
			}
			switch rec[0] {
			case "NWRS Staff":
				if !isDigits(rec[15]) {
					errorf("UNIQUE_IDENTIFIER %q: want a whole number on NWRS Staff rows", rec[15])
				} else if !slices.Contains(idPCNs[rec[15]], rec[3]) {
					idPCNs[rec[15]] = append(idPCNs[rec[15]], rec[3])
				}
			case "NWRS contracted services":
				if rec[15] != "" {
					errorf("UNIQUE_IDENTIFIER %q: want blank on contracted services rows", rec[15])
				}
				pc.blankIDs++
			default:
				errorf("Data_source %q", rec[0])
			}
			if !strings.HasPrefix(rec[12], linkWorkerPrefix) {
				if strings.Contains(rec[13], linkWorkerPrefix[:len(linkWorkerPrefix)-1]) || rec[12] == "" || rec[13] == "" {
					errorf("other role %q, %q", rec[12], rec[13])
				}
				pc.otherRoles++
				return
			}
			if rec[11] != "Other Direct Patient Care staff" || wantLinkWorkerRoles[rec[13]] != rec[12] {
				errorf("link worker role %q, %q, %q", rec[11], rec[12], rec[13])
			}
			if rec[12] == linkWorkerMH {
				pc.mhRows++
			}
			pc.censusFTE[[2]string{ms, rec[3]}] += fte
		})
		for id, pcns := range idPCNs {
			if len(pcns) > 1 {
				pc.twoPCNs++
				if len(pcns) > 2 || pc.areas[pcns[0]][0] != pc.areas[pcns[1]][0] {
					t.Errorf("%s: UNIQUE_IDENTIFIER %s in PCNs %v: want at most two, of one ICB", zf.Name, id, pcns)
				}
			}
		}
	}

	// Appointments in General Practice, practice-level crosstab
	zc, err := zip.OpenReader(filepath.Join(dir, "Practice_Level_Crosstab_sample.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zc.Close()
	want, got = nil, nil
	for _, m := range pc.months {
		want = append(want, "Practice_Level_Crosstab_"+m.Format("Jan_06")+".csv")
	}
	want = append(want, "Mapping.csv")
	for _, zf := range zc.File {
		got = append(got, zf.Name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("crosstab zip holds\n%q\nwant\n%q", got, want)
	}
	readZipCSV(t, zc.File[len(zc.File)-1], wantMappingHead, func(line int, rec []string) {
		if _, dup := pc.mappingCodes[rec[0]]; dup {
			t.Errorf("Mapping.csv:%d: GP_CODE %s twice", line, rec[0])
		}
		pc.mappingCodes[rec[0]] = rec[3]
		if a, ok := pc.areas[rec[3]]; (!ok && rec[3] != "U") || (ok && (a[0] != rec[7] || a[1] != rec[9])) {
			t.Errorf("Mapping.csv:%d: PCN %s, ICB %s, region %s: not a generated area's", line, rec[3], rec[7], rec[9])
		}
	})
	for i, zf := range zc.File[:len(zc.File)-1] {
		m := pc.months[i]
		ms := m.Format("2006-01")
		if !pc.checked[ms] {
			continue
		}
		date := strings.ToUpper(m.Format("02Jan2006"))
		hasSPS := map[string]bool{}
		pc.ctRows += readZipCSV(t, zf, wantCrosstabHead, func(line int, rec []string) {
			errorf := func(format string, args ...any) {
				t.Helper()
				t.Errorf("%s:%d: %s", zf.Name, line, fmt.Sprintf(format, args...))
			}
			if rec[0] != date {
				errorf("APPOINTMENT_MONTH_START_DATE %q, want %q", rec[0], date)
			}
			if !reGPCode.MatchString(rec[1]) || rec[2] == "" || (rec[3] != "EMIS" && rec[3] != "TPP") {
				errorf("practice %q, %q, %q", rec[1], rec[2], rec[3])
			}
			if p, ok := pc.practicePCN[rec[1]]; ok && p != rec[4] {
				errorf("GP_CODE %s in PCN %s, before in %s", rec[1], rec[4], p)
			}
			pc.practicePCN[rec[1]] = rec[4]
			if p, ok := pc.mappingCodes[rec[1]]; !ok || p != rec[4] {
				errorf("GP_CODE %s, PCN %s: Mapping.csv has %q", rec[1], rec[4], p)
			}
			_, isArea := pc.areas[rec[4]]
			if !isArea && rec[4] != "U" {
				errorf("PCN_CODE %q is neither a generated area nor U", rec[4])
			}
			if !strings.HasSuffix(rec[7], " - "+rec[6]) {
				errorf("SUB_ICB_LOCATION %q, %q", rec[6], rec[7])
			}
			if !slices.Contains(wantHCP, rec[8]) || !slices.Contains(wantModes, rec[9]) || !slices.Contains(wantTimes, rec[11]) || rec[10] == "" {
				errorf("HCP_TYPE, APPT_MODE, NATIONAL_CATEGORY, TIME_BETWEEN_BOOK_AND_APPT %q, %q, %q, %q", rec[8], rec[9], rec[10], rec[11])
			}
			n, err := strconv.Atoi(rec[12])
			if err != nil || !isDigits(rec[12]) || n < 1 {
				errorf("COUNT_OF_APPOINTMENTS %q: want a whole number ≥ 1", rec[12])
			}
			status := slices.Index(wantStatuses, rec[13])
			if status < 0 {
				errorf("APPT_STATUS %q", rec[13])
				return
			}
			if rec[4] == "U" {
				pc.unallocated++
				return
			}
			if !hasSPS[rec[1]] {
				hasSPS[rec[1]] = false
			}
			if rec[10] != spsName {
				pc.otherCats++
			} else {
				hasSPS[rec[1]] = true
				k := [2]string{ms, rec[4]}
				v := pc.sps[k]
				v[status] += n
				pc.sps[k] = v
			}
		})
		for _, has := range hasSPS {
			if !has {
				pc.noSPSMonths++
			}
		}
	}
	return pc
}

// checkPublishedFigures checks how the published files relate to the returns.
func checkPublishedFigures(t *testing.T, pc *pubCheck) {
	t.Helper()
	if pc.mhRows == 0 || pc.otherRoles == 0 || pc.blankIDs == 0 || pc.twoPCNs == 0 {
		t.Errorf("workforce: %d mental-health link worker rows, %d rows of other roles, %d blank identifiers, %d people in two PCNs: want some of each",
			pc.mhRows, pc.otherRoles, pc.blankIDs, pc.twoPCNs)
	}
	if pc.unallocated == 0 || pc.otherCats == 0 || pc.noSPSMonths == 0 {
		t.Errorf("crosstab: %d unallocated rows, %d rows of other categories, %d practice-months without Social Prescribing Service: want some of each",
			pc.unallocated, pc.otherCats, pc.noSPSMonths)
	}

	// Census FTE against the returns' FTE, as the dashboard compares them:
	// (returns − census) / census, flagged beyond ±20%.
	within, total := 0, 0
	type areaShares struct{ beyond, above, below, months int }
	per := map[string]*areaShares{}
	for k, ret := range pc.returnsFTE {
		if !pc.checked[k[0]] {
			continue
		}
		census := pc.censusFTE[k]
		if census == 0 {
			t.Errorf("%s %s: no link worker FTE in the census", k[0], k[1])
			continue
		}
		total++
		a := per[k[1]]
		if a == nil {
			a = &areaShares{}
			per[k[1]] = a
		}
		a.months++
		switch share := (ret - census) / census; {
		case math.Abs(share) <= 0.2:
			within++
		case share > 0:
			a.beyond++
			a.above++
		default:
			a.beyond++
			a.below++
		}
	}
	if float64(within) < 0.85*float64(total) {
		t.Errorf("census FTE within 20%% of the returns' in %d of %d PCN-months, want most", within, total)
	}
	flagged, above, below := 0, 0, 0
	for _, a := range per {
		if 2*a.beyond > a.months {
			flagged++
			if a.above > a.below {
				above++
			} else {
				below++
			}
		}
	}
	if flagged == 0 || float64(flagged) > 0.1*float64(len(per)) || above == 0 || below == 0 {
		t.Errorf("%d of %d PCNs mostly beyond 20%% (%d returns above the census, %d below): want a few, both ways", flagged, len(per), above, below)
	}

	// Social Prescribing Service appointments against the people supported.
	var sums [3]int
	perArea := map[string][2]int{}
	dnaRates := []float64{}
	for k, v := range pc.sps {
		for i := range sums {
			sums[i] += v[i]
		}
		a := perArea[k[1]]
		perArea[k[1]] = [2]int{a[0] + v[0] + v[1] + v[2], a[1] + v[1]}
	}
	if sums[0] == 0 || sums[1] == 0 || sums[2] == 0 {
		t.Errorf("Social Prescribing Service attended %d, DNA %d, unknown %d: want all three", sums[0], sums[1], sums[2])
	}
	if dna := float64(sums[1]) / float64(sums[0]+sums[1]); dna < 0.05 || dna > 0.15 {
		t.Errorf("DNA rate %.3f, want 5–15%%", dna)
	}
	sup := map[string]int{}
	for k, n := range pc.returnsSup {
		if pc.checked[k[0]] {
			sup[k[1]] += n
		}
	}
	usual := 0
	for area, n := range sup {
		a, ok := perArea[area]
		if !ok {
			t.Errorf("PCN %s: no Social Prescribing Service appointments", area)
			continue
		}
		ratio := float64(a[0]) / float64(n)
		if ratio < 0.6 || ratio > 3.6 {
			t.Errorf("PCN %s: %.2f appointments per person supported, want about 1–3", area, ratio)
		}
		if ratio >= 0.9 && ratio <= 3.3 {
			usual++
		}
		dnaRates = append(dnaRates, float64(a[1])/float64(a[0]))
	}
	if float64(usual) < 0.9*float64(len(sup)) {
		t.Errorf("%d of %d PCNs with 0.9–3.3 appointments per person supported, want nearly all", usual, len(sup))
	}
	slices.Sort(dnaRates)
	if len(dnaRates) > 0 && dnaRates[len(dnaRates)-1]-dnaRates[0] < 0.03 {
		t.Errorf("DNA rates %.3f..%.3f by PCN: want them to vary", dnaRates[0], dnaRates[len(dnaRates)-1])
	}
}

func TestPublished(t *testing.T) {
	sum, _ := generate(t, Options{Seed: 19, Scale: Demo})
	dir := filepath.Dir(sum.Files[0])
	pc := checkPublished(t, dir, nil)
	checkPublishedFigures(t, pc)
	if len(pc.checked) != 36 {
		t.Errorf("%d months checked, want 36", len(pc.checked))
	}
	if sum.Rows["pcn_workforce"] != pc.wfRows || sum.Rows["gpad"] != pc.ctRows {
		t.Errorf("Summary.Rows pcn_workforce %d, gpad %d; the zips hold %d and %d data rows",
			sum.Rows["pcn_workforce"], sum.Rows["gpad"], pc.wfRows, pc.ctRows)
	}
	for _, k := range []string{"pcn_workforce", "gpad"} {
		if per := float64(sum.Rows[k]) / float64(len(pc.areas)*36); per > 15 {
			t.Errorf("%s: %.1f rows per PCN and month, want few", k, per)
		}
	}

	// a few months ending in a different year: the names and dates follow
	other := filepath.Join(t.TempDir(), "x")
	if _, err := Generate(Options{Out: other, Seed: 19, Scale: Demo, Months: 3, End: "2025-01"}); err != nil {
		t.Fatal(err)
	}
	pc = checkPublished(t, other, nil)
	if got := sortedKeys(pc.checked); !slices.Equal(got, []string{"2024-11", "2024-12", "2025-01"}) {
		t.Errorf("months %v", got)
	}
}
