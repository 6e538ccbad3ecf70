package reports

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"spdash/queries"
)

// Excel workbooks follow the Analysis Function's "Releasing statistics in
// spreadsheets": a cover sheet, a contents sheet with links, a notes sheet,
// then one table per sheet: title in A1, the table against column A with a
// single header row, marked up as an Excel table; no merged cells, no blank
// rows or columns inside tables, no colour carrying meaning, no freeze panes;
// numbers stored as numbers with formats; withheld cells "[c]" and figures
// not available "[x]", both explained in the notes; sheet names of letters,
// digits and underscores; document properties filled.

// Markers in cells of numbers.
const (
	MarkWithheld     = "[c]"
	MarkNotAvailable = "[x]"
)

// sheetName keeps to letters, digits and underscores.
var sheetName = regexp.MustCompile(`^[A-Za-z0-9_]{1,31}$`)

// note is one numbered note of the notes sheet.
type note struct{ text string }

// workbookNotes are the notes every workbook carries, in order: [note 1] …
func workbookNotes(meta Meta) []note {
	disclosure := "Disclosure control is off: counts are shown as they are (a deployment for internal analysts)."
	if meta.Disclosure == queries.DisclosureOn {
		disclosure = "Disclosure control is on: below England, a count of 1 to 7 people using the service is withheld and shown as [c], and so is every figure computed from it; other counts of people are rounded to the nearest 5, and rates, intervals and costs are computed from the rounded counts. England's own figures, workforce figures and money are not controlled."
	}
	return []note{
		{disclosure},
		{"[x] means not available: there is nothing to compute the figure from, such as a rate of an empty cohort, a figure per person for an area with no population, or funding for an area that sent no funding return for the year."},
		{"Flows (referrals, people supported, outcomes, funding) are added up over the period; stocks (FTE, headcount, caseload, staff in post and trained) are taken at the period's latest month, never added up over months."},
		{"Outcomes are never added together: one person can achieve several. Steps towards work (wellbeing, work readiness, volunteering, education or training, job search) are shown beside employment."},
		{"Each figure is defined in the data dictionary of the dashboard's Downloads page, from the team's METRICS.md."},
	}
}

// notesFor are the notes a report's title refers to.
var notesFor = map[string][]int{
	Capacity:     {1, 2, 3},
	Training:     {2, 3},
	Outcomes:     {1, 2, 4},
	Funding:      {2},
	Targeting:    {1, 2, 4},
	Evidence:     {4},
	Completeness: {2},
	Inequality:   {1, 2, 4},
	Peers:        {1, 2},
	Monthly:      {1, 2, 3, 4},
}

func noteRefs(ns []int) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, " [note %d]", n)
	}
	return b.String()
}

// numberFormat is the Excel format of a column's unit.
func numberFormat(unit string) string {
	switch unit {
	case queries.UnitProportion:
		return "0.0%"
	case queries.UnitPounds, queries.UnitPoundsPer:
		return `"£"#,##0`
	case queries.UnitFTE, queries.UnitPer100k, queries.UnitDays, queries.UnitScore:
		return "#,##0.0"
	case queries.UnitIndex:
		return "0.000"
	}
	return "#,##0"
}

