package etl

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// The published NHS files of contract v1.1 (DATA_CONTRACT.md, "Published
// NHS files"): national files taken as downloaded, a CSV or the
// publication's zip. They differ from the returns in four ways, and this file
// is where: only some rows are kept (link workers; the category "Social
// Prescribing Service"), rows of PCNs outside the loaded areas are counted,
// not refused; a file that is not UTF-8 is read as Windows-1252; and what is
// stored is not the file's columns (a month from two columns, appointments
// summed over practices). Everything else (the problem report, strict or
// --allow-rejects, the atomic commit, newest wins per natural key) is the
// returns' own, in load.go.

// Published describes a published kind: what it stores and how a record
// becomes stored rows.
type Published struct {
	// Stored are the storage table's columns after load_seq and line.
	Stored []Column
	// match tells a file of the kind by its base name, lower-cased.
	match func(base string) bool
	// patterns describe match in messages.
	patterns string
	// newRecords starts the checking of one file's records.
	newRecords func(areas map[string]struct{}) publishedRecords
}

// publishedRecords checks the records of one file (of every CSV in a zip)
// and gives the rows to store.
type publishedRecords interface {
	// check validates one record of r; a kept row goes to emit (now, or in
	// finish for kinds that sum rows).
	check(r *Reader, rec [][]byte, line int, report func(Problem), emit func(*Row) error) (ok bool, err error)
	// finish emits what check held back.
	finish(emit func(*Row) error) error
	// notes say what was skipped, for the summary.
	notes() []string
}

// Link workers' roles in the census (DATA_CONTRACT.md).
const (
	roleLinkWorkers   = "Social Prescribing Link Workers"
	roleLinkWorkersMH = "Social Prescribing Link Workers (Mental Health Practitioners)"
	sourceStaff       = "NWRS Staff"
	sourceContracted  = "NWRS contracted services"
	categorySP        = "Social Prescribing Service"
)

func opt(name string) Column { return Column{Name: name, Type: TypeText} }

var workforceKind = &Kind{
	Name: "pcn_workforce",
	Columns: []Column{
		req("Data_source", TypeText), req("CENSUS_YEAR", TypeCount), req("CENSUS_MONTH", TypeCount),
		req("PCN_CODE", TypeCode), req("STAFF_ROLE", TypeText), req("FTE", TypeDecimal),
		{Name: "UNIQUE_IDENTIFIER", Type: TypeText, Required: true},
		// Published, not needed: known, so not warned about.
		opt("PCN_NAME"), opt("SUB_ICB_CODE"), opt("SUB_ICB_NAME"), opt("ICB_CODE"), opt("ICB_NAME"),
		opt("COMM_REGION_CODE"), opt("COMM_REGION_NAME"), opt("STAFF_GROUP"), opt("DETAILED_STAFF_ROLE"),
	},
	Key: []string{"month", "area_code"},
	Published: &Published{
		Stored: []Column{
			req("month", TypeMonth), req("area_code", TypeCode),
			{Name: "role", Type: TypeEnum, Required: true, Values: []string{"general", "mental_health", "none"}},
			req("data_source", TypeText), req("unique_identifier", TypeText), req("fte", TypeDecimal),
		},
		match: func(base string) bool {
			return (strings.Contains(base, "individual level") && strings.HasSuffix(base, ".csv")) ||
				(strings.HasPrefix(base, "pcnwfindividualcsv") && strings.HasSuffix(base, ".zip"))
		},
		patterns:   "*Individual Level*.csv or PCNWFIndividualCSV*.zip",
		newRecords: func(areas map[string]struct{}) publishedRecords { return newWorkforceRecords(areas) },
	},
}

