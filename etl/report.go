package etl

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// ListedPerFile is how many problems of one file are printed; the rest are
// counted, and all of them go to the report.
const ListedPerFile = 100

// ProblemLog prints the first problems of each file and writes every one of
// them to a CSV report (file, line, column, value, reason).
type ProblemLog struct {
	out        io.Writer
	reportPath string
	eager      bool // --report given: write the file even with no problems
	file       *os.File
	csv        *csv.Writer
	err        error

	listed, unlisted int // of the current file
	total            int
}

// NewProblemLog prints to out and reports to reportPath. With eager, the
// report is written even when there are no problems; otherwise it is created
// with the first problem.
func NewProblemLog(out io.Writer, reportPath string, eager bool) (*ProblemLog, error) {
	l := &ProblemLog{out: out, reportPath: reportPath, eager: eager}
	if eager {
		if err := l.open(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// ReportPath is where the report is, or "" when none was written.
func (l *ProblemLog) ReportPath() string {
	if l.file == nil {
		return ""
	}
	return l.reportPath
}

// Total counts every problem and warning logged.
func (l *ProblemLog) Total() int { return l.total }

func (l *ProblemLog) open() error {
	if err := os.MkdirAll(filepath.Dir(l.reportPath), 0o755); err != nil {
		return fmt.Errorf("problem report: %w", err)
	}
	f, err := os.Create(l.reportPath)
	if err != nil {
		return fmt.Errorf("problem report: %w", err)
	}
	l.file, l.csv = f, csv.NewWriter(f)
	return l.csv.Write([]string{"file", "line", "column", "value", "reason"})
}

// StartFile resets the per-file listing limit.
func (l *ProblemLog) StartFile() { l.listed, l.unlisted = 0, 0 }

// Add logs one problem.
func (l *ProblemLog) Add(p Problem) {
	l.total++
	if l.listed < ListedPerFile {
		fmt.Fprintln(l.out, p.String())
		l.listed++
	} else {
		l.unlisted++
	}
	if l.file == nil && l.err == nil {
		l.err = l.open()
	}
	if l.err == nil {
		reason := p.Reason
		if p.Warning {
			reason = "warning: " + reason
		}
		l.err = l.csv.Write([]string{p.File, strconv.Itoa(p.Line), p.Column, p.Value, reason})
	}
}

// EndFile prints how many problems of the file were not listed.
func (l *ProblemLog) EndFile(path string) {
	if l.unlisted > 0 {
		fmt.Fprintf(l.out, "%s: %d more problems not listed (all are in %s)\n", path, l.unlisted, l.reportPath)
	}
}

// Close flushes the report.
func (l *ProblemLog) Close() error {
	if l.file == nil {
		return l.err
	}
	l.csv.Flush()
	if err := l.csv.Error(); err != nil && l.err == nil {
		l.err = err
	}
	if err := l.file.Close(); err != nil && l.err == nil {
		l.err = err
	}
	if l.err != nil {
		return fmt.Errorf("problem report %s: %w", l.reportPath, l.err)
	}
	return nil
}
