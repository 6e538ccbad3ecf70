package etl

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// Reader streams the records of one file: it decompresses .gz files, drops a
// byte-order mark, maps the header onto the kind's columns and reports each
// record with the line it starts on.
type Reader struct {
	Path  string
	Kind  *Kind
	Size  int64    // bytes on disk
	index []int    // for each contract column, its field in the record, or -1
	width int      // fields in the header
	names []string // the header's names, trimmed, for problems in any field

	closers []io.Closer // closed last first
	scan    *scanner
	counted *countingReader
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// FileError is a problem with a file as a whole: nothing of it loads.
type FileError struct {
	Problems []Problem
}

func (e *FileError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return strings.Join(msgs, "\n")
}

func fileError(path string, line int, column, reason string) *FileError {
	return &FileError{Problems: []Problem{{File: path, Line: line, Column: column, Reason: reason}}}
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// Open opens path as a file of kind and reads its header. Problems with the
// header come back as a *FileError; unknown columns as warnings.
func Open(path string, kind *Kind) (*Reader, []Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fileError(path, 0, "", "cannot open: "+errors.Unwrap(err).Error())
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, nil, fileError(path, 0, "", "not a regular file")
	}
	r := &Reader{Path: path, Kind: kind, Size: st.Size(), closers: []io.Closer{f}}
	r.counted = &countingReader{r: f}
	var src io.Reader = bufio.NewReaderSize(r.counted, 256<<10)
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		gz, err := gzip.NewReader(src)
		if err != nil {
			f.Close()
			return nil, nil, fileError(path, 0, "", "the name ends in .gz but the file is not gzip data: "+err.Error())
		}
		r.closers = append(r.closers, gz)
		src = gz
	}
	return r.start(src)
}

// start reads the header from src, the file's CSV text, after a byte-order mark.
func (r *Reader) start(src io.Reader) (*Reader, []Problem, error) {
	br := bufio.NewReaderSize(src, 256<<10)
	if head, err := br.Peek(3); err == nil && bytes.Equal(head, bom) {
		_, _ = br.Discard(3)
	}
	r.scan = newScanner(br)
	warnings, err := r.readHeader()
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return r, warnings, nil
}

func (r *Reader) readHeader() ([]Problem, error) {
	var header []string
	var line int
	for {
		rec, recLine, err := r.scan.Next()
		if err == io.EOF {
			return nil, fileError(r.Path, 1, "", "the file is empty: a header row naming the columns is required")
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fileError(r.Path, pe.StartLine, "", "header row: "+pe.Err.Error())
			}
			return nil, fileError(r.Path, 1, "", "cannot read: "+err.Error())
		}
		if isBlank(rec) {
			continue
		}
		for _, f := range rec {
			header = append(header, string(f))
		}
		line = recLine
		break
	}
	var problems, warnings []Problem
	r.width = len(header)
	for _, h := range header {
		r.names = append(r.names, strings.TrimSpace(h))
	}
	r.index = make([]int, len(r.Kind.Columns))
	for i := range r.index {
		r.index[i] = -1
	}
	for field, raw := range header {
		if !utf8.ValidString(raw) {
			problems = append(problems, Problem{File: r.Path, Line: line, Column: fmt.Sprintf("field %d", field+1), Reason: "header name is not valid UTF-8"})
			continue
		}
		name := strings.TrimSpace(raw)
		i := r.Kind.columnIndexFold(name)
		switch {
		case i < 0:
			warnings = append(warnings, Problem{File: r.Path, Line: line, Column: strings.TrimSpace(raw), Reason: "unknown column, ignored", Warning: true})
		case r.index[i] >= 0:
			problems = append(problems, Problem{File: r.Path, Line: line, Column: r.Kind.Columns[i].Name, Reason: fmt.Sprintf("column appears twice in the header (fields %d and %d)", r.index[i]+1, field+1)})
		default:
			r.index[i] = field
		}
	}
	for i, c := range r.Kind.Columns {
		if c.Required && r.index[i] < 0 {
			problems = append(problems, Problem{File: r.Path, Line: line, Column: c.Name, Reason: "required column is missing from the header (" + r.Kind.Name + " files need " + strings.Join(r.Kind.requiredNames(), ", ") + ")"})
		}
	}
	if len(problems) > 0 {
		return nil, &FileError{Problems: append(problems, warnings...)}
	}
	return warnings, nil
}

func (k *Kind) requiredNames() []string {
	var names []string
	for _, c := range k.Columns {
		if c.Required {
			names = append(names, c.Name)
		}
	}
	return names
}

func isBlank(rec [][]byte) bool {
	return len(rec) == 1 && len(bytes.TrimSpace(rec[0])) == 0
}

// Read returns the next non-blank record and the line it starts on. A
// *csv.ParseError is a problem with one record (reading can go on); io.EOF
// ends the file; any other error is a problem with the file as a whole.
// The fields are only valid until the next call.
func (r *Reader) Read() ([][]byte, int, error) {
	for {
		rec, line, err := r.scan.Next()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) || err == io.EOF {
				return nil, 0, err
			}
			return nil, 0, fmt.Errorf("cannot read %s: %w", r.Path, err)
		}
		if isBlank(rec) {
			continue
		}
		return rec, line, nil
	}
}

// BytesRead is how much of the file on disk has been read, for progress.
func (r *Reader) BytesRead() int64 { return r.counted.n.Load() }

// Close closes the file.
func (r *Reader) Close() error {
	var err error
	for i := len(r.closers) - 1; i >= 0; i-- {
		if e := r.closers[i].Close(); e != nil && err == nil {
			err = e
		}
	}
	return err
}
