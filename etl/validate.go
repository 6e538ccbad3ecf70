package etl

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Problem is one thing wrong with an input file, reported as
// file:line: column: reason (value).
type Problem struct {
	File    string
	Line    int // from 1, the header being line 1; 0 for the file as a whole
	Column  string
	Value   string
	Reason  string
	Warning bool // reported, but does not make the row invalid
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Column != "" {
		b.WriteString(p.Column + ": ")
	}
	if p.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Reason)
	if p.Value != "" {
		b.WriteString(" (" + quoteValue(p.Value) + ")")
	}
	return b.String()
}

// quoteValue shows a value so that spaces, control characters and invalid
// bytes are visible, and cuts long ones.
func quoteValue(v string) string {
	const max = 80
	if len(v) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut] + "…"
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == utf8.RuneError }) || !utf8.ValidString(v) {
		return strconv.Quote(v)
	}
	return v
}

// Row is a record parsed into the kind's columns.
type Row struct {
	Line   int
	Values []Value // in contract column order
}

// Validator checks the records of one file against the contract.
type Validator struct {
	kind  *Kind
	path  string
	areas map[string]struct{} // known area codes; nil: not checked

	areaCol  int
	compare  []comparison
	lastArea string // the last code found in areas: rows come grouped by area

	// The last month parsed, since rows come grouped by month.
	lastMonthText string
	lastMonth     time.Time

	// Reference data consistency (areas): the first line naming each ICB and region.
	icbs    map[string]firstSeen
	regions map[string]firstSeen

	// Codes repeat on almost every row: one copy of each, up to a bound, and
	// each column's previous value, reused without parsing when its bytes repeat.
	interned map[string]string
	prevRaw  [][]byte
	prevStr  []string

	// Exact duplicate detection in memory, when Check is to find them itself
	// (NewValidator's checkKeys).
	keys *keyChecker
}

// keyChecker finds duplicate natural keys exactly, keeping every key it is
// given in memory: ValidateFile gives it only the rows whose key hash
// repeats (keySet), so that its memory does not grow with the file.
type keyChecker struct {
	kind    *Kind
	path    string
	keys    map[string]int
	keyCols []int
	keyBuf  strings.Builder

	// earlierRejected counts lines found invalid after they were accepted: the
	// first line of each duplicated key, named when the duplicate appears.
	earlierRejected int
}

func newKeyChecker(kind *Kind, path string) *keyChecker {
	return &keyChecker{kind: kind, path: path, keys: map[string]int{}, keyCols: kind.keyColumns()}
}

type comparison struct {
	col, other int
	op         string
}

type firstSeen struct {
	line         int
	name, region string
}

// NewValidator returns a validator for one file. areas, when not nil, is the
// set of loaded area codes fact rows must refer to. checkKeys makes it detect
// duplicate natural keys itself, in memory.
func NewValidator(kind *Kind, path string, areas map[string]struct{}, checkKeys bool) *Validator {
	v := &Validator{kind: kind, path: path, areaCol: -1, interned: map[string]string{},
		prevRaw: make([][]byte, len(kind.Columns)), prevStr: make([]string, len(kind.Columns))}
	if !kind.Reference {
		v.areas = areas
		v.areaCol = kind.columnIndex("area_code")
	} else {
		v.icbs = map[string]firstSeen{}
		v.regions = map[string]firstSeen{}
	}
	for _, c := range kind.Comparisons {
		v.compare = append(v.compare, comparison{col: kind.columnIndex(c.Column), other: kind.columnIndex(c.Other), op: c.Op})
	}
	if checkKeys {
		v.keys = newKeyChecker(kind, path)
	}
	return v
}

// KeyColumn names the natural key in problems: month+area_code+provider_code.
func (k *Kind) KeyColumn() string { return strings.Join(k.Key, "+") }

