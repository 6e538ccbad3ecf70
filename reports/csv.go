package reports

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
)

// WriteCSV writes the table as RFC 4180 CSV in UTF-8 (CRLF line ends, as
// the RFC says; no byte-order mark): one header row of the columns' names,
// then a row per row, written as it goes.
func WriteCSV(w io.Writer, t *Table) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write %s CSV: %w", t.Report, err)
	}
	rec := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i, c := range row {
			rec[i] = c.CSV()
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write %s CSV: %w", t.Report, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s CSV: %w", t.Report, err)
	}
	return bw.Flush()
}

// FileName is the download's name: the report, the place, the period and
// the data version, so that two downloads of different data never share a
// name. ext is "csv" or "xlsx".
func FileName(t *Table, ext string) string {
	return fmt.Sprintf("spdash-%s-%s-%s-%s-%s-v%d.%s", t.Report, t.Meta.Place.Code, t.Meta.Level, t.Meta.From, t.Meta.To, t.Meta.DataVersion, ext)
}
