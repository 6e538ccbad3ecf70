// Package etl reads, validates and loads the monthly returns described in
// DATA_CONTRACT.md (contract v1).
package etl

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// ContractVersion is the data contract these rules implement.
const ContractVersion = "v1"

// ColType is the type of a contract column.
type ColType int

const (
	TypeCode          ColType = iota // 1–16 of A-Z a-z 0-9 _ -, stored upper-cased
	TypeText                         // non-empty text
	TypeCount                        // integer ≥ 0
	TypeDecimal                      // decimal ≥ 0, optionally ≤ Max
	TypeMoney                        // decimal ≥ 0 with at most 2 decimal places
	TypeMonth                        // YYYY-MM, 2000-01..2099-12
	TypeFinancialYear                // YYYY-YY
	TypeEnum                         // one of Values
)

// Column is one column of a kind's file.
type Column struct {
	Name     string
	Type     ColType
	Required bool
	Max      float64  // TypeDecimal upper bound when HasMax
	HasMax   bool     //
	Values   []string // TypeEnum
}

// Comparison is a rule between two columns of one row, stated on Column's row
// of the contract and reported against it: Column Op Other.
type Comparison struct {
	Column string
	Op     string // "<=" or ">="
	Other  string
}

// Kind is one kind of file and the table it feeds.
type Kind struct {
	Name        string
	Columns     []Column
	Key         []string // natural key
	Comparisons []Comparison
	Reference   bool // areas: each load replaces the whole table
	// Published is set for the published NHS files (contract v1.1), whose
	// Columns are the file's and whose stored columns differ (published.go).
	Published *Published
}

// Modules of the training file; the first four are work-related.
var Modules = []string{"employment_support", "benefits_and_debt", "health_and_work_conversations",
	"ips_awareness", "mental_health_awareness", "personalised_care_core"}

// Outcomes from the most direct route into work to the most indirect.
var Outcomes = []string{"entered_employment", "retained_employment", "started_job_search",
	"entered_education_training", "entered_volunteering", "improved_work_readiness", "improved_wellbeing"}

// Streams of funding.
var Streams = []string{"arrs", "icb", "local_authority", "charity", "other"}

func req(name string, t ColType) Column { return Column{Name: name, Type: t, Required: true} }

// Kinds in load order: areas first, since facts are checked against them;
// the published NHS files last.
var Kinds = []*Kind{
	{
		Name: "areas",
		Columns: []Column{
			req("area_code", TypeCode), req("area_name", TypeText),
			req("icb_code", TypeCode), req("icb_name", TypeText),
			req("region_code", TypeCode), req("region_name", TypeText),
			req("population", TypeCount), req("working_age_population", TypeCount),
			{Name: "imd_score", Type: TypeDecimal},
			{Name: "long_term_sick_rate", Type: TypeDecimal, Max: 100, HasMax: true},
		},
		Key:         []string{"area_code"},
		Comparisons: []Comparison{{"working_age_population", "<=", "population"}},
		Reference:   true,
	},
	{
		Name: "activity",
		Columns: []Column{
			req("month", TypeMonth), req("area_code", TypeCode), req("provider_code", TypeCode),
			req("referrals_received", TypeCount), req("referrals_accepted", TypeCount),
			req("people_supported", TypeCount), req("active_caseload", TypeCount),
			req("link_worker_headcount", TypeCount), req("link_worker_fte", TypeDecimal),
			{Name: "median_wait_days", Type: TypeDecimal},
		},
		Key: []string{"month", "area_code", "provider_code"},
		Comparisons: []Comparison{
			{"referrals_accepted", "<=", "referrals_received"},
			{"link_worker_fte", "<=", "link_worker_headcount"},
		},
	},
	{
		Name: "training",
		Columns: []Column{
			req("month", TypeMonth), req("area_code", TypeCode), req("provider_code", TypeCode),
			{Name: "module", Type: TypeEnum, Required: true, Values: Modules},
			req("staff_in_post", TypeCount), req("staff_trained", TypeCount),
		},
		Key:         []string{"month", "area_code", "provider_code", "module"},
		Comparisons: []Comparison{{"staff_trained", "<=", "staff_in_post"}},
	},
	{
		Name: "outcomes",
		Columns: []Column{
			req("month", TypeMonth), req("area_code", TypeCode), req("provider_code", TypeCode),
			{Name: "outcome", Type: TypeEnum, Required: true, Values: Outcomes},
			req("people", TypeCount), req("cohort", TypeCount),
		},
		Key:         []string{"month", "area_code", "provider_code", "outcome"},
		Comparisons: []Comparison{{"cohort", ">=", "people"}},
	},
	{
		Name: "funding",
		Columns: []Column{
			req("financial_year", TypeFinancialYear), req("area_code", TypeCode),
			{Name: "stream", Type: TypeEnum, Required: true, Values: Streams},
			req("amount_gbp", TypeMoney),
		},
		Key: []string{"financial_year", "area_code", "stream"},
	},
	workforceKind,
	gpadKind,
}

