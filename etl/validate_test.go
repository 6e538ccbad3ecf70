package etl

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Unit tests of the validated rules of DATA_CONTRACT.md. None of them needs a
// database: files are validated with ValidateFile, which finds duplicate keys
// in memory, or row by row with a Validator.

// ---------------------------------------------------------------------------
// The contract, written out from DATA_CONTRACT.md (not taken from the code, so
// that a column the code drops or renames makes a test fail).

type contractColumn struct {
	name     string
	typ      ColType
	required bool
}

var contractColumns = map[string][]contractColumn{
	"areas": {
		{"area_code", TypeCode, true}, {"area_name", TypeText, true},
		{"icb_code", TypeCode, true}, {"icb_name", TypeText, true},
		{"region_code", TypeCode, true}, {"region_name", TypeText, true},
		{"population", TypeCount, true}, {"working_age_population", TypeCount, true},
		{"imd_score", TypeDecimal, false}, {"long_term_sick_rate", TypeDecimal, false},
	},
	"activity": {
		{"month", TypeMonth, true}, {"area_code", TypeCode, true}, {"provider_code", TypeCode, true},
		{"referrals_received", TypeCount, true}, {"referrals_accepted", TypeCount, true},
		{"people_supported", TypeCount, true}, {"active_caseload", TypeCount, true},
		{"link_worker_headcount", TypeCount, true}, {"link_worker_fte", TypeDecimal, true},
		{"median_wait_days", TypeDecimal, false},
	},
	"training": {
		{"month", TypeMonth, true}, {"area_code", TypeCode, true}, {"provider_code", TypeCode, true},
		{"module", TypeEnum, true}, {"staff_in_post", TypeCount, true}, {"staff_trained", TypeCount, true},
	},
	"outcomes": {
		{"month", TypeMonth, true}, {"area_code", TypeCode, true}, {"provider_code", TypeCode, true},
		{"outcome", TypeEnum, true}, {"people", TypeCount, true}, {"cohort", TypeCount, true},
	},
	"funding": {
		{"financial_year", TypeFinancialYear, true}, {"area_code", TypeCode, true},
		{"stream", TypeEnum, true}, {"amount_gbp", TypeMoney, true},
	},
}

var contractKeys = map[string][]string{
	"areas":    {"area_code"},
	"activity": {"month", "area_code", "provider_code"},
	"training": {"month", "area_code", "provider_code", "module"},
	"outcomes": {"month", "area_code", "provider_code", "outcome"},
	"funding":  {"financial_year", "area_code", "stream"},
}

var (
	contractModules = []string{"employment_support", "benefits_and_debt", "health_and_work_conversations",
		"ips_awareness", "mental_health_awareness", "personalised_care_core"}
	contractOutcomes = []string{"entered_employment", "retained_employment", "started_job_search",
		"entered_education_training", "entered_volunteering", "improved_work_readiness", "improved_wellbeing"}
	contractStreams = []string{"arrs", "icb", "local_authority", "charity", "other"}
)

// contractHeader lists a kind's columns in contract order.
func contractHeader(kind string) []string {
	var names []string
	for _, c := range contractColumns[kind] {
		names = append(names, c.name)
	}
	return names
}

// validRow is a valid row of each kind. The rows of the different kinds refer
// to each other (area U1 is in areas).
var validRow = map[string]map[string]string{
	"areas": {"area_code": "U1", "area_name": "North PCN", "icb_code": "QWE", "icb_name": "North ICB",
		"region_code": "Y56", "region_name": "North", "population": "10000", "working_age_population": "6000",
		"imd_score": "21.5", "long_term_sick_rate": "4.2"},
	"activity": {"month": "2024-07", "area_code": "U1", "provider_code": "P1", "referrals_received": "40",
		"referrals_accepted": "30", "people_supported": "25", "active_caseload": "80",
		"link_worker_headcount": "3", "link_worker_fte": "2.5", "median_wait_days": "7.5"},
	"training": {"month": "2024-07", "area_code": "U1", "provider_code": "P1", "module": "employment_support",
		"staff_in_post": "3", "staff_trained": "2"},
	"outcomes": {"month": "2024-07", "area_code": "U1", "provider_code": "P1", "outcome": "entered_employment",
		"people": "4", "cohort": "20"},
	"funding": {"financial_year": "2024-25", "area_code": "U1", "stream": "arrs", "amount_gbp": "12500.00"},
}

// rowWith returns the valid row of kind with some values replaced.
func rowWith(kind string, set map[string]string) map[string]string {
	r := maps.Clone(validRow[kind])
	maps.Copy(r, set)
	return r
}