var gpadKind = &Kind{
	Name: "gpad",
	Columns: []Column{
		req("APPOINTMENT_MONTH_START_DATE", TypeText), req("GP_CODE", TypeCode),
		{Name: "PCN_CODE", Type: TypeText, Required: true}, req("NATIONAL_CATEGORY", TypeText),
		req("APPT_STATUS", TypeText), req("COUNT_OF_APPOINTMENTS", TypeCount),
		opt("GP_NAME"), opt("SUPPLIER"), opt("PCN_NAME"), opt("SUB_ICB_LOCATION_CODE"), opt("SUB_ICB_LOCATION_NAME"),
		opt("HCP_TYPE"), opt("APPT_MODE"), opt("TIME_BETWEEN_BOOK_AND_APPT"),
	},
	Key: []string{"month", "area_code"},
	Published: &Published{
		Stored: []Column{
			req("month", TypeMonth), req("area_code", TypeCode),
			{Name: "status", Type: TypeEnum, Required: true, Values: []string{"attended", "dna", "unknown"}},
			req("appointments", TypeCount),
		},
		match: func(base string) bool {
			return strings.HasPrefix(base, "practice_level_crosstab") && (strings.HasSuffix(base, ".csv") || strings.HasSuffix(base, ".zip"))
		},
		patterns:   "Practice_Level_Crosstab*.csv or Practice_Level_Crosstab*.zip",
		newRecords: func(areas map[string]struct{}) publishedRecords { return newGPADRecords(areas) },
	},
}

// storedColumns are the columns of the kind's storage table after load_seq
// and line: the file's own for the returns.
func (k *Kind) storedColumns() []Column {
	if k.Published != nil {
		return k.Published.Stored
	}
	return k.Columns
}

// StoredNames names the storage table's columns after load_seq and line.
func (k *Kind) StoredNames() []string {
	cols := k.storedColumns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// publishedKindOfFile tells a published file by its name, or returns nil.
func publishedKindOfFile(base string) *Kind {
	for _, k := range Kinds {
		if k.Published != nil && k.Published.match(base) {
			return k
		}
	}
	return nil
}

// csvPart is one CSV of a published file: the file itself, or one CSV in its zip.
type csvPart struct {
	label string // how problems name it: the path, or zip/entry
	size  int64  // bytes of CSV text, for progress
	open  func() (io.ReadCloser, error)
}

// maxPartBytes bounds one CSV of a published file (a quarter of the
// national appointments crosstab is a few GB): beyond it the file is
// refused before it is read, so that a zip bomb cannot keep the loader busy.
const maxPartBytes = 64 << 30

// publishedParts lists the CSVs of a published file: a .zip's entries whose
// names match the kind (others ignored), or the file itself.
func publishedParts(path string, kind *Kind) ([]csvPart, io.Closer, error) {
	if !strings.HasSuffix(strings.ToLower(path), ".zip") {
		st, err := os.Stat(path)
		if err != nil {
			return nil, nil, fileError(path, 0, "", "cannot open: "+errText(err))
		}
		if !st.Mode().IsRegular() {
			return nil, nil, fileError(path, 0, "", "not a regular file")
		}
		return []csvPart{{label: path, size: st.Size(), open: func() (io.ReadCloser, error) { return os.Open(path) }}}, nil, nil
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, fileError(path, 0, "", "the name ends in .zip but the file is not a zip archive: "+errText(err))
	}
	var parts []csvPart
	var names []string
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		base := strings.ToLower(filepath.Base(zf.Name))
		names = append(names, zf.Name)
		// A zip made again on a Mac holds __MACOSX/._NAME resource forks beside each file.
		if !strings.HasSuffix(base, ".csv") || !kind.Published.match(base) || strings.HasPrefix(base, "._") || strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		if zf.UncompressedSize64 > maxPartBytes {
			zr.Close()
			return nil, nil, fileError(path+"/"+zf.Name, 0, "", fmt.Sprintf("is %d GB uncompressed, more than the %d GB a published CSV may be", zf.UncompressedSize64>>30, maxPartBytes>>30))
		}
		parts = append(parts, csvPart{label: path + "/" + zf.Name, size: int64(zf.UncompressedSize64), open: zf.Open})
	}
	if len(parts) == 0 {
		zr.Close()
		return nil, nil, fileError(path, 0, "", fmt.Sprintf("the zip holds no %s CSV (named %s); it holds: %s",
			kind.Name, kind.Published.patterns, strings.Join(names, ", ")))
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].label < parts[j].label })
	return parts, zr, nil
}

// isUTF8 reads a part once and reports whether all of it is valid UTF-8
// (until ctx is done).
func isUTF8(ctx context.Context, p csvPart) (bool, error) {
	rc, err := p.open()
	if err != nil {
		return false, err
	}
	defer rc.Close()
	buf := make([]byte, 256<<10)
	carry := 0 // bytes of a character cut at the end of the last read
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		n, err := io.ReadFull(rc, buf[carry:])
		n += carry
		end := n
		if err == nil { // more to come: leave a cut character for the next read
			for i := 1; i <= utf8.UTFMax && i <= n; i++ {
				if utf8.RuneStart(buf[n-i]) {
					if !utf8.FullRune(buf[n-i : n]) {
						end = n - i
					}
					break
				}
			}
		}
		if !utf8.Valid(buf[:end]) {
			return false, nil
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		carry = copy(buf, buf[end:n])
	}
}