// WriteXLSX writes the tables as one workbook.
func WriteXLSX(w io.Writer, title string, tables []*Table) error {
	if len(tables) == 0 {
		return fmt.Errorf("write workbook: no tables")
	}
	meta := tables[0].Meta
	for _, t := range tables { // targeting's settings, wherever its table is
		if t.Meta.Settings != "" {
			meta.Settings = t.Meta.Settings
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	notes := workbookNotes(meta)

	// Sheets in order: Cover, Contents, Notes, then the tables.
	if err := f.SetSheetName("Sheet1", "Cover"); err != nil {
		return err
	}
	for _, name := range []string{"Contents", "Notes"} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	for _, t := range tables {
		if !sheetName.MatchString(t.Report) {
			return fmt.Errorf("write workbook: sheet name %q", t.Report)
		}
		if _, err := f.NewSheet(t.Report); err != nil {
			return err
		}
	}

	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}

	// Cover: a title, then headed paragraphs down column A.
	cover := []string{title,
		"What the data are",
		"Social prescribing link-worker capacity, training in employment support, work and related outcomes and funding, from the providers' monthly returns, as the spdash dashboard shows them.",
		"Selection",
		fmt.Sprintf("%s, by %s; %s to %s; financial year %s.", meta.Place.Name, meta.Level, meta.From, meta.To, orNone(meta.FY)),
		"Source",
		"The providers' monthly returns (data contract v1), loaded into spdash.",
		"Data version",
		fmt.Sprintf("%d (newest load finished %s). The same request gives the same workbook while no new data is loaded.", meta.DataVersion, loadedText(meta.LoadedAt)),
		"Disclosure control",
		notes[0].text,
		"Contact",
		"The social prescribing commissioning team that runs this dashboard.",
	}
	if meta.Settings != "" {
		cover = append(cover, "Targeting settings", meta.Settings)
	}
	for i, text := range cover {
		cell := fmt.Sprintf("A%d", i+1)
		if err := f.SetCellStr("Cover", cell, text); err != nil {
			return err
		}
		if i == 0 {
			_ = f.SetCellStyle("Cover", cell, cell, bold)
		} else {
			_ = f.SetCellStyle("Cover", cell, cell, wrap)
		}
	}
	_ = f.SetColWidth("Cover", "A", "A", 100)

	// Contents: one row per sheet, each linked.
	contents := [][]any{{"Sheet name", "Table description"}, {"Notes", "Notes referred to in the tables' titles"}}
	for _, t := range tables {
		contents = append(contents, []any{t.Report, t.Title + noteRefs(notesFor[t.Report])})
	}
	if err := plainTable(f, "Contents", "Contents", "table_contents", contents, bold); err != nil {
		return err
	}
	for i := 1; i < len(contents); i++ {
		cell := fmt.Sprintf("A%d", 3+i)
		if err := f.SetCellHyperLink("Contents", cell, fmt.Sprintf("'%s'!A1", contents[i][0]), "Location"); err != nil {
			return err
		}
	}
	_ = f.SetColWidth("Contents", "A", "A", 16)
	_ = f.SetColWidth("Contents", "B", "B", 90)

	// Notes: numbered, as the titles refer to them.
	noteRows := [][]any{{"Note number", "Note text"}}
	for i, n := range notes {
		noteRows = append(noteRows, []any{fmt.Sprintf("note %d", i+1), n.text})
	}
	if err := plainTable(f, "Notes", "Notes", "table_notes", noteRows, bold); err != nil {
		return err
	}
	_ = f.SetColWidth("Notes", "A", "A", 14)
	_ = f.SetColWidth("Notes", "B", "B", 120)

	for _, t := range tables {
		if err := tableSheet(f, t, bold); err != nil {
			return err
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:       title,
		Subject:     "Social prescribing: link-worker capacity, training, work and related outcomes, funding",
		Creator:     "spdash",
		Description: fmt.Sprintf("%s, by %s, %s to %s; data version %d; disclosure control %s", meta.Place.Name, meta.Level, meta.From, meta.To, meta.DataVersion, meta.Disclosure),
		Keywords:    "social prescribing, link workers, employment support, outcomes, funding",
		Language:    "en-GB",
		Created:     propertyTime(meta.LoadedAt),
		Modified:    propertyTime(meta.LoadedAt),
	}); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

func loadedText(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func propertyTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// plainTable writes a sheet of text: title in A1, a line saying what the
// sheet holds in A2, and the rows as an Excel table from A3.
func plainTable(f *excelize.File, sheet, title, name string, rows [][]any, bold int) error {
	if err := f.SetCellStr(sheet, "A1", title); err != nil {
		return err
	}
	_ = f.SetCellStyle(sheet, "A1", "A1", bold)
	if err := f.SetCellStr(sheet, "A2", "This worksheet contains one table."); err != nil {
		return err
	}
	for i, row := range rows {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", 3+i), &row); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(rows[0]), 2+len(rows))
	return f.AddTable(sheet, &excelize.Table{Range: "A3:" + last, Name: name, StyleName: "TableStyleLight1", ShowRowStripes: boolPtr(false)})
}

func boolPtr(b bool) *bool { return &b }

// tableSheet writes one report: title in A1, what it holds in A2, the table
// from A3 with numbers stored as numbers.
func tableSheet(f *excelize.File, t *Table, bold int) error {
	sheet := t.Report
	intro := fmt.Sprintf("This worksheet contains one table: %s, by %s, %s to %s. Withheld figures are shown as %s and figures not available as %s (see Notes).",
		t.Meta.Place.Name, t.Meta.Level, t.Meta.From, t.Meta.To, MarkWithheld, MarkNotAvailable)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{Value: t.Title + noteRefs(notesFor[t.Report]), StyleID: bold}}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", []any{intro}); err != nil {
		return err
	}
	styles := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		if c.Unit == queries.UnitText {
			continue
		}
		if styles[i], err = f.NewStyle(&excelize.Style{CustomNumFmt: strPtr(numberFormat(c.Unit))}); err != nil {
			return err
		}
		_ = sw.SetColWidth(i+1, i+1, 14)
	}
	header := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Name
	}
	if err := sw.SetRow("A3", header); err != nil {
		return err
	}
	rows := 0
	err = t.Each(func(row []Cell) error {
		vals := make([]any, len(row))
		for i, c := range row {
			switch {
			case c.IsWithheld():
				vals[i] = MarkWithheld
			case c.IsUnknown():
				vals[i] = MarkNotAvailable
			default:
				if v, ok := c.Value(); ok && t.Columns[i].Unit != queries.UnitText {
					vals[i] = excelize.Cell{Value: v, StyleID: styles[i]}
				} else {
					vals[i] = c.CSV()
				}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, 4+rows)
		rows++
		return sw.SetRow(cell, vals)
	})
	if err != nil {
		return fmt.Errorf("write %s sheet: %w", t.Report, err)
	}
	if rows == 0 { // a table needs a data row
		rows = 1
	}
	last, _ := excelize.CoordinatesToCellName(len(t.Columns), 3+rows)
	if err := sw.AddTable(&excelize.Table{Range: "A3:" + last, Name: "table_" + t.Report, StyleName: "TableStyleLight1", ShowRowStripes: boolPtr(false)}); err != nil {
		return err
	}
	return sw.Flush()
}

func strPtr(s string) *string { return &s }
