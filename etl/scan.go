package etl

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// scanner reads CSV records as byte slices into its buffer, allocating
// nothing per record. It accepts exactly what encoding/csv accepts with
// TrimLeadingSpace set and LazyQuotes unset (a differential fuzz test holds it
// to that), but it is several times cheaper, which is most of the load's cost.
type scanner struct {
	r       io.Reader
	buf     []byte
	pos     int  // start of unread data
	end     int  // end of data
	eof     bool // r has no more data
	readErr error
	line    int // physical line of buf[pos], from 1

	fields [][]byte
	spans  []span
	unq    []byte // unescaped quoted fields
	valid  bool   // the record in fields is all valid UTF-8
}

type span struct {
	unq  bool // a range of unq rather than of buf
	a, b int
}

const (
	scanBufSize   = 256 << 10
	maxRecordSize = 16 << 20 // a longer record is a problem with the file
)

// errRecordTooLong ends a file whose record does not fit in maxRecordSize.
var errRecordTooLong = fmt.Errorf("a record is longer than %d MiB; is this a CSV file?", maxRecordSize>>20)

// validUTF8 reports whether rec is the record Next returned last and all
// of it is valid UTF-8.
func (s *scanner) validUTF8(rec [][]byte) bool {
	return s.valid && len(rec) > 0 && len(rec) == len(s.fields) && &rec[0] == &s.fields[0]
}

func newScanner(r io.Reader) *scanner {
	return &scanner{r: r, buf: make([]byte, scanBufSize), line: 1}
}