// openPart opens one CSV of a published file as a Reader, decoding
// Windows-1252 when the part is not UTF-8.
func openPart(ctx context.Context, p csvPart, kind *Kind) (r *Reader, warnings []Problem, cp1252 bool, err error) {
	utf, err := isUTF8(ctx, p)
	if cerr := ctx.Err(); cerr != nil {
		return nil, nil, false, cerr // stopped, not a problem with the file
	}
	if err != nil {
		return nil, nil, false, fileError(p.label, 0, "", "cannot read: "+errText(err))
	}
	rc, err := p.open()
	if err != nil {
		return nil, nil, false, fileError(p.label, 0, "", "cannot open: "+errText(err))
	}
	r = &Reader{Path: p.label, Kind: kind, Size: p.size, closers: []io.Closer{rc}}
	r.counted = &countingReader{r: rc}
	var src io.Reader = r.counted
	if !utf {
		src = charmap.Windows1252.NewDecoder().Reader(src)
	}
	r, warnings, err = r.start(src)
	return r, warnings, !utf, err
}

// scanPublished reads every CSV of a published file, checks its records and
// passes the rows to store to emit, numbering them 1, 2, … within the load
// (Row.Line; superseded_rows needs a number unique within the load, which a
// CSV line is not in a zip of several). It reports whether the file as a
// whole is invalid, and adds what was skipped to res.Notes.
func scanPublished(ctx context.Context, f File, areas map[string]struct{}, report func(Problem), res *Result, emit func(*Row) error) (fileProblem bool, err error) {
	parts, closer, err := publishedParts(f.Path, f.Kind)
	if err != nil {
		return reportFileError(err, report)
	}
	if closer != nil {
		defer closer.Close()
	}
	recs := f.Kind.Published.newRecords(areas)
	var ordinal int
	numbered := func(row *Row) error {
		ordinal++
		row.Line = ordinal
		return emit(row)
	}
	var emitErr error
	for _, p := range parts {
		if emitErr != nil || ctx.Err() != nil {
			break // the load has failed or was stopped: the other CSVs are not read
		}
		r, warnings, cp1252, err := openPart(ctx, p, f.Kind)
		if err != nil {
			return reportFileError(err, report)
		}
		for _, w := range warnings {
			report(w)
		}
		if cp1252 {
			res.Notes = append(res.Notes, filepath.Base(p.label)+" is not UTF-8: read as Windows-1252")
		}
		v := &Validator{path: p.label}
		for ctx.Err() == nil && emitErr == nil {
			rec, line, err := r.Read()
			if err == io.EOF {
				break
			}
			var pe *csv.ParseError
			switch {
			case errors.As(err, &pe):
				res.RowsRead++
				res.RowsRejected++
				report(v.ParseError(pe))
				continue
			case err != nil:
				r.Close()
				report(Problem{File: p.label, Reason: err.Error()})
				return true, nil
			}
			res.RowsRead++
			ok, err := recs.check(r, rec, line, report, numbered)
			if err != nil {
				emitErr = err
			} else if !ok {
				res.RowsRejected++
			}
		}
		r.Close()
	}
	if emitErr == nil {
		emitErr = recs.finish(numbered)
	}
	res.RowsLoaded = int64(ordinal)
	res.Notes = append(res.Notes, recs.notes()...)
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return false, emitErr
}

// reportFileError reports the problems of a *FileError (the file as a whole
// is invalid); any other error is returned as it is.
func reportFileError(err error, report func(Problem)) (fileProblem bool, _ error) {
	var ferr *FileError
	if !errors.As(err, &ferr) {
		return false, err
	}
	for _, p := range ferr.Problems {
		report(p)
	}
	return true, nil
}

// fields gives a record's fields by the kind's column, trimmed, as views of
// the record's bytes (valid until the next record), and reports a record of
// the wrong width or with bytes that are not text.
type fields struct {
	r   *Reader
	rec [][]byte
}

func (fs fields) get(col int) string {
	i := fs.r.index[col]
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(view(fs.rec[i]))
}