// csvRecord formats the values of cols as one CSV line (quoted as needed).
func csvRecord(cols []string, vals map[string]string) string {
	fields := make([]string, len(cols))
	for i, c := range cols {
		fields[i] = vals[c]
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(fields)
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// csvLines joins lines with LF and ends the file with one.
func csvLines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// testFile is a file of kind with a header of cols (nil: the contract's) and one
// row per element of rows, each the valid row with the given values replaced.
// The rows start on line 2.
func testFile(kind string, cols []string, rows ...map[string]string) string {
	if cols == nil {
		cols = contractHeader(kind)
	}
	ls := []string{strings.Join(cols, ",")}
	for _, r := range rows {
		ls = append(ls, csvRecord(cols, rowWith(kind, r)))
	}
	return csvLines(ls...)
}

// varyColumn is the key column that tells the neighbour rows of rowFile apart.
func varyColumn(kind string) (string, string) {
	switch kind {
	case "areas", "funding":
		return "area_code", "U"
	}
	return "provider_code", "P"
}

// rowFile is a file of kind whose line 3 is the valid row with set applied,
// between two valid rows (lines 2 and 4) with other keys. drop leaves columns
// out of the header.
func rowFile(kind string, set map[string]string, drop ...string) string {
	var cols []string
	for _, c := range contractHeader(kind) {
		if !slices.Contains(drop, c) {
			cols = append(cols, c)
		}
	}
	col, prefix := varyColumn(kind)
	return testFile(kind, cols, map[string]string{col: prefix + "0"}, set, map[string]string{col: prefix + "2"})
}

// allAreas holds the area codes the rows of rowFile use.
func allAreas() map[string]struct{} {
	return map[string]struct{}{"U0": {}, "U1": {}, "U2": {}}
}

// ---------------------------------------------------------------------------
// Running ValidateFile.

type validated struct {
	path     string
	res      Result
	problems []Problem // read back from the CSV report, in its order
	out      string    // what the problem log printed
}

// errors are the problems that are not warnings.
func (v validated) errors() []Problem {
	var ps []Problem
	for _, p := range v.problems {
		if !p.Warning {
			ps = append(ps, p)
		}
	}
	return ps
}

func (v validated) warnings() []Problem {
	var ps []Problem
	for _, p := range v.problems {
		if p.Warning {
			ps = append(ps, p)
		}
	}
	return ps
}

// writeTestFile writes data to name in a new temporary folder.
func writeTestFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// validateContent writes content to a file called name and validates it.
func validateContent(t testing.TB, name, content string, areas map[string]struct{}) validated {
	t.Helper()
	return validatePath(t, writeTestFile(t, name, []byte(content)), nil, areas)
}

// validatePath validates one file (of the kind its name tells, when kind is
// nil) with ValidateFile, logging to a buffer and a report it reads back.
func validatePath(t testing.TB, path string, kind *Kind, areas map[string]struct{}) validated {
	t.Helper()
	if kind == nil {
		k, err := KindOfFile(path)
		if err != nil {
			t.Fatal(err)
		}
		kind = k
	}
	var out bytes.Buffer
	reportPath := filepath.Join(t.TempDir(), "report.csv")
	log, err := NewProblemLog(&out, reportPath, true)
	if err != nil {
		t.Fatal(err)
	}
	res := ValidateFile(File{Path: path, Kind: kind}, areas, log)
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	problems := readReport(t, reportPath)
	if log.Total() != len(problems) {
		t.Errorf("the log counted %d problems, the report has %d", log.Total(), len(problems))
	}
	return validated{path: path, res: res, problems: problems, out: out.String()}
}

// readReport reads a problem report back into problems.
func readReport(t testing.TB, path string) []Problem {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"file", "line", "column", "value", "reason"}) {
		t.Fatalf("report header: got %q, want file,line,column,value,reason", recs)
	}
	var ps []Problem
	for _, r := range recs[1:] {
		if len(r) != 5 {
			t.Fatalf("report row %q has %d fields", r, len(r))
		}
		line, err := strconv.Atoi(r[1])
		if err != nil {
			t.Fatalf("report row %q: line: %v", r, err)
		}
		reason, warning := strings.CutPrefix(r[4], "warning: ")
		ps = append(ps, Problem{File: r[0], Line: line, Column: r[2], Value: r[3], Reason: reason, Warning: warning})
	}
	return ps
}

// wantProblem is an expected problem: its line, column and value exactly, and
// distinctive parts of its reason (separated by "…", found in that order).
type wantProblem struct {
	line   int
	column string
	reason string
	value  string
}

// at3 is a problem on line 3, where rowFile puts the row under test.
func at3(column, reason, value string) wantProblem { return wantProblem{3, column, reason, value} }