// KindNames lists the kinds, for messages.
func KindNames() []string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = k.Name
	}
	return names
}

// ReturnKindNames lists the kinds of the providers' returns (contract v1),
// without the published NHS files.
func ReturnKindNames() []string {
	var names []string
	for _, k := range Kinds {
		if k.Published == nil {
			names = append(names, k.Name)
		}
	}
	return names
}

// LookupKind returns the kind with this name (any case).
func LookupKind(name string) (*Kind, error) {
	for _, k := range Kinds {
		if strings.EqualFold(k.Name, strings.TrimSpace(name)) {
			return k, nil
		}
	}
	return nil, fmt.Errorf("unknown kind %q: the kinds are %s", name, strings.Join(KindNames(), ", "))
}

// KindOfFile tells a file's kind by its name: areas*.csv, activity*.csv, …,
// in any letter case, with or without .gz; the published files by their
// published names (published.go).
func KindOfFile(path string) (*Kind, error) {
	base := strings.ToLower(filepath.Base(path))
	if k := publishedKindOfFile(base); k != nil {
		return k, nil
	}
	name := strings.TrimSuffix(base, ".gz")
	if strings.HasSuffix(name, ".csv") {
		for _, k := range Kinds {
			if k.Published == nil && strings.HasPrefix(name, k.Name) {
				return k, nil
			}
		}
	}
	return nil, fmt.Errorf("cannot tell the kind of %s from its name: name it areas*.csv, activity*.csv, training*.csv, outcomes*.csv or funding*.csv (optionally .gz), or give a published NHS file its published name (%s; %s), or pass --kind with one of %s",
		filepath.Base(path), workforceKind.Published.patterns, gpadKind.Published.patterns, strings.Join(KindNames(), ", "))
}

// Order returns the position of a kind in load order.
func (k *Kind) Order() int {
	for i, o := range Kinds {
		if o == k {
			return i
		}
	}
	return len(Kinds)
}

// keyColumns are the indexes of the natural key's columns.
func (k *Kind) keyColumns() []int {
	cols := make([]int, len(k.Key))
	for i, name := range k.Key {
		cols[i] = k.columnIndex(name)
	}
	return cols
}

// ColumnNames lists the kind's columns in contract order.
func (k *Kind) ColumnNames() []string {
	names := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		names[i] = c.Name
	}
	return names
}

// columnIndexFold finds a header's column in any letter case.
func (k *Kind) columnIndexFold(name string) int {
	for i, c := range k.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

func (k *Kind) columnIndex(name string) int {
	for i, c := range k.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// SortByKind orders files for loading: areas first, then the facts in contract
// order, by path within a kind.
func SortByKind(files []File) {
	sort.SliceStable(files, func(i, j int) bool {
		if a, b := files[i].Kind.Order(), files[j].Kind.Order(); a != b {
			return a < b
		}
		return files[i].Path < files[j].Path
	})
}

// File is an input file and its kind.
type File struct {
	Path string
	Kind *Kind
}