func checkShape(r *Reader, rec [][]byte, line int, report func(Problem)) bool {
	if len(rec) != r.width {
		report(Problem{File: r.Path, Line: line, Column: "row", Reason: fmt.Sprintf("has %d fields but the header has %d", len(rec), r.width)})
		return false
	}
	if r.scan != nil && r.scan.validUTF8(rec) {
		return true // the scanner checked the record as a whole
	}
	ok := true
	for f, raw := range rec {
		if !utf8.Valid(raw) {
			report(Problem{File: r.Path, Line: line, Column: r.names[f], Value: string(raw), Reason: "is not valid UTF-8"})
			ok = false
		}
	}
	return ok
}

// value parses a required field of column col with its contract type.
func value(r *Reader, fs fields, col int, line int, report func(Problem), v *Value) bool {
	c := &r.Kind.Columns[col]
	s := fs.get(col)
	*v = Value{}
	if s == "" {
		report(Problem{File: r.Path, Line: line, Column: c.Name, Reason: "is required but empty"})
		return false
	}
	if reason := parseValue(c, s, v); reason != "" {
		report(Problem{File: r.Path, Line: line, Column: c.Name, Value: strings.Clone(s), Reason: reason})
		return false
	}
	return true
}

type monthArea struct {
	month time.Time
	area  string
}

// outside counts the rows of PCNs that are not in the loaded areas.
type outside struct {
	rows  int64
	codes map[string]struct{}
}

// add counts a row of the PCN code (which may share the reader's buffer:
// the set keeps a copy).
func (o *outside) add(code string) {
	o.rows++
	if _, seen := o.codes[code]; !seen && len(o.codes) < 100_000 {
		o.codes[strings.Clone(code)] = struct{}{}
	}
}

func (o *outside) note() []string {
	if o.rows == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d rows of %d PCNs not in the loaded areas, skipped", o.rows, len(o.codes))}
}

// known reports whether code is a loaded area (every code, without areas:
// validating without a database).
func known(areas map[string]struct{}, code string) bool {
	if areas == nil {
		return true
	}
	_, ok := areas[code]
	return ok
}

// workforceRecords keeps the census rows of link workers, and remembers each
// (month, PCN) of the loaded areas the file holds, so that a PCN without a
// link worker is stored as a known zero (role none).
type workforceRecords struct {
	areas       map[string]struct{}
	present     map[monthArea]bool // whether the PCN has a link worker that month
	order       []monthArea        // first seen first
	otherRoles  int64
	outside     outside
	row         Row
	interned    map[string]string
	year, month Value
}

func newWorkforceRecords(areas map[string]struct{}) *workforceRecords {
	return &workforceRecords{areas: areas, present: map[monthArea]bool{}, outside: outside{codes: map[string]struct{}{}},
		interned: map[string]string{}, row: Row{Values: make([]Value, 6)}}
}

// Columns of workforceKind, by position.
const (
	wfSource = iota
	wfYear
	wfMonth
	wfPCN
	wfRole
	wfFTE
	wfID
)

func (w *workforceRecords) intern(s string) string { return internIn(w.interned, s) }

