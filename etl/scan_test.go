package etl

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

type scanned struct {
	fields []string
	line   int
	err    string // "" or the error kind and lines
}

func errKey(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%v start %d line %d column %d", pe.Err, pe.StartLine, pe.Line, pe.Column)
	}
	return err.Error()
}

// oracle reads input with encoding/csv configured as the contract needs.
func oracle(input []byte) []scanned {
	r := csv.NewReader(bytes.NewReader(input))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out []scanned
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, scanned{err: errKey(err)})
			if len(out) > 1000 {
				return out
			}
			continue
		}
		line, _ := r.FieldPos(0)
		out = append(out, scanned{fields: append([]string(nil), rec...), line: line})
	}
}

func scanAll(input []byte, oneByte bool) []scanned {
	var src io.Reader = bytes.NewReader(input)
	if oneByte {
		src = iotest.OneByteReader(src) // every record crosses buffer refills
	}
	s := newScanner(src)
	var out []scanned
	for {
		rec, line, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, scanned{err: errKey(err)})
			if len(out) > 1000 {
				return out
			}
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return out
			}
			continue
		}
		fields := make([]string, len(rec))
		for i, f := range rec {
			fields[i] = string(f)
		}
		out = append(out, scanned{fields: fields, line: line})
	}
}

func compareScan(t *testing.T, input []byte) {
	t.Helper()
	want := oracle(input)
	for _, oneByte := range []bool{false, true} {
		got := scanAll(input, oneByte)
		if len(got) != len(want) {
			t.Fatalf("input %q (one byte at a time: %v):\n got %d records %+v\nwant %d records %+v", input, oneByte, len(got), got, len(want), want)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.err != w.err || g.line != w.line || len(g.fields) != len(w.fields) {
				t.Fatalf("input %q (one byte: %v) record %d:\n got %+v\nwant %+v", input, oneByte, i, g, w)
			}
			for j := range w.fields {
				if g.fields[j] != w.fields[j] {
					t.Fatalf("input %q (one byte: %v) record %d field %d: got %q want %q", input, oneByte, i, j, g.fields[j], w.fields[j])
				}
			}
		}
	}
}

var scanSeeds = []string{
	"a,b,c\n1,2,3\n",
	"a,b\r\n1,2\r\n",
	"\ufeffa,b\n",
	"a,b\n\n\n1,2\n",
	"a,b\n   \n1,2",
	"a,b\n\r\n1,2\r",
	`a,"b,c",d` + "\n" + `"x ""y"" z",2,3` + "\n",
	"\"multi\r\nline\",2\n3,4\n",
	"\"multi\nline\nfield\",2\n3,4\n",
	"a,  \"quoted\" ,b\n",
	"a,\"q\"x,b\nc,d\n",
	"a,b\"c,d\ne,f\n",
	"a,\"unterminated\nb,c\n",
	"\"\"\n\"\"\"\"\n",
	" , ,\n",
	"a,\u00a0b,\u0085c\n",
	"a\rb,c\r\n",
	"\"a\"\r",
	"x\n\"a\"\"",
	"",
	"\n\n",
	",\n,,\n",
}

func TestScannerMatchesEncodingCSV(t *testing.T) {
	for _, s := range scanSeeds {
		compareScan(t, []byte(s))
	}
}

func FuzzScannerMatchesEncodingCSV(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		compareScan(t, input)
	})
}
