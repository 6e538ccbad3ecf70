package etl

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

type scanned struct {
	fields []string
	line   int
	err    string // "" or the error kind and lines
	valid  bool   // the scanner says the record is valid UTF-8 (scanAll only)
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
		out = append(out, scanned{fields: fields, line: line, valid: s.validUTF8(rec)})
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
			valid := true
			for j := range w.fields {
				if g.fields[j] != w.fields[j] {
					t.Fatalf("input %q (one byte: %v) record %d field %d: got %q want %q", input, oneByte, i, j, g.fields[j], w.fields[j])
				}
				valid = valid && utf8.ValidString(w.fields[j])
			}
			if w.err == "" && g.valid != valid {
				t.Fatalf("input %q (one byte: %v) record %d: the scanner says valid UTF-8 %v, its fields are %v", input, oneByte, i, g.valid, valid)
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
	"a,b\xff,c\n\xe2\x82\xac,\xe2\x82,x\r\n",
	"a\r,b\r\n\tc,d\n\x00e,f\n",
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

// BenchmarkScannerOutcomes reads 200,000 outcomes rows as the contract's
// sample writes them (go test -bench Scanner ./etl).
func BenchmarkScannerOutcomes(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("month,area_code,provider_code,outcome,people,cohort\n")
	for i := range 200000 {
		fmt.Fprintf(&buf, "2024-%02d,U%05d,P%05d,entered_employment,%d,%d\r\n", i%12+1, i/70%1250, i%997, i%13, 20+i%17)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := newScanner(bytes.NewReader(data))
		for {
			if _, _, err := s.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}