// fill reads more data, compacting or growing the buffer. It reports
// whether anything was added.
func (s *scanner) fill() (bool, error) {
	if s.eof {
		return false, nil
	}
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxRecordSize {
			return false, errRecordTooLong
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	if err == io.EOF {
		s.eof = true
	} else if err != nil {
		s.eof, s.readErr = true, err
	}
	return n > 0 || s.eof, nil
}

// Next returns the next record's fields, valid until the next call, and the
// line it starts on. A *csv.ParseError concerns one record; reading can go on.
func (s *scanner) Next() ([][]byte, int, error) {
	for {
		if n, ascii, ok := s.simpleLine(s.buf[s.pos:s.end]); ok {
			start := s.line
			s.valid = ascii || utf8.Valid(s.buf[s.pos:s.pos+n])
			s.pos += n
			s.line++
			return s.fields, start, nil
		}
		r := s.parse(s.buf[s.pos:s.end], s.eof)
		if r.more {
			added, err := s.fill()
			if err != nil {
				return nil, 0, err
			}
			if !added && !s.eof {
				return nil, 0, io.ErrNoProgress
			}
			continue
		}
		start := s.line + r.skipped
		s.pos += r.n
		s.line += r.lines
		if r.err != nil {
			r.err.StartLine += start
			r.err.Line += start
			return nil, 0, r.err
		}
		if r.n == 0 && s.eof {
			if s.readErr != nil {
				return nil, 0, s.readErr
			}
			return nil, 0, io.EOF
		}
		if !r.record { // only empty lines were consumed
			continue
		}
		s.fields = s.fields[:0]
		data := s.buf[s.pos-r.n : s.pos]
		// One check of the record's bytes: its fields, quoted or not, are
		// made of them (unquoting removes only ASCII quotes).
		s.valid = utf8.Valid(data)
		for _, sp := range s.spans {
			if sp.unq {
				s.fields = append(s.fields, s.unq[sp.a:sp.b])
			} else {
				s.fields = append(s.fields, data[sp.a:sp.b])
			}
		}
		return s.fields, start, nil
	}
}

type parsed struct {
	n       int  // bytes consumed
	lines   int  // newlines consumed
	skipped int  // empty lines before the record
	record  bool // a record was parsed (not just empty lines)
	more    bool // need more data
	err     *csv.ParseError
}

// parse reads one record from data. Error lines are relative to the record's
// first line (0-based) and become absolute in Next.
func (s *scanner) parse(data []byte, atEOF bool) parsed {
	var p parsed
	i := 0
	// Empty lines are skipped, as encoding/csv does.
	for {
		if i < len(data) && data[i] == '\n' {
			i++
			p.skipped++
			continue
		}
		if i+1 < len(data) && data[i] == '\r' && data[i+1] == '\n' {
			i += 2
			p.skipped++
			continue
		}
		if i+1 == len(data) && data[i] == '\r' && !atEOF {
			p.more = true
			return p
		}
		break
	}
	if i == len(data) {
		if !atEOF {
			p.more = true
			return p
		}
		p.n, p.lines = i, p.skipped
		return p
	}
	if i+1 == len(data) && data[i] == '\r' { // a lone \r before EOF is dropped
		p.n, p.lines = i+1, p.skipped
		return p
	}
	s.spans, s.unq = s.spans[:0], s.unq[:0]
	lines := 0 // newlines inside this record
	lineStart := i
	for {
		// Leading white space, as unicode.IsSpace, like TrimLeadingSpace.
		for i < len(data) {
			c := data[i]
			if c < utf8.RuneSelf {
				if c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' {
					i++
					continue
				}
				break
			}
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 && !utf8.FullRune(data[i:]) && !atEOF {
				p.more = true
				return p
			}
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		if i == len(data) && !atEOF {
			p.more = true
			return p
		}
		if i < len(data) && data[i] == '"' {
			// Quoted field.
			i++
			a := i
			ua := len(s.unq)
			copied := false
			for {
				k := bytes.IndexAny(data[i:], "\"\n")
				if k < 0 {
					if !atEOF {
						p.more = true
						return p
					}
					// encoding/csv names the last line that has data, after
					// dropping a \r at the very end, and the column just past it.
					errLine, tail, ls := lines, data, lineStart
					if tail[len(tail)-1] == '\r' {
						tail = tail[:len(tail)-1]
					}
					if lines > 0 && len(tail) > 0 && tail[len(tail)-1] == '\n' {
						errLine--
						ls = bytes.LastIndexByte(tail[:len(tail)-1], '\n') + 1
					}
					col := len(tail) - ls + 1
					if n := len(tail); n >= 2 && tail[n-2] == '\r' && tail[n-1] == '\n' {
						col-- // counted after \r\n becomes \n
					}
					p.err = &csv.ParseError{Line: errLine, Column: col, Err: csv.ErrQuote}
					p.n, p.lines = len(data), p.skipped+lines
					return p
				}
				k += i
				if data[k] == '\n' {
					// A line break inside the field; \r\n becomes \n.
					if k > i && data[k-1] == '\r' {
						if !copied {
							s.unq = append(s.unq, data[a:k-1]...)
							copied = true
						} else {
							s.unq = append(s.unq, data[i:k-1]...)
						}
						s.unq = append(s.unq, '\n')
					} else if copied {
						s.unq = append(s.unq, data[i:k+1]...)
					}
					lines++
					i = k + 1
					lineStart = i
					continue
				}
				// A quote: doubled, or the end of the field.
				if k+1 == len(data) && !atEOF {
					p.more = true
					return p
				}
				if k+1 < len(data) && data[k+1] == '"' {
					if !copied {
						s.unq = append(s.unq, data[a:k+1]...)
						copied = true
					} else {
						s.unq = append(s.unq, data[i:k+1]...)
					}
					i = k + 2
					continue
				}
				if copied {
					s.unq = append(s.unq, data[i:k]...)
				}
				// The closing quote must end the field.
				j := k + 1
				switch {
				case j == len(data), data[j] == ',', data[j] == '\n':
				case data[j] == '\r' && j+1 < len(data) && data[j+1] == '\n':
				case data[j] == '\r' && j+1 == len(data) && atEOF:
				case data[j] == '\r' && j+1 == len(data):
					p.more = true
					return p
				default:
					// encoding/csv names the closing quote's column.
					p.err = &csv.ParseError{Line: lines, Column: j - lineStart, Err: csv.ErrQuote}
					return s.skipLine(data, j, p, lines, atEOF)
				}
				if copied {
					s.spans = append(s.spans, span{unq: true, a: ua, b: len(s.unq)})
				} else {
					s.spans = append(s.spans, span{a: a, b: k})
				}
				i = j
				break
			}
		} else {
			// Unquoted field: up to a comma or the end of the line.
			a := i
			for i < len(data) && data[i] != ',' && data[i] != '\n' {
				if data[i] == '"' {
					p.err = &csv.ParseError{Line: lines, Column: i - lineStart + 1, Err: csv.ErrBareQuote}
					return s.skipLine(data, i, p, lines, atEOF)
				}
				i++
			}
			if i == len(data) && !atEOF {
				p.more = true
				return p
			}
			b := i
			if b > a && data[b-1] == '\r' && ((i < len(data) && data[i] == '\n') || (i == len(data) && atEOF)) {
				b-- // \r\n line end, or a \r before EOF
			}
			s.spans = append(s.spans, span{a: a, b: b})
		}
		// After a field: a comma, a line end, or EOF.
		if i < len(data) && data[i] == ',' {
			i++
			continue
		}
		if i < len(data) && data[i] == '\r' { // \r\n after a quoted field
			i++
		}
		if i < len(data) && data[i] == '\n' {
			i++
			lines++
		}
		p.n, p.lines, p.record = i, p.skipped+lines, true
		return p
	}
}

// simpleLine reads the record at data's start into s.fields when it is
// the common kind: a whole line (its newline in data) that is not empty,
// with no quote, and no field that starts with a byte parse may trim as
// leading white space (a space or control byte, or any non-ASCII one). It
// returns the bytes consumed and whether they are all ASCII (so valid
// UTF-8). For any other record it reports false and parse reads it. parse
// would split a record of this kind the same way: at every comma, a \r
// before the newline dropped. This path tests each byte once, for a comma,
// where parse tests it for a comma, a newline and a quote, and it writes
// the fields without spans.
func (s *scanner) simpleLine(data []byte) (n int, ascii, ok bool) {
	k := bytes.IndexByte(data, '\n')
	if k <= 0 || bytes.IndexByte(data[:k], '"') >= 0 {
		return 0, false, false
	}
	line := data[:k]
	s.fields = s.fields[:0]
	var or byte
	a := 0
	for {
		if a < len(line) && (line[a] <= ' ' || line[a] >= utf8.RuneSelf) {
			return 0, false, false
		}
		b := a
		for b < len(line) && line[b] != ',' {
			or |= line[b]
			b++
		}
		if b == len(line) {
			if b > a && line[b-1] == '\r' {
				b--
			}
			s.fields = append(s.fields, line[a:b])
			return k + 1, or < utf8.RuneSelf, true
		}
		s.fields = append(s.fields, line[a:b])
		a = b + 1
	}
}

// skipLine drops the rest of the physical line after a syntax error, as
// encoding/csv does, and returns the error.
func (s *scanner) skipLine(data []byte, i int, p parsed, lines int, atEOF bool) parsed {
	k := bytes.IndexByte(data[i:], '\n')
	if k < 0 {
		if !atEOF {
			return parsed{more: true}
		}
		p.n, p.lines = len(data), p.skipped+lines
		return p
	}
	p.n, p.lines = i+k+1, p.skipped+lines+1
	return p
}