func (w *workforceRecords) check(r *Reader, rec [][]byte, line int, report func(Problem), emit func(*Row) error) (bool, error) {
	if !checkShape(r, rec, line, report) {
		return false, nil
	}
	fs := fields{r, rec}
	ok := true
	source := fs.get(wfSource)
	switch {
	case strings.EqualFold(source, sourceStaff):
		source = sourceStaff
	case strings.EqualFold(source, sourceContracted):
		source = sourceContracted
	default:
		report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[wfSource].Name, Value: strings.Clone(source),
			Reason: "must be " + sourceStaff + " or " + sourceContracted})
		ok = false
	}
	var month time.Time
	yearOK := value(r, fs, wfYear, line, report, &w.year)
	monthOK := value(r, fs, wfMonth, line, report, &w.month)
	if yearOK && (w.year.Count < 2000 || w.year.Count > 2099) {
		report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[wfYear].Name, Value: strings.Clone(fs.get(wfYear)), Reason: "must be a year between 2000 and 2099"})
		yearOK = false
	}
	if monthOK && (w.month.Count < 1 || w.month.Count > 12) {
		report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[wfMonth].Name, Value: strings.Clone(fs.get(wfMonth)), Reason: "must be a month number from 1 to 12"})
		monthOK = false
	}
	if yearOK && monthOK {
		month = time.Date(int(w.year.Count), time.Month(w.month.Count), 1, 0, 0, 0, 0, time.UTC)
	} else {
		ok = false
	}
	vals := w.row.Values
	ok = value(r, fs, wfPCN, line, report, &vals[1]) && ok
	role := fs.get(wfRole)
	if role == "" {
		report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[wfRole].Name, Reason: "is required but empty"})
		ok = false
	}
	ok = value(r, fs, wfFTE, line, report, &vals[5]) && ok
	id := fs.get(wfID)
	if id != "" && !allDigits(id) && !isCode(id) {
		report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[wfID].Name, Value: strings.Clone(id), Reason: "must be an identifier of letters and digits"})
		ok = false
	}
	if !ok {
		return false, nil
	}
	// The parsed code may share the record's bytes, which the reader
	// reuses: every string kept (in a map, a row) is a copy.
	code := w.intern(vals[1].Str)
	if !known(w.areas, code) {
		w.outside.add(code)
		return true, nil
	}
	key := monthArea{month, code}
	if _, seen := w.present[key]; !seen {
		w.present[key] = false
		w.order = append(w.order, key)
	}
	if !strings.HasPrefix(strings.ToLower(role), strings.ToLower(roleLinkWorkers)) {
		w.otherRoles++
		return true, nil
	}
	w.present[key] = true
	vals[0] = Value{Month: month}
	vals[1].Str = code
	vals[2] = Value{Str: "general"}
	if strings.EqualFold(role, roleLinkWorkersMH) {
		vals[2].Str = "mental_health"
	}
	vals[3] = Value{Str: source}
	vals[4] = Value{Str: strings.Clone(id)}
	return true, emit(&w.row)
}

func (w *workforceRecords) finish(emit func(*Row) error) error {
	for _, key := range w.order {
		if w.present[key] {
			continue
		}
		w.row.Values = []Value{{Month: key.month}, {Str: key.area}, {Str: "none"}, {Str: ""}, {Str: ""}, {Float: 0}}
		if err := emit(&w.row); err != nil {
			return err
		}
	}
	return nil
}

func (w *workforceRecords) notes() []string {
	var without int
	for _, has := range w.present {
		if !has {
			without++
		}
	}
	months := map[time.Time]bool{}
	for k := range w.present {
		months[k.month] = true
	}
	notes := []string{fmt.Sprintf("census months %s; %d PCN-months of the loaded areas, %d with no link worker; %d rows of other roles skipped",
		monthList(months), len(w.present), without, w.otherRoles)}
	return append(notes, w.outside.note()...)
}