// ParseError turns a CSV syntax error into a problem with the record.
func (v *Validator) ParseError(pe *csv.ParseError) Problem {
	return Problem{File: v.path, Line: pe.StartLine, Column: "row",
		Reason: fmt.Sprintf("CSV syntax: %v (line %d, character %d)", pe.Err, pe.Line, pe.Column)}
}

// Check parses and validates one record into row. It calls report for every
// problem and returns whether the row is valid. rec is only read during the
// call: every string kept in row or in a problem is a copy.
func (v *Validator) Check(r *Reader, rec [][]byte, line int, row *Row, report func(Problem)) bool {
	row.Line = line
	if cap(row.Values) < len(v.kind.Columns) {
		row.Values = make([]Value, len(v.kind.Columns))
	}
	row.Values = row.Values[:len(v.kind.Columns)]
	// The header's width, and every field UTF-8, those of ignored columns too.
	if !checkShape(r, rec, line, report) {
		return false
	}
	ok := true
	for i := range v.kind.Columns {
		c := &v.kind.Columns[i]
		val := &row.Values[i]
		*val = Value{}
		field := r.index[i]
		if field < 0 { // optional column left out: unknown
			val.Null = true
			continue
		}
		raw := rec[field]
		trimmed := raw
		if n := len(raw); n == 0 || raw[0] <= ' ' || raw[n-1] <= ' ' || raw[0] >= utf8.RuneSelf || raw[n-1] >= utf8.RuneSelf {
			trimmed = bytes.TrimSpace(raw) // only where an end may be a space
		}
		if (c.Type == TypeCode || c.Type == TypeFinancialYear) && len(trimmed) > 0 && bytes.Equal(trimmed, v.prevRaw[i]) {
			val.Str = v.prevStr[i]
			continue
		}
		s := view(trimmed) // not kept beyond this iteration
		if s == "" {
			if c.Required {
				report(Problem{File: v.path, Line: line, Column: c.Name, Reason: "is required but empty"})
				ok = false
			}
			val.Null = true
			continue
		}
		if c.Type == TypeMonth && s == v.lastMonthText {
			val.Month = v.lastMonth
			continue
		}
		if reason := parseValue(c, s, val); reason != "" {
			report(Problem{File: v.path, Line: line, Column: c.Name, Value: strings.Clone(s), Reason: reason})
			ok = false
			continue
		}
		switch c.Type {
		case TypeMonth:
			v.lastMonthText, v.lastMonth = strings.Clone(s), val.Month
		case TypeCode, TypeFinancialYear:
			val.Str = v.intern(val.Str)
			v.prevRaw[i] = append(v.prevRaw[i][:0], trimmed...)
			v.prevStr[i] = val.Str
		case TypeText:
			val.Str = strings.Clone(val.Str)
		}
	}
	if !ok {
		return false
	}
	for _, cmp := range v.compare {
		a, b := row.Values[cmp.col], row.Values[cmp.other]
		if a.Null || b.Null {
			continue
		}
		if (cmp.op == "<=" && a.Float > b.Float) || (cmp.op == ">=" && a.Float < b.Float) {
			name, other := v.kind.Columns[cmp.col].Name, v.kind.Columns[cmp.other].Name
			report(Problem{File: v.path, Line: line, Column: name, Value: string(bytes.TrimSpace(rec[r.index[cmp.col]])),
				Reason: fmt.Sprintf("must be %s %s, which is %s", map[string]string{"<=": "≤", ">=": "≥"}[cmp.op], other, bytes.TrimSpace(rec[r.index[cmp.other]]))})
			ok = false
		}
	}
	if v.areas != nil && v.areaCol >= 0 {
		code := row.Values[v.areaCol].Str
		if code != v.lastArea && !known(v.areas, code) {
			report(Problem{File: v.path, Line: line, Column: "area_code", Value: code, Reason: "is not in the loaded areas; load an areas file that lists it first"})
			ok = false
		} else {
			v.lastArea = code
		}
	}
	if v.kind.Reference && !v.checkHierarchy(row, report) {
		ok = false
	}
	if ok && v.keys != nil {
		ok = v.keys.check(row, report)
	}
	return ok
}

