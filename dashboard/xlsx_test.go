package dashboard_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// A workbook download is a real workbook that follows the Analysis
// Function's spreadsheet guidance, and its table sheets hold the CSV's cells:
// numbers as numbers, "*" as [c], empty as [x].
func TestXLSXIsTheCSVAndFollowsTheGuidance(t *testing.T) {
	srv, db := pageServer(t)
	region, _, _ := firstAreas(t, db)
	query := "?place=" + region + "&level=pcn&from=2026-09&to=2026-09&budget=2000000"
	status, header, body := get(t, srv, "/download/selection.xlsx"+query)
	if status != 200 {
		t.Fatalf("selection.xlsx: %d %.200s", status, body)
	}
	if ct := header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := header.Get("Content-Disposition"); !strings.Contains(cd, "spdash-selection-"+region+"-pcn-2026-09-2026-09-v") || !strings.HasSuffix(cd, `.xlsx"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	reports := []string{"capacity", "training", "outcomes", "funding", "targeting", "evidence", "inequality", "completeness"}
	want := append([]string{"Cover", "Contents", "Notes"}, reports...)
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	name := regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	for _, sheet := range want {
		if !name.MatchString(sheet) {
			t.Errorf("sheet name %q", sheet)
		}
		if a1, _ := f.GetCellValue(sheet, "A1"); a1 == "" {
			t.Errorf("%s: no title in A1", sheet)
		}
		if merged, _ := f.GetMergeCells(sheet); len(merged) > 0 {
			t.Errorf("%s: merged cells %v", sheet, merged)
		}
		if panes, _ := f.GetPanes(sheet); panes.Freeze {
			t.Errorf("%s: frozen panes", sheet)
		}
	}
	props, err := f.GetDocProps()
	if err != nil || props.Title == "" || props.Creator == "" || props.Language != "en-GB" || props.Subject == "" || props.Keywords == "" {
		t.Errorf("document properties %+v, %v", props, err)
	}
	cover, _ := f.GetRows("Cover")
	text := ""
	for _, r := range cover {
		text += strings.Join(r, " ") + "\n"
	}
	for _, must := range []string{"Selection", "Source", "Data version", "Disclosure control", "Contact", "budget £2000000"} {
		if !strings.Contains(text, must) {
			t.Errorf("the cover does not say %q:\n%s", must, text)
		}
	}
	// Contents: a row per sheet, linked; notes numbered and referred to.
	for i, sheet := range append([]string{"Notes"}, reports...) {
		cell := "A" + strconv.Itoa(4+i)
		v, _ := f.GetCellValue("Contents", cell)
		ok, link, _ := f.GetCellHyperLink("Contents", cell)
		if v != sheet || !ok || link != "'"+sheet+"'!A1" {
			t.Errorf("contents %s: %q linked %v to %q", cell, v, ok, link)
		}
	}
	notes, _ := f.GetRows("Notes")
	noteText := ""
	for _, r := range notes {
		noteText += strings.Join(r, " ") + "\n"
	}
	if !strings.Contains(noteText, "note 1") || !strings.Contains(noteText, "[c]") || !strings.Contains(noteText, "[x]") {
		t.Errorf("notes:\n%s", noteText)
	}

	withheld := 0
	for _, report := range reports {
		// One Excel table per sheet, its header at A3, and the title refers to notes.
		tables, err := f.GetTables(report)
		if err != nil || len(tables) != 1 || !strings.HasPrefix(tables[0].Range, "A3:") {
			t.Fatalf("%s: tables %+v %v", report, tables, err)
		}
		if a1, _ := f.GetCellValue(report, "A1"); !strings.Contains(a1, "[note ") {
			t.Errorf("%s: title %q refers to no note", report, a1)
		}
		// The same cells as the CSV download.
		_, _, csvBody := get(t, srv, "/download/"+report+".csv"+query)
		recs, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(report, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		rows = rows[2:] // title and description above the table
		if len(rows) != len(recs) {
			t.Fatalf("%s: %d rows in the sheet, %d in the CSV", report, len(rows), len(recs))
		}
		for i := range recs {
			for j, want := range recs[i] {
				got := ""
				if j < len(rows[i]) {
					got = rows[i][j]
				}
				switch {
				case want == "*":
					withheld++
					if got != "[c]" {
						t.Errorf("%s row %d col %s: %q, want [c]", report, i, recs[0][j], got)
					}
				case want == "" && i > 0 && recs[0][j] != "parent_code" && recs[0][j] != "parent_name":
					if got != "[x]" && got != "" {
						t.Errorf("%s row %d col %s: %q, want [x]", report, i, recs[0][j], got)
					}
				default:
					wn, werr := strconv.ParseFloat(want, 64)
					gn, gerr := strconv.ParseFloat(got, 64)
					if werr == nil && gerr == nil {
						if math.Abs(wn-gn) > 1e-12*math.Max(1, math.Abs(wn)) {
							t.Errorf("%s row %d col %s: %v, CSV %v", report, i, recs[0][j], gn, wn)
						}
					} else if got != want {
						t.Errorf("%s row %d col %s: %q, CSV %q", report, i, recs[0][j], got, want)
					}
				}
			}
		}
		// Numbers are stored as numbers.
		cell, _ := excelize.CoordinatesToCellName(8, 4) // the first figure of England's row
		if typ, _ := f.GetCellType(report, cell); report == "capacity" && typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s %s is stored as %v, not a number", report, cell, typ)
		}
	}
	if withheld == 0 {
		t.Error("no withheld cell in a month of PCNs: the test does not see [c]")
	}
	// Each report alone, as CSV's sibling.
	for _, report := range reports {
		if status, _, _ := get(t, srv, "/download/"+report+".xlsx"+query); status != 200 {
			t.Errorf("%s.xlsx: %d", report, status)
		}
	}
	if status, _, _ := get(t, srv, "/download/selection.csv"); status != 404 {
		t.Errorf("selection.csv: %d, want 404", status)
	}
}

// A spreadsheet program opens the workbook: Gnumeric's ssconvert reads it
// and writes each sheet out, and the table sheets hold the CSV's header and
// England's row.
func TestWorkbookOpensInASpreadsheetProgram(t *testing.T) {
	ssconvert, err := exec.LookPath("ssconvert")
	if err != nil {
		t.Fatal("this test needs Gnumeric's ssconvert: scripts/install-deps gnumeric (apt-get install -y gnumeric)")
	}
	srv, _ := pageServer(t)
	status, _, body := get(t, srv, "/download/selection.xlsx?level=icb")
	if status != 200 {
		t.Fatalf("selection.xlsx: %d: %.300s", status, body)
	}
	dir := t.TempDir()
	book := filepath.Join(dir, "selection.xlsx")
	if err := os.WriteFile(book, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ssconvert, "--export-type=Gnumeric_stf:stf_csv", "-S", book, filepath.Join(dir, "sheet_%s.csv"))
	cmd.Env = append(os.Environ(), "HOME="+dir) // Gnumeric keeps settings in HOME
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ssconvert: %v\n%s", err, out)
	}
	for _, sheet := range []string{"Cover", "Contents", "Notes", "capacity", "training", "outcomes", "funding", "targeting"} {
		b, err := os.ReadFile(filepath.Join(dir, "sheet_"+sheet+".csv"))
		if err != nil {
			t.Errorf("Gnumeric wrote no %s sheet: %v", sheet, err)
			continue
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(recs) < 3 {
			t.Errorf("%s: %d rows, %v", sheet, len(recs), err)
			continue
		}
		if sheet == "outcomes" && (recs[2][0] != "code" || recs[3][0] != "E92000001" || recs[2][9] != "people") {
			t.Errorf("outcomes as Gnumeric reads it: %q / %q", recs[2], recs[3])
		}
	}
}
