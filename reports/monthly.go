package reports

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"spdash/queries"
)

// Monthly is the monthly extract: every area of the selection, month by
// month, with every monthly figure. It is written as it is read, in constant
// memory, so it is not a Table.
const Monthly = "monthly"

// MonthlyTable is the monthly extract as a streamed table: source calls its
// function with each area's month, in order (queries.DB.Monthly).
func MonthlyTable(meta Meta, source func(fn func(*queries.AreaMonth) error) error) *Table {
	return &Table{Report: Monthly, Title: Titles[Monthly], Columns: MonthlyColumns(), Meta: meta,
		Stream: func(yield func([]Cell) error) error {
			return source(func(am *queries.AreaMonth) error { return yield(MonthlyRow(am, meta)) })
		}}
}

// MonthlyColumns are the monthly extract's columns.
func MonthlyColumns() []Column {
	inMonth := func(c Column) Column {
		c.Meaning += "; here, in the month"
		return c
	}
	cols := append(append([]Column{}, areaColumns...),
		Column{Name: "month", Label: "Month", Meaning: "The month (YYYY-MM)", Unit: queries.UnitText, Source: "activity, training, outcomes"},
		inMonth(column("referrals", "referrals")), inMonth(column("accepted", "accepted")),
		inMonth(column("people_supported", "people_supported")), inMonth(column("fte", "fte")), inMonth(column("caseload", "caseload")))
	for _, mod := range queries.Modules {
		cols = append(cols, inMonth(column(mod+"_in_post", "training.*.in_post")), inMonth(column(mod+"_trained", "training.*.trained")),
			inMonth(column(mod+"_coverage", "training.*.coverage")))
	}
	for _, o := range queries.Outcomes {
		cols = append(cols, inMonth(column(o+"_people", "outcomes.*.people")), inMonth(column(o+"_cohort", "outcomes.*.cohort")),
			inMonth(column(o+"_rate", "outcomes.*.rate")))
	}
	return append(cols, colDisclosure, colVersion)
}

// MonthlyRow is one area's month as cells, in MonthlyColumns' order.
func MonthlyRow(am *queries.AreaMonth, meta Meta) []Cell {
	row := []Cell{Text(am.Code), Text(am.Name), Text(meta.Level), Text(am.ParentCode), Text(am.ParentName),
		Text(am.Month.Format("2006-01")), FigureCell(am.Referrals), FigureCell(am.Accepted), FigureCell(am.PeopleSupported),
		FigureCell(am.FTE), FigureCell(am.Caseload)}
	for _, mod := range queries.Modules {
		c := am.Training[mod]
		row = append(row, FigureCell(c.InPost), FigureCell(c.Trained), FigureCell(c.Coverage))
	}
	for _, o := range queries.Outcomes {
		r := am.Outcomes[o]
		row = append(row, FigureCell(r.People), FigureCell(r.Cohort), FigureCell(r.Rate))
	}
	return append(row, Text(meta.Disclosure), Text(strconv.FormatUint(meta.DataVersion, 10)))
}

// CSVStream writes CSV as rows arrive: the header first, then each row
// given to the function it returns; close flushes.
func CSVStream(w io.Writer, cols []Column) (write func([]Cell) error, close func() error, err error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return nil, nil, fmt.Errorf("write CSV: %w", err)
	}
	rec := make([]string, len(cols))
	write = func(row []Cell) error {
		for i, c := range row {
			rec[i] = c.CSV()
		}
		return cw.Write(rec)
	}
	close = func() error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
		return bw.Flush()
	}
	return write, close, nil
}