// monthList names months, runs of consecutive ones as "2024-04 to 2025-03".
func monthList(months map[time.Time]bool) string {
	if len(months) == 0 {
		return "none"
	}
	list := make([]time.Time, 0, len(months))
	for m := range months {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Before(list[j]) })
	var parts []string
	for i := 0; i < len(list); {
		j := i
		for j+1 < len(list) && list[j+1].Equal(list[j].AddDate(0, 1, 0)) {
			j++
		}
		part := list[i].Format("2006-01")
		if j > i {
			part += " to " + list[j].Format("2006-01")
		}
		parts = append(parts, part)
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// isCode reports whether s is a code of the contract (1–16 of A-Z a-z 0-9 _ -).
func isCode(s string) bool {
	var v Value
	return parseCode(s, &v) == ""
}

// gpadRecords sums the appointments of the category Social Prescribing
// Service by month, PCN and status. What it holds grows with PCNs and
// months (a few thousand PCNs, three months a file), not with the file.
type gpadRecords struct {
	areas       map[string]struct{}
	sums        map[monthArea]*[3]uint64
	firstLine   map[monthArea]int
	otherCats   int64
	unallocated int64
	outside     outside
	lastDate    string
	lastMonth   time.Time
	count       Value
	code        Value
}

func newGPADRecords(areas map[string]struct{}) *gpadRecords {
	return &gpadRecords{areas: areas, sums: map[monthArea]*[3]uint64{}, firstLine: map[monthArea]int{}, outside: outside{codes: map[string]struct{}{}}}
}

// Columns of gpadKind, by position.
const (
	gpDate = iota
	gpPractice
	gpPCN
	gpCategory
	gpStatus
	gpCount
)

var statuses = []string{"Attended", "DNA", "Unknown"}

var monthAbbr = map[string]time.Month{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}

// parseDDMONYYYY reads 01OCT2025 as October 2025 (the first of the month).
func parseDDMONYYYY(s string) (time.Time, bool) {
	if len(s) != 9 || s[:2] != "01" {
		return time.Time{}, false
	}
	m, ok := monthAbbr[strings.ToUpper(s[2:5])]
	if !ok || !allDigits(s[5:]) {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(s[5:])
	if y < 2000 || y > 2099 {
		return time.Time{}, false
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), true
}

func (g *gpadRecords) check(r *Reader, rec [][]byte, line int, report func(Problem), _ func(*Row) error) (bool, error) {
	if !checkShape(r, rec, line, report) {
		return false, nil
	}
	fs := fields{r, rec}
	ok := true
	date := fs.get(gpDate)
	month := g.lastMonth
	if date == "" || date != g.lastDate { // lastDate starts empty: an empty date is never a repeat
		m, valid := parseDDMONYYYY(date)
		if !valid {
			report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[gpDate].Name, Value: strings.Clone(date),
				Reason: "must be the first of a month as DDMONYYYY, such as 01OCT2025, between 2000 and 2099"})
			ok = false
		} else {
			g.lastDate, g.lastMonth, month = strings.Clone(date), m, m
		}
	}
	var practice Value
	ok = value(r, fs, gpPractice, line, report, &practice) && ok
	pcn := fs.get(gpPCN)
	unallocated := pcn == "" || strings.EqualFold(pcn, "U")
	if !unallocated {
		if reason := parseCode(pcn, &g.code); reason != "" {
			report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[gpPCN].Name, Value: strings.Clone(pcn), Reason: reason})
			ok = false
		}
	}
	category := fs.get(gpCategory)
	if category == "" {
		report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[gpCategory].Name, Reason: "is required but empty"})
		ok = false
	}
	status := -1
	st := fs.get(gpStatus)
	for i, s := range statuses {
		if strings.EqualFold(st, s) {
			status = i
		}
	}
	if status < 0 {
		report(Problem{File: r.Path, Line: line, Column: r.Kind.Columns[gpStatus].Name, Value: strings.Clone(st), Reason: "must be Attended, DNA or Unknown"})
		ok = false
	}
	ok = value(r, fs, gpCount, line, report, &g.count) && ok
	if !ok {
		return false, nil
	}
	switch {
	case unallocated:
		g.unallocated++
		return true, nil
	case !known(g.areas, g.code.Str):
		g.outside.add(g.code.Str)
		return true, nil
	}
	key := monthArea{month, g.code.Str}
	sums := g.sums[key]
	if sums == nil {
		key.area = strings.Clone(key.area)
		sums = &[3]uint64{}
		g.sums[key] = sums
		g.firstLine[key] = line
	}
	if !strings.EqualFold(category, categorySP) {
		g.otherCats++
		return true, nil
	}
	sums[status] += uint64(g.count.Count)
	return true, nil
}

func (g *gpadRecords) finish(emit func(*Row) error) error {
	keys := make([]monthArea, 0, len(g.sums))
	for k := range g.sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if !keys[i].month.Equal(keys[j].month) {
			return keys[i].month.Before(keys[j].month)
		}
		return keys[i].area < keys[j].area
	})
	row := Row{Values: make([]Value, 4)}
	for _, k := range keys {
		for i, n := range g.sums[k] {
			if n > 1<<32-1 {
				return fmt.Errorf("appointments of %s in %s (%s) sum to %d, more than the table holds", k.area, k.month.Format("2006-01"), statuses[i], n)
			}
			row.Values[0] = Value{Month: k.month}
			row.Values[1] = Value{Str: k.area}
			row.Values[2] = Value{Str: strings.ToLower(statuses[i])}
			row.Values[3] = Value{Count: uint32(n), Float: float64(n)}
			if err := emit(&row); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *gpadRecords) notes() []string {
	months := map[time.Time]bool{}
	var sp uint64
	for k, s := range g.sums {
		months[k.month] = true
		sp += s[0] + s[1] + s[2]
	}
	notes := []string{fmt.Sprintf("appointment months %s; %d PCN-months of the loaded areas, %d social prescribing appointments; %d rows of other categories skipped",
		monthList(months), len(g.sums), sp, g.otherCats)}
	if g.unallocated > 0 {
		notes = append(notes, fmt.Sprintf("%d rows of practices in no PCN (unallocated), skipped", g.unallocated))
	}
	return append(notes, g.outside.note()...)
}