// containsInOrder tells whether s holds the parts of want, separated by "…",
// in that order.
func containsInOrder(s, want string) bool {
	for _, part := range strings.Split(want, "…") {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// checkProblems matches got and wants one to one, in any order.
func checkProblems(t testing.TB, got []Problem, wants ...wantProblem) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range wants {
		found := false
		for i, p := range got {
			if !used[i] && p.Line == w.line && p.Column == w.column && p.Value == w.value && containsInOrder(p.Reason, w.reason) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing problem: line %d, column %q, value %q, reason containing %q", w.line, w.column, w.value, w.reason)
		}
	}
	for i, p := range got {
		if !used[i] {
			t.Errorf("unexpected problem: %s", p)
		}
	}
}

func kindNamed(t testing.TB, name string) *Kind {
	t.Helper()
	k, err := LookupKind(name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// checkRows reads a file of kind row by row with a Validator (duplicate keys
// checked in memory, areas not checked) and returns the valid rows and all
// problems.
func checkRows(t testing.TB, kind, content string) ([]Row, []Problem) {
	t.Helper()
	k := kindNamed(t, kind)
	path := writeTestFile(t, kind+".csv", []byte(content))
	r, warnings, err := Open(path, k)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	problems := warnings
	v := NewValidator(k, path, nil, true)
	var rows []Row
	for {
		rec, line, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			problems = append(problems, v.ParseError(pe))
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var row Row
		if v.Check(r, rec, line, &row, func(p Problem) { problems = append(problems, p) }) {
			rows = append(rows, row)
		}
	}
	return rows, problems
}

// rowValue is the value of column in a row of kind.
func rowValue(t testing.TB, kind string, row Row, column string) Value {
	t.Helper()
	i := kindNamed(t, kind).columnIndex(column)
	if i < 0 {
		t.Fatalf("%s has no column %s", kind, column)
	}
	return row.Values[i]
}

// ---------------------------------------------------------------------------
// Tests.

// The kinds, their columns, types, requirement, keys and cross-column rules
// are the contract's.
func TestKindColumnsMatchContract(t *testing.T) {
	if got, want := ReturnKindNames(), []string{"areas", "activity", "training", "outcomes", "funding"}; !slices.Equal(got, want) {
		t.Fatalf("ReturnKindNames() = %v, want %v (areas first)", got, want)
	}
	if got, want := KindNames(), []string{"areas", "activity", "training", "outcomes", "funding", "pcn_workforce", "gpad"}; !slices.Equal(got, want) {
		t.Fatalf("KindNames() = %v, want %v (the published files last)", got, want)
	}
	for _, kind := range Kinds {
		if kind.Published != nil {
			continue // published.go: their columns are the publications'
		}
		want := contractColumns[kind.Name]
		if len(kind.Columns) != len(want) {
			t.Errorf("%s: %d columns %v, the contract has %d", kind.Name, len(kind.Columns), kind.ColumnNames(), len(want))
			continue
		}
		for i, c := range kind.Columns {
			if c.Name != want[i].name || c.Type != want[i].typ || c.Required != want[i].required {
				t.Errorf("%s column %d: got %s type %d required %v, want %s type %d required %v",
					kind.Name, i, c.Name, c.Type, c.Required, want[i].name, want[i].typ, want[i].required)
			}
		}
		if !slices.Equal(kind.Key, contractKeys[kind.Name]) {
			t.Errorf("%s key: got %v, want %v", kind.Name, kind.Key, contractKeys[kind.Name])
		}
		if kind.Reference != (kind.Name == "areas") {
			t.Errorf("%s: Reference = %v", kind.Name, kind.Reference)
		}
	}
	enum := func(kind, col string) []string {
		return kindNamed(t, kind).Columns[kindNamed(t, kind).columnIndex(col)].Values
	}
	if got := enum("training", "module"); !slices.Equal(got, contractModules) {
		t.Errorf("modules: got %v, want %v", got, contractModules)
	}
	if got := enum("outcomes", "outcome"); !slices.Equal(got, contractOutcomes) {
		t.Errorf("outcomes: got %v, want %v", got, contractOutcomes)
	}
	if got := enum("funding", "stream"); !slices.Equal(got, contractStreams) {
		t.Errorf("streams: got %v, want %v", got, contractStreams)
	}
	sick := kindNamed(t, "areas").Columns[kindNamed(t, "areas").columnIndex("long_term_sick_rate")]
	if !sick.HasMax || sick.Max != 100 {
		t.Errorf("long_term_sick_rate: HasMax %v Max %g, want 0–100", sick.HasMax, sick.Max)
	}
}

// The valid rows used by the other tests are valid, one file per kind.
func TestValidateValidRows(t *testing.T) {
	for _, kind := range ReturnKindNames() {
		t.Run(kind, func(t *testing.T) {
			v := validateContent(t, kind+".csv", rowFile(kind, nil), allAreas())
			checkProblems(t, v.problems)
			if v.res.Status != ResultValid || v.res.RowsRead != 3 || v.res.RowsLoaded != 3 || v.res.RowsRejected != 0 {
				t.Errorf("result %+v, want valid with 3 rows read and loaded", v.res)
			}
		})
	}
}

// A required column with an empty (or blank) value is a problem naming the
// column; the other rows stay valid.
func TestValidateRequiredEmpty(t *testing.T) {
	for _, kind := range ReturnKindNames() {
		for _, c := range contractColumns[kind] {
			if !c.required {
				continue
			}
			for _, empty := range []string{"", "   "} {
				t.Run(kind+"/"+c.name+"/"+strconv.Quote(empty), func(t *testing.T) {
					v := validateContent(t, kind+".csv", rowFile(kind, map[string]string{c.name: empty}), nil)
					checkProblems(t, v.problems, at3(c.name, "is required but empty", ""))
					if v.res.Status != ResultInvalid || v.res.RowsRead != 3 || v.res.RowsRejected != 1 || v.res.RowsLoaded != 2 {
						t.Errorf("result %+v, want invalid, 3 read, 1 rejected", v.res)
					}
				})
			}
		}
	}
}

// An empty optional value, or an optional column left out, is unknown (Null),
// never zero; a 0 is a known zero.
func TestValidateOptionalUnknown(t *testing.T) {
	tests := []struct {
		name, kind, content string
		column              string
		null                bool
	}{
		{"imd_score empty", "areas", testFile("areas", nil, map[string]string{"imd_score": ""}), "imd_score", true},
		{"imd_score blank", "areas", testFile("areas", nil, map[string]string{"imd_score": "  "}), "imd_score", true},
		{"imd_score absent", "areas", testFile("areas", contractHeader("areas")[:8], nil), "imd_score", true},
		{"imd_score zero", "areas", testFile("areas", nil, map[string]string{"imd_score": "0"}), "imd_score", false},
		{"long_term_sick_rate empty", "areas", testFile("areas", nil, map[string]string{"long_term_sick_rate": ""}), "long_term_sick_rate", true},
		{"long_term_sick_rate absent", "areas", testFile("areas", contractHeader("areas")[:9], nil), "long_term_sick_rate", true},
		{"long_term_sick_rate zero", "areas", testFile("areas", nil, map[string]string{"long_term_sick_rate": "0.0"}), "long_term_sick_rate", false},
		{"median_wait_days empty", "activity", testFile("activity", nil, map[string]string{"median_wait_days": ""}), "median_wait_days", true},
		{"median_wait_days absent", "activity", testFile("activity", contractHeader("activity")[:9], nil), "median_wait_days", true},
		{"median_wait_days zero", "activity", testFile("activity", nil, map[string]string{"median_wait_days": "0"}), "median_wait_days", false},
		{"required zero count", "activity", testFile("activity", nil, map[string]string{"people_supported": "0"}), "people_supported", false},
		{"required zero decimal", "activity", testFile("activity", nil, map[string]string{"link_worker_fte": "0"}), "link_worker_fte", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, problems := checkRows(t, tt.kind, tt.content)
			checkProblems(t, problems)
			if len(rows) != 1 {
				t.Fatalf("%d valid rows, want 1", len(rows))
			}
			got := rowValue(t, tt.kind, rows[0], tt.column)
			if got.Null != tt.null {
				t.Errorf("%s: Null = %v, want %v", tt.column, got.Null, tt.null)
			}
			if got.Float != 0 || got.Count != 0 {
				t.Errorf("%s: got %+v, want zero value fields", tt.column, got)
			}
			for _, c := range contractColumns[tt.kind] {
				if c.required && rowValue(t, tt.kind, rows[0], c.name).Null {
					t.Errorf("required %s is Null", c.name)
				}
			}
		})
	}
}

// Rules between two columns are reported on the column whose contract row
// states them, with its value and the other value in the reason. Equal values
// are valid.
func TestValidateCrossColumn(t *testing.T) {
	tests := []struct {
		name, kind string
		set        map[string]string
		want       []wantProblem
	}{
		{"accepted > received", "activity", map[string]string{"referrals_received": "40", "referrals_accepted": "41"},
			[]wantProblem{at3("referrals_accepted", "must be ≤ referrals_received…40", "41")}},
		{"accepted = received", "activity", map[string]string{"referrals_received": "40", "referrals_accepted": "40"}, nil},
		{"accepted = received = 0", "activity", map[string]string{"referrals_received": "0", "referrals_accepted": "0"}, nil},
		{"fte > headcount", "activity", map[string]string{"link_worker_headcount": "3", "link_worker_fte": "3.01"},
			[]wantProblem{at3("link_worker_fte", "must be ≤ link_worker_headcount…3", "3.01")}},
		{"fte = headcount", "activity", map[string]string{"link_worker_headcount": "3", "link_worker_fte": "3.00"}, nil},
		{"fte 0.5 headcount 0", "activity", map[string]string{"link_worker_headcount": "0", "link_worker_fte": "0.5"},
			[]wantProblem{at3("link_worker_fte", "must be ≤ link_worker_headcount…0", "0.5")}},
		{"both activity rules", "activity", map[string]string{"referrals_received": "1", "referrals_accepted": "2", "link_worker_headcount": "1", "link_worker_fte": "2"},
			[]wantProblem{at3("referrals_accepted", "≤ referrals_received", "2"), at3("link_worker_fte", "≤ link_worker_headcount", "2")}},
		{"working age > population", "areas", map[string]string{"population": "10000", "working_age_population": "10001"},
			[]wantProblem{at3("working_age_population", "must be ≤ population…10000", "10001")}},
		{"working age = population", "areas", map[string]string{"population": "10000", "working_age_population": "10000"}, nil},
		{"trained > in post", "training", map[string]string{"staff_in_post": "3", "staff_trained": "4"},
			[]wantProblem{at3("staff_trained", "must be ≤ staff_in_post…3", "4")}},
		{"trained = in post", "training", map[string]string{"staff_in_post": "3", "staff_trained": "3"}, nil},
		{"cohort < people", "outcomes", map[string]string{"people": "4", "cohort": "3"},
			[]wantProblem{at3("cohort", "must be ≥ people…4", "3")}},
		{"cohort = people", "outcomes", map[string]string{"people": "4", "cohort": "4"}, nil},
		{"cohort = people = 0", "outcomes", map[string]string{"people": "0", "cohort": "0"}, nil},
		{"values trimmed and leading zeros", "outcomes", map[string]string{"people": " 004 ", "cohort": "3"},
			[]wantProblem{at3("cohort", "must be ≥ people…004", "3")}},
		// The code's choice: a rule between two columns is checked only when
		// both values are valid, so a bad value is reported once.
		{"invalid value, rule not checked", "activity", map[string]string{"referrals_received": "x", "referrals_accepted": "41"},
			[]wantProblem{at3("referrals_received", "whole number", "x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validateContent(t, tt.kind+".csv", rowFile(tt.kind, tt.set), nil)
			checkProblems(t, v.problems, tt.want...)
		})
	}
}

// areas: one name per ICB and per region, one region per ICB; the problem is
// on the later row and names the earlier line.
func TestValidateAreasHierarchy(t *testing.T) {
	a := func(code string, set map[string]string) map[string]string {
		r := maps.Clone(set)
		if r == nil {
			r = map[string]string{}
		}
		r["area_code"] = code
		return r
	}
	tests := []struct {
		name string
		rows []map[string]string
		want []wantProblem
	}{
		{"same ICB and region", []map[string]string{a("U0", nil), a("U1", nil), a("U2", nil)}, nil},
		{"ICB renamed", []map[string]string{a("U0", nil), a("U1", map[string]string{"icb_name": "Other ICB"})},
			[]wantProblem{at3("icb_name", `ICB QWE is named "North ICB" on line 2`, "Other ICB")}},
		{"ICB name differs by case", []map[string]string{a("U0", nil), a("U1", map[string]string{"icb_name": "north icb"})},
			[]wantProblem{at3("icb_name", "on line 2; one ICB has one name", "north icb")}},
		{"region renamed", []map[string]string{a("U0", nil), a("U1", nil), a("U2", map[string]string{"region_name": "The North"})},
			[]wantProblem{{4, "region_name", `region Y56 is named "North" on line 2`, "The North"}}},
		{"ICB in two regions", []map[string]string{a("U0", nil), a("U1", map[string]string{"region_code": "Y57", "region_name": "South"})},
			[]wantProblem{at3("region_code", "ICB QWE is in region Y56 on line 2; one ICB belongs to one region", "Y57")}},
		{"ICB in two regions and renamed", []map[string]string{a("U0", nil), a("U1", map[string]string{"icb_name": "X", "region_code": "Y57", "region_name": "South"})},
			[]wantProblem{at3("region_code", "in region Y56 on line 2", "Y57"), at3("icb_name", "is named", "X")}},
		{"two ICBs in one region", []map[string]string{a("U0", nil), a("U1", map[string]string{"icb_code": "QWF", "icb_name": "South ICB"})}, nil},
		{"two regions", []map[string]string{a("U0", nil), a("U1", map[string]string{"icb_code": "QWF", "icb_name": "South ICB", "region_code": "Y57", "region_name": "South"})}, nil},
		{"codes compared upper-cased", []map[string]string{a("U0", nil), a("U1", map[string]string{"icb_code": "qwe", "region_code": "y56"})}, nil},
		{"lower-case ICB code in another region", []map[string]string{a("U0", nil), a("U1", map[string]string{"icb_code": "qwe", "region_code": "y57", "region_name": "South"})},
			[]wantProblem{at3("region_code", "ICB QWE is in region Y56 on line 2", "Y57")}},
		{"names trimmed", []map[string]string{a("U0", nil), a("U1", map[string]string{"icb_name": "  North ICB ", "region_name": " North"})}, nil},
		{"earlier line is the first", []map[string]string{a("U0", nil), a("U1", nil), a("U2", map[string]string{"icb_name": "B"}), a("U3", map[string]string{"icb_name": "C"})},
			[]wantProblem{{4, "icb_name", `"North ICB" on line 2`, "B"}, {5, "icb_name", `"North ICB" on line 2`, "C"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validateContent(t, "areas.csv", testFile("areas", nil, tt.rows...), nil)
			checkProblems(t, v.problems, tt.want...)
		})
	}
}

// Fact rows must refer to known areas (column area_code, value upper-cased);
// with no set of areas, they are not checked.
func TestValidateAreaCodeKnown(t *testing.T) {
	known := func() map[string]struct{} { return map[string]struct{}{"U0": {}, "U1": {}, "U2": {}} }
	for _, kind := range []string{"activity", "training", "outcomes", "funding"} {
		tests := []struct {
			name  string
			areas map[string]struct{}
			rows  []map[string]string
			want  []wantProblem
		}{
			{"known", known(), []map[string]string{{"area_code": "U1"}}, nil},
			{"known lower case", known(), []map[string]string{{"area_code": " u1 "}}, nil},
			{"unknown", known(), []map[string]string{{"area_code": "U1"}, {"area_code": "u9"}},
				[]wantProblem{{3, "area_code", "is not in the loaded areas", "U9"}}},
			{"unknown twice, around known", known(), []map[string]string{{"area_code": "U9"}, {"area_code": "U1"},
				{"area_code": "U9", "provider_code": "P2", "stream": "icb"}, {"area_code": "U1", "provider_code": "P2", "stream": "icb"}, {"area_code": "U8"}},
				[]wantProblem{{2, "area_code", "not in the loaded areas", "U9"}, {4, "area_code", "not in the loaded areas", "U9"}, {6, "area_code", "not in the loaded areas", "U8"}}},
			{"unknown repeated", known(), []map[string]string{{"area_code": "U9"}, {"area_code": "U9", "month": "2024-08", "financial_year": "2025-26"}},
				[]wantProblem{{2, "area_code", "not in the loaded areas", "U9"}, {3, "area_code", "not in the loaded areas", "U9"}}},
			{"empty set", map[string]struct{}{}, []map[string]string{{"area_code": "U1"}},
				[]wantProblem{{2, "area_code", "not in the loaded areas", "U1"}}},
			{"nil set: not checked", nil, []map[string]string{{"area_code": "U9"}}, nil},
		}
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				v := validateContent(t, kind+".csv", testFile(kind, nil, tt.rows...), tt.areas)
				checkProblems(t, v.problems, tt.want...)
			})
		}
	}
}

// A valid areas file replaces the set of areas the later fact files are
// checked against; areas rows are not themselves checked against it.
func TestValidateAreasFileSetsAreas(t *testing.T) {
	areas := map[string]struct{}{"OLD": {}}
	va := validateContent(t, "areas.csv", testFile("areas", nil, map[string]string{"area_code": "u5"}, map[string]string{"area_code": "U6"}), areas)
	checkProblems(t, va.problems)
	if len(areas) != 2 {
		t.Errorf("areas after the areas file: %v, want U5 and U6", areas)
	}
	v := validateContent(t, "activity.csv", testFile("activity", nil,
		map[string]string{"area_code": "U5"}, map[string]string{"area_code": "u6"}, map[string]string{"area_code": "OLD"}), areas)
	checkProblems(t, v.problems, wantProblem{4, "area_code", "not in the loaded areas", "OLD"})
}

// Duplicate natural keys in one file: both lines are reported, on the key
// columns, with the key's canonical values; codes and enums are compared after
// canonicalising, so letter case does not make keys differ.
func TestValidateDuplicateKeys(t *testing.T) {
	const actKey = "month+area_code+provider_code"
	tests := []struct {
		name, kind string
		rows       []map[string]string
		want       []wantProblem
		rejected   int64
	}{
		{"activity same key", "activity", []map[string]string{{}, {"referrals_received": "50"}},
			[]wantProblem{{2, actKey, "duplicate natural key, also on line 3", "2024-07, U1, P1"}, {3, actKey, "also on line 2", "2024-07, U1, P1"}}, 2},
		{"activity other month", "activity", []map[string]string{{}, {"month": "2024-08"}}, nil, 0},
		{"activity other area", "activity", []map[string]string{{}, {"area_code": "U2"}}, nil, 0},
		{"activity other provider", "activity", []map[string]string{{}, {"provider_code": "P2"}}, nil, 0},
		{"activity codes differ by case", "activity", []map[string]string{{}, {"area_code": "u1", "provider_code": " p1"}},
			[]wantProblem{{2, actKey, "also on line 3", "2024-07, U1, P1"}, {3, actKey, "also on line 2", "2024-07, U1, P1"}}, 2},
		{"activity month spaced", "activity", []map[string]string{{"month": " 2024-07 "}, {}},
			[]wantProblem{{2, actKey, "also on line 3", "2024-07, U1, P1"}, {3, actKey, "also on line 2", "2024-07, U1, P1"}}, 2},
		{"activity not adjacent", "activity", []map[string]string{{}, {"provider_code": "P2"}, {"provider_code": "P3"}, {}},
			[]wantProblem{{2, actKey, "also on line 5", "2024-07, U1, P1"}, {5, actKey, "also on line 2", "2024-07, U1, P1"}}, 2},
		{"activity three times", "activity", []map[string]string{{}, {}, {}},
			[]wantProblem{{2, actKey, "also on line 3", "2024-07, U1, P1"}, {3, actKey, "also on line 2", "2024-07, U1, P1"}, {4, actKey, "also on line 2", "2024-07, U1, P1"}}, 3},
		{"training same module", "training", []map[string]string{{}, {"staff_trained": "1"}},
			[]wantProblem{{2, actKey + "+module", "also on line 3", "2024-07, U1, P1, employment_support"}, {3, actKey + "+module", "also on line 2", "2024-07, U1, P1, employment_support"}}, 2},
		{"training other module", "training", []map[string]string{{}, {"module": "ips_awareness"}}, nil, 0},
		{"training module case", "training", []map[string]string{{}, {"module": "Employment_Support"}},
			[]wantProblem{{2, actKey + "+module", "also on line 3", "2024-07, U1, P1, employment_support"}, {3, actKey + "+module", "also on line 2", "2024-07, U1, P1, employment_support"}}, 2},
		{"training other provider", "training", []map[string]string{{}, {"provider_code": "P2"}}, nil, 0},
		{"outcomes same outcome", "outcomes", []map[string]string{{}, {}},
			[]wantProblem{{2, actKey + "+outcome", "also on line 3", "2024-07, U1, P1, entered_employment"}, {3, actKey + "+outcome", "also on line 2", "2024-07, U1, P1, entered_employment"}}, 2},
		{"outcomes other outcome", "outcomes", []map[string]string{{}, {"outcome": "improved_wellbeing"}}, nil, 0},
		{"outcomes outcome case", "outcomes", []map[string]string{{"outcome": "ENTERED_EMPLOYMENT"}, {}},
			[]wantProblem{{2, actKey + "+outcome", "also on line 3", "2024-07, U1, P1, entered_employment"}, {3, actKey + "+outcome", "also on line 2", "2024-07, U1, P1, entered_employment"}}, 2},
		{"outcomes other month", "outcomes", []map[string]string{{}, {"month": "2024-06"}}, nil, 0},
		{"funding same key", "funding", []map[string]string{{}, {"amount_gbp": "1.00"}},
			[]wantProblem{{2, "financial_year+area_code+stream", "also on line 3", "2024-25, U1, arrs"}, {3, "financial_year+area_code+stream", "also on line 2", "2024-25, U1, arrs"}}, 2},
		{"funding stream case and area case", "funding", []map[string]string{{}, {"stream": "ARRS", "area_code": "u1"}},
			[]wantProblem{{2, "financial_year+area_code+stream", "also on line 3", "2024-25, U1, arrs"}, {3, "financial_year+area_code+stream", "also on line 2", "2024-25, U1, arrs"}}, 2},
		{"funding other stream", "funding", []map[string]string{{}, {"stream": "icb"}}, nil, 0},
		{"funding other year", "funding", []map[string]string{{}, {"financial_year": "2025-26"}}, nil, 0},
		{"funding other area", "funding", []map[string]string{{}, {"area_code": "U2"}}, nil, 0},
		{"areas same code", "areas", []map[string]string{{}, {"area_code": "u1", "area_name": "Another"}},
			[]wantProblem{{2, "area_code", "also on line 3", "U1"}, {3, "area_code", "also on line 2", "U1"}}, 2},
		{"areas other code", "areas", []map[string]string{{}, {"area_code": "U2"}}, nil, 0},
		// The code's choice: keys are compared among valid rows only (as the
		// load does, which finds duplicates among the rows it inserted).
		{"key repeated on an invalid row", "activity", []map[string]string{{}, {"people_supported": "x"}},
			[]wantProblem{{3, "people_supported", "whole number", "x"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validateContent(t, tt.kind+".csv", testFile(tt.kind, nil, tt.rows...), nil)
			checkProblems(t, v.problems, tt.want...)
			n := int64(len(tt.rows))
			if v.res.RowsRead != n || v.res.RowsRejected != tt.rejected || v.res.RowsLoaded != n-tt.rejected {
				t.Errorf("result %+v, want %d read, %d rejected, %d loaded", v.res, n, tt.rejected, n-tt.rejected)
			}
			if wantStatus := map[bool]string{true: ResultInvalid, false: ResultValid}[tt.rejected > 0]; v.res.Status != wantStatus {
				t.Errorf("status %q, want %q", v.res.Status, wantStatus)
			}
		})
	}
}

// The second read of ValidateFile checks exactly the rows whose key hash
// repeated: a hash shared by two different keys (a collision) rejects
// nothing, and with no hashes to go by (suspects nil) every row is checked,
// finding what the in-memory check finds.
func TestDuplicateKeysSecondRead(t *testing.T) {
	k := kindNamed(t, "activity")
	content := testFile("activity", nil, map[string]string{}, map[string]string{"provider_code": "P2"},
		map[string]string{"provider_code": "P3"}, map[string]string{}, map[string]string{"provider_code": "P2"}, map[string]string{})
	path := writeTestFile(t, "activity.csv", []byte(content))
	rows, want := checkRows(t, "activity", content)
	if len(rows) != 3 || len(want) != 5 { // lines 2-4 accepted as read; P1's three lines and P2's two named
		t.Fatalf("the in-memory check: %d valid rows, problems %v", len(rows), want)
	}
	for i := range want { // checkRows read its own copy of the file
		want[i].File = path
	}
	keys, keyCols := newKeySet(1000, 1000), k.keyColumns()
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []Problem
	rejected, err := duplicateKeys(File{Path: path, Kind: k}, before, nil, keys, keyCols, nil, func(p Problem) { got = append(got, p) })
	if err != nil || rejected != 5 || !slices.Equal(got, want) {
		t.Errorf("every row checked: %d rejected (%v), problems\n%v\nwant\n%v", rejected, err, got, want)
	}

	// A collision: P1's and P3's hashes suspected, but only P1 repeats.
	hashOf := func(provider string) uint64 {
		row := Row{Values: make([]Value, len(k.Columns))}
		row.Values[k.columnIndex("month")].Month = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
		row.Values[k.columnIndex("area_code")].Str = "U1"
		row.Values[k.columnIndex("provider_code")].Str = provider
		return keys.hashKey(k, keyCols, &row)
	}
	got = nil
	suspects := []uint64{hashOf("P1"), hashOf("P3")}
	slices.Sort(suspects)
	rejected, err = duplicateKeys(File{Path: path, Kind: k}, before, nil, keys, keyCols, suspects, func(p Problem) { got = append(got, p) })
	if err != nil || rejected != 3 || len(got) != 3 {
		t.Fatalf("P1 and P3 suspected: %d rejected (%v), problems %v; want P1's three lines", rejected, err, got)
	}
	checkProblems(t, got,
		wantProblem{2, "month+area_code+provider_code", "also on line 5", "2024-07, U1, P1"},
		wantProblem{5, "month+area_code+provider_code", "also on line 2", "2024-07, U1, P1"},
		wantProblem{7, "month+area_code+provider_code", "also on line 2", "2024-07, U1, P1"})

	// A file changed since the first read: the two reads would not agree.
	if err := os.WriteFile(path, []byte(content+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := duplicateKeys(File{Path: path, Kind: k}, before, nil, keys, keyCols, suspects, func(Problem) {}); err == nil || !strings.Contains(err.Error(), "changed while it was validated") {
		t.Errorf("a file changed between the reads: %v, want an error saying so", err)
	}

	// Another file put in its place, of the same size and time: also changed.
	other := filepath.Join(t.TempDir(), "activity.csv")
	if err := os.WriteFile(other, []byte(content+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	now, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(other, now.ModTime(), now.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if _, err := duplicateKeys(File{Path: path, Kind: k}, now, nil, keys, keyCols, suspects, func(Problem) {}); err == nil || !strings.Contains(err.Error(), "changed while it was validated") {
		t.Errorf("another file of the same size and time in its place: %v, want an error saying so", err)
	}

	// ValidateFile finds all five through its key hashes.
	v := validatePath(t, path, k, nil)
	if v.res.RowsRejected != 5 || v.res.RowsLoaded != 1 || v.res.Status != ResultInvalid {
		t.Errorf("ValidateFile: %+v, want 5 rejected, 1 valid", v.res)
	}
	if !slices.EqualFunc(sortedProblems(v.problems), sortedProblems(want), func(a, b Problem) bool { return a.String() == b.String() }) {
		t.Errorf("ValidateFile's problems\n%v\nwant\n%v", v.problems, want)
	}
}

func sortedProblems(ps []Problem) []Problem {
	return slices.SortedFunc(slices.Values(ps), func(a, b Problem) int { return strings.Compare(a.String(), b.String()) })
}

// A file that cannot be read twice (a named pipe, or a shell's <(…)) has
// its keys checked as it is read, all of them kept in memory: its
// duplicates are found as a regular file's are.
func TestValidateDuplicateKeysFromAPipe(t *testing.T) {
	content := testFile("activity", nil, map[string]string{}, map[string]string{"provider_code": "P2"}, map[string]string{})
	path := filepath.Join(t.TempDir(), "activity.csv")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return // the reader's error says what happened
		}
		defer w.Close()
		_, _ = w.Write([]byte(content))
	}()
	v := validatePath(t, path, nil, nil)
	if v.res.RowsRejected != 2 || v.res.RowsLoaded != 1 || v.res.Status != ResultInvalid {
		t.Errorf("a pipe: %+v, want 2 rejected, 1 valid", v.res)
	}
	checkProblems(t, v.problems,
		wantProblem{2, "month+area_code+provider_code", "also on line 4", "2024-07, U1, P1"},
		wantProblem{4, "month+area_code+provider_code", "also on line 2", "2024-07, U1, P1"})
}

// Duplicate lines are named by their physical line, blank lines counted.
func TestValidateDuplicateKeysAfterBlankLines(t *testing.T) {
	h := contractHeader("funding")
	content := csvLines(strings.Join(h, ","), "", csvRecord(h, validRow["funding"]), "   ", "", csvRecord(h, validRow["funding"]))
	v := validateContent(t, "funding.csv", content, nil)
	checkProblems(t, v.problems,
		wantProblem{3, "financial_year+area_code+stream", "also on line 6", "2024-25, U1, arrs"},
		wantProblem{6, "financial_year+area_code+stream", "also on line 3", "2024-25, U1, arrs"})
}

// The valid fixture files validate cleanly, in load order, the areas file
// providing the codes the facts are checked against.
func TestValidateFixtures(t *testing.T) {
	files, problems := ExpandPaths([]string{filepath.Join("testdata", "unit", "valid")}, nil)
	if len(problems) > 0 {
		t.Fatalf("ExpandPaths: %v", problems)
	}
	var kinds []string
	for _, f := range files {
		kinds = append(kinds, f.Kind.Name)
	}
	if want := []string{"areas", "activity", "training", "outcomes", "funding"}; !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	areas := map[string]struct{}{}
	for _, f := range files {
		v := validatePath(t, f.Path, f.Kind, areas)
		checkProblems(t, v.problems)
		if v.res.Status != ResultValid || v.res.RowsRead == 0 || v.res.RowsLoaded != v.res.RowsRead {
			t.Errorf("%s: %+v, want valid rows", f.Path, v.res)
		}
	}
	if len(areas) != 4 {
		t.Errorf("areas %v, want the 4 of the fixture", areas)
	}
}

// Problems print as file:line: column: reason (value).
func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.csv", Line: 3, Column: "month", Value: "2024-7", Reason: "must be a month"}, "a.csv:3: month: must be a month (2024-7)"},
		{Problem{File: "d/a.csv", Line: 12, Column: "provider_code", Reason: "is required but empty"}, "d/a.csv:12: provider_code: is required but empty"},
		{Problem{File: "a.csv", Line: 1, Column: "Notes", Reason: "unknown column, ignored", Warning: true}, "a.csv:1: Notes: warning: unknown column, ignored"},
		{Problem{File: "a.csv.gz", Reason: "not gzip"}, "a.csv.gz: not gzip"},
		{Problem{File: "a.csv", Line: 4, Column: "row", Reason: "has 9 fields"}, "a.csv:4: row: has 9 fields"},
		{Problem{File: "a.csv", Line: 2, Column: "people", Value: "1 000", Reason: "r"}, "a.csv:2: people: r (1 000)"},
		{Problem{File: "a.csv", Line: 2, Column: "c", Value: "a\tb", Reason: "r"}, `a.csv:2: c: r ("a\tb")`},
		{Problem{File: "a.csv", Line: 2, Column: "c", Value: "P\xff1", Reason: "r"}, `a.csv:2: c: r ("P\xff1")`},
		{Problem{File: "a.csv", Line: 2, Column: "c", Value: "é", Reason: "r"}, "a.csv:2: c: r (é)"},
		{Problem{File: "a.csv", Line: 2, Column: "c", Value: strings.Repeat("x", 100), Reason: "r"}, "a.csv:2: c: r (" + strings.Repeat("x", 80) + "…)"},
		{Problem{File: "a.csv", Line: 2, Column: "c", Value: strings.Repeat("x", 79) + "é", Reason: "r"}, "a.csv:2: c: r (" + strings.Repeat("x", 79) + "…)"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// badActivity is an activity file whose n rows each have one bad value.
func badActivity(n int) string {
	h := contractHeader("activity")
	ls := []string{strings.Join(h, ",")}
	for i := range n {
		ls = append(ls, csvRecord(h, rowWith("activity", map[string]string{"provider_code": "P" + strconv.Itoa(i), "people_supported": "x"})))
	}
	return csvLines(ls...)
}

// At most 100 problems are printed per file, then a count of the rest; the
// report has every problem.
func TestProblemLogLimit(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "activity_a.csv")
	b := filepath.Join(dir, "activity_b.csv")
	if err := os.WriteFile(a, []byte(badActivity(150)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(badActivity(30)), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	reportPath := filepath.Join(dir, "reports", "problems.csv") // the folder is created
	log, err := NewProblemLog(&out, reportPath, false)
	if err != nil {
		t.Fatal(err)
	}
	ra := ValidateFile(File{Path: a, Kind: kindNamed(t, "activity")}, nil, log)
	rb := ValidateFile(File{Path: b, Kind: kindNamed(t, "activity")}, nil, log)
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	if ra.RowsRejected != 150 || rb.RowsRejected != 30 {
		t.Errorf("rejected %d and %d, want 150 and 30", ra.RowsRejected, rb.RowsRejected)
	}
	if log.Total() != 180 || log.ReportPath() != reportPath {
		t.Errorf("Total %d, ReportPath %q", log.Total(), log.ReportPath())
	}
	printed := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(printed) != 100+1+30 {
		t.Fatalf("%d lines printed, want 131:\n%s", len(printed), out.String())
	}
	for i := range 100 {
		if want := a + ":" + strconv.Itoa(i+2) + ": people_supported: must be a whole number (base-10 digits) (x)"; printed[i] != want {
			t.Fatalf("line %d printed %q, want %q", i+1, printed[i], want)
		}
	}
	if want := a + ": 50 more problems not listed (all are in " + reportPath + ")"; printed[100] != want {
		t.Errorf("printed %q, want %q", printed[100], want)
	}
	if !strings.HasPrefix(printed[101], b+":2: people_supported:") || !strings.HasPrefix(printed[130], b+":31: people_supported:") {
		t.Errorf("the second file's problems are not all listed: %q … %q", printed[101], printed[130])
	}

	report := readReport(t, reportPath)
	if len(report) != 180 {
		t.Fatalf("report has %d problems, want 180", len(report))
	}
	for i, p := range report {
		file, line := a, i+2
		if i >= 150 {
			file, line = b, i-150+2
		}
		if p.File != file || p.Line != line || p.Column != "people_supported" || p.Value != "x" || p.Reason != "must be a whole number (base-10 digits)" {
			t.Fatalf("report row %d: %+v", i+1, p)
		}
	}
}

// The report: created with the first problem (or at once when eager), with a
// header, every problem and warning, values as they were.
func TestProblemLogReport(t *testing.T) {
	dir := t.TempDir()
	valid := filepath.Join(dir, "activity.csv")
	if err := os.WriteFile(valid, []byte(testFile("activity", nil, nil)), 0o644); err != nil {
		t.Fatal(err)
	}

	// Not eager, no problem: no report.
	lazyPath := filepath.Join(dir, "lazy.csv")
	var out bytes.Buffer
	log, err := NewProblemLog(&out, lazyPath, false)
	if err != nil {
		t.Fatal(err)
	}
	if res := ValidateFile(File{Path: valid, Kind: kindNamed(t, "activity")}, nil, log); res.Status != ResultValid {
		t.Errorf("result %+v", res)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lazyPath); !os.IsNotExist(err) || log.ReportPath() != "" || out.Len() != 0 {
		t.Errorf("a report without problems: %v %q %q", err, log.ReportPath(), out.String())
	}

	// Eager: a header-only report.
	eagerPath := filepath.Join(dir, "eager.csv")
	log, err = NewProblemLog(&out, eagerPath, true)
	if err != nil {
		t.Fatal(err)
	}
	ValidateFile(File{Path: valid, Kind: kindNamed(t, "activity")}, nil, log)
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(eagerPath)
	if err != nil || string(data) != "file,line,column,value,reason\n" {
		t.Errorf("eager report %q %v", data, err)
	}

	// Values with commas, quotes, line breaks and invalid bytes survive the
	// report; warnings are marked.
	h := contractHeader("areas")
	content := csvLines(strings.Join(h, ",")+",Extra",
		csvRecord(h, rowWith("areas", map[string]string{"area_code": "U1", "population": `1,"000"`}))+",",
		csvRecord(h, rowWith("areas", map[string]string{"area_code": "U2", "imd_score": "a\nb"}))+",",
		csvRecord(h, rowWith("areas", map[string]string{"area_code": "U3", "area_name": "caf\xe9"}))+",")
	v := validateContent(t, "areas.csv", content, nil)
	checkProblems(t, v.problems,
		wantProblem{1, "Extra", "unknown column, ignored", ""},
		wantProblem{2, "population", "must be a whole number", `1,"000"`},
		wantProblem{3, "imd_score", "must be a decimal number", "a\nb"},
		wantProblem{5, "area_name", "is not valid UTF-8", "caf\xe9"})
	if len(v.warnings()) != 1 || v.warnings()[0].Column != "Extra" {
		t.Errorf("warnings %v", v.warnings())
	}
	for _, p := range v.problems {
		if p.File != v.path {
			t.Errorf("report file %q, want %q", p.File, v.path)
		}
	}
}
