package etl

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzValidateFile runs any bytes, as a file of any kind, through the whole
// validation (reader, every column's validator, the cross-column rules, the
// area check and the duplicate keys), without a database. Whatever comes in:
// no panic and no hang; every problem has a reason and a line inside the
// file; a file is valid exactly when no problem is an error. Seeds: the
// valid files of etl/testdata/unit/valid (with their own headers) and small
// edits of them. The seeds run with the unit tests; .ci/run fuzzes it for a
// bounded time:
//
//	go test ./etl -run '^$' -fuzz FuzzValidateFile -fuzztime 5m
func FuzzValidateFile(f *testing.F) {
	entries, err := os.ReadDir("testdata/unit/valid")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata/unit/valid", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		k, err := KindOfFile(e.Name())
		if err != nil {
			f.Fatal(err)
		}
		idx := uint8(kindIndex(k))
		f.Add(idx, b)
		f.Add(idx, bytes.ReplaceAll(b, []byte(","), []byte(";")))
		f.Add(idx, append(append([]byte{}, b...), b[bytes.IndexByte(b, '\n')+1:]...)) // every row twice
		f.Add(idx, bytes.ReplaceAll(b, []byte("U1"), []byte("u1\xff")))
	}
	// The published files: the first lines of the real samples.
	for _, seed := range []struct{ kind, file string }{
		{"pcn_workforce", "pcn_workforce_individual_sample.csv"}, {"gpad", "gpad_practice_level_crosstab_sample.csv"},
	} {
		b, err := os.ReadFile(filepath.Join("testdata/nhs-published", seed.file))
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(b, []byte("\n"))
		head := bytes.Join(lines[:min(len(lines), 30)], nil)
		k, _ := LookupKind(seed.kind)
		f.Add(uint8(kindIndex(k)), head)
		f.Add(uint8(kindIndex(k)), bytes.ReplaceAll(head, []byte("–"), []byte("\x96"))) // Windows-1252
	}
	areas := map[string]struct{}{"U1": {}, "U2": {}}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		k := Kinds[int(kind)%len(Kinds)]
		path := filepath.Join(t.TempDir(), k.Name+".csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		v := validatePath(t, path, k, areas)
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
		errorsFound := false
		for _, p := range v.problems {
			if strings.TrimSpace(p.Reason) == "" {
				t.Fatalf("a problem without a reason: %+v", p)
			}
			if p.Line < 0 || p.Line > lines+1 {
				t.Fatalf("problem at line %d of a file of at most %d lines: %+v", p.Line, lines, p)
			}
			errorsFound = errorsFound || !p.Warning
		}
		if (v.res.Status == ResultValid) == errorsFound {
			t.Fatalf("status %q with errors %v: %+v", v.res.Status, errorsFound, v.problems)
		}
		if v.res.RowsRead > int64(lines) {
			t.Fatalf("%d rows read from at most %d lines", v.res.RowsRead, lines)
		}
	})
}

func kindIndex(k *Kind) int {
	for i, x := range Kinds {
		if x == k {
			return i
		}
	}
	return 0
}
