package etltest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// NHSDir is the folder of the real samples of the two published NHS files
// (Open Government Licence; its README.md says where they come from) and
// their hand-checked totals, EXPECTED.md.
func NHSDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "nhs-published")
}

// Expected holds the tables of EXPECTED.md, read from the file itself.
type Expected struct {
	FTE, FTEMH, FTEContracted map[string]float64 // by PCN
	HC                        map[string]float64 // HC all: distinct staff, by PCN
	ICBFTE, ICBPeople         map[string]float64 // by ICB: FTE and distinct people
	Attended, DNA, Unknown    map[string]float64 // by PCN
	ICBOf                     map[string]string  // PCN -> ICB
}

// ReadExpected reads EXPECTED.md.
func ReadExpected(t testing.TB) Expected {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(NHSDir(), "EXPECTED.md"))
	if err != nil {
		t.Fatal(err)
	}
	e := Expected{FTE: map[string]float64{}, FTEMH: map[string]float64{}, FTEContracted: map[string]float64{}, HC: map[string]float64{},
		ICBFTE: map[string]float64{}, ICBPeople: map[string]float64{}, Attended: map[string]float64{}, DNA: map[string]float64{},
		Unknown: map[string]float64{}, ICBOf: map[string]string{}}
	section := ""
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			t.Fatalf("EXPECTED.md: %q is not a number", s)
		}
		return f
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## 1."):
			section = "workforce"
		case strings.HasPrefix(line, "### By ICB"):
			section = "icb"
		case strings.HasPrefix(line, "### UNIQUE"):
			section = ""
		case strings.HasPrefix(line, "## 2."):
			section = "gpad"
		}
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		code := cells[0]
		switch {
		case section == "workforce" && strings.HasPrefix(code, "U") && len(cells) == 11:
			e.FTE[code], e.FTEMH[code], e.FTEContracted[code], e.HC[code] = num(cells[6]), num(cells[5]), num(cells[7]), num(cells[10])
			e.ICBOf[code] = cells[2]
		case section == "icb" && (code == "QUE" || code == "QWE"):
			e.ICBFTE[code], e.ICBPeople[code] = num(cells[1]), num(cells[3])
		case section == "gpad" && strings.HasPrefix(code, "U"):
			e.Attended[code], e.DNA[code], e.Unknown[code] = num(cells[2]), num(cells[3]), num(cells[4])
		}
	}
	if len(e.FTE) != 8 || len(e.ICBFTE) != 2 || len(e.Attended) != 4 {
		t.Fatalf("EXPECTED.md: read %d PCNs' workforce, %d ICBs, %d PCNs' appointments; want 8, 2, 4", len(e.FTE), len(e.ICBFTE), len(e.Attended))
	}
	return e
}

// PublishedSamples copies the samples into a new folder under the names
// they are published with, as a new user would download them, and the
// sample areas as areas_samples.csv: spdash etl load on the folder loads
// the three. It returns the folder.
func PublishedSamples(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for from, to := range map[string]string{
		"areas_for_samples.csv":                   "areas_samples.csv",
		"pcn_workforce_individual_sample.csv":     "1.Primary Care Networks - November 2025 Individual Level.csv",
		"gpad_practice_level_crosstab_sample.csv": "Practice_Level_Crosstab_London_East_South_Oct_25.csv",
	} {
		b, err := os.ReadFile(filepath.Join(NHSDir(), from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