const maxInterned = 1 << 16

// intern returns a lasting copy of a transient string, sharing one copy per
// distinct value while there are not too many of them.
func (v *Validator) intern(s string) string { return internIn(v.interned, s) }

// internIn is intern over the copies kept in m.
func internIn(m map[string]string, s string) string {
	if c, ok := m[s]; ok {
		return c
	}
	c := strings.Clone(s)
	if len(m) < maxInterned {
		m[c] = c
	}
	return c
}

// view is a string sharing b's bytes, for parsing without a copy. It must
// not outlive b, which the reader reuses for the next record.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// checkHierarchy enforces one name per ICB and region code, and one region per ICB.
func (v *Validator) checkHierarchy(row *Row, report func(Problem)) bool {
	ok := true
	get := func(name string) string { return row.Values[v.kind.columnIndex(name)].Str }
	icb, icbName, region, regionName := get("icb_code"), get("icb_name"), get("region_code"), get("region_name")
	if seen, found := v.regions[region]; !found {
		v.regions[region] = firstSeen{line: row.Line, name: regionName}
	} else if seen.name != regionName {
		report(Problem{File: v.path, Line: row.Line, Column: "region_name", Value: regionName,
			Reason: fmt.Sprintf("region %s is named %q on line %d; one region has one name", region, seen.name, seen.line)})
		ok = false
	}
	if seen, found := v.icbs[icb]; !found {
		v.icbs[icb] = firstSeen{line: row.Line, name: icbName, region: region}
	} else {
		if seen.name != icbName {
			report(Problem{File: v.path, Line: row.Line, Column: "icb_name", Value: icbName,
				Reason: fmt.Sprintf("ICB %s is named %q on line %d; one ICB has one name", icb, seen.name, seen.line)})
			ok = false
		}
		if seen.region != region {
			report(Problem{File: v.path, Line: row.Line, Column: "region_code", Value: region,
				Reason: fmt.Sprintf("ICB %s is in region %s on line %d; one ICB belongs to one region", icb, seen.region, seen.line)})
			ok = false
		}
	}
	return ok
}

// keyText shows a row's natural key values, months as YYYY-MM.
func (k *keyChecker) keyText(row *Row) string {
	k.keyBuf.Reset()
	for i, c := range k.keyCols {
		if i > 0 {
			k.keyBuf.WriteString(", ")
		}
		val := row.Values[c]
		if k.kind.Columns[c].Type == TypeMonth {
			k.keyBuf.WriteString(val.Month.Format("2006-01"))
		} else {
			k.keyBuf.WriteString(val.Str)
		}
	}
	return k.keyBuf.String()
}

// check reports whether row's key is new, reporting its line, and the
// first line with the key when that is its first duplicate, if not.
func (k *keyChecker) check(row *Row, report func(Problem)) bool {
	key := k.keyText(row)
	first, dup := k.keys[key]
	if !dup {
		k.keys[key] = row.Line
		return true
	}
	report(DuplicateProblem(k.path, k.kind, row.Line, []int{first, row.Line}, key))
	if first > 0 { // name the first line once, when its first duplicate appears
		report(DuplicateProblem(k.path, k.kind, first, []int{first, row.Line}, key))
		k.keys[key] = -first
		k.earlierRejected++
	}
	return false
}

// DuplicateProblem reports line as one of the lines sharing a natural key.
func DuplicateProblem(path string, kind *Kind, line int, lines []int, key string) Problem {
	var others []string
	for _, l := range lines {
		if l < 0 {
			l = -l
		}
		if l != line {
			others = append(others, strconv.Itoa(l))
		}
	}
	return Problem{File: path, Line: line, Column: kind.KeyColumn(), Value: key,
		Reason: "duplicate natural key, also on line " + strings.Join(others, ", ")}
}
