package reports

import (
	"fmt"
	"io"
)

// WriteCSV writes the table as RFC 4180 CSV in UTF-8 (CRLF line ends, as
// the RFC says; no byte-order mark): one header row of the columns' names,
// then a row per row, written as it goes.
func WriteCSV(w io.Writer, t *Table) error {
	write, closeCSV, err := CSVStream(w, t.Columns)
	if err != nil {
		return err
	}
	if err := t.Each(write); err != nil {
		return fmt.Errorf("write %s CSV: %w", t.Report, err)
	}
	return closeCSV()
}

// FileName is the download's name: the report, the place, the period and
// the data version, so that two downloads of different data never share a
// name. ext is "csv" or "xlsx".
func FileName(report string, m Meta, ext string) string {
	return fmt.Sprintf("spdash-%s-%s-%s-%s-%s-v%d.%s", report, m.Place.Code, m.Level, m.From, m.To, m.DataVersion, ext)
}
