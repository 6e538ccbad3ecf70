package reports

import (
	"bytes"
	"encoding/csv"
	"testing"

	"spdash/queries"
)

func TestEveryReportHasDefinedColumns(t *testing.T) {
	for _, name := range Names {
		cols, err := Columns(name)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, c := range cols {
			if c.Name == "" || c.Label == "" || c.Meaning == "" || c.Unit == "" || c.Source == "" {
				t.Errorf("%s: column %+v is not fully defined", name, c)
			}
			if seen[c.Name] {
				t.Errorf("%s: column %s twice", name, c.Name)
			}
			seen[c.Name] = true
		}
	}
	if _, err := Columns("nope"); err == nil {
		t.Error("an unknown report was built")
	}
}

// Cells are written as METRICS.md says: withheld "*", unknown empty,
// numbers exactly; text is quoted by RFC 4180 when it must be.
func TestCSVCells(t *testing.T) {
	third := 1.0
	third /= 3
	tb := &Table{Report: "x", Columns: []Column{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}},
		Rows: [][]Cell{{FigureCell(queries.Withheld()), FigureCell(queries.Unknown()), FigureCell(queries.Known(third)), Text("St Mary's, \"Old\" Town")}}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, tb); err != nil {
		t.Fatal(err)
	}
	want := "a,b,c,d\r\n*,,0.3333333333333333,\"St Mary's, \"\"Old\"\" Town\"\r\n"
	if buf.String() != want {
		t.Errorf("CSV %q, want %q", buf.String(), want)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][3] != `St Mary's, "Old" Town` {
		t.Errorf("read back %q, %v", recs, err)
	}
}
