// Command scalegen writes a bigger national sample for the scale benchmark:
// the national areas with more months of returns and each provider's rows
// repeated under extra provider codes (the code with B, C, … appended), as
// if more organisations employed link workers in each PCN. Funding and areas
// are as generated.
//
//	go run ./cmd/scalegen --out /tmp/scale/x10 --months 120 --provider-copies 3
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"spdash/etl/sample"
)

func main() {
	out := flag.String("out", "", "folder to write the files into")
	months := flag.Int("months", 120, "months of returns, ending 2026-09")
	copies := flag.Int("provider-copies", 3, "rows per provider row (1: as generated)")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*out, *months, *copies, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "scalegen:", err)
		os.Exit(1)
	}
}

func run(out string, months, copies int, seed int64) error {
	if out == "" || copies < 1 || copies > 26 {
		return errors.New("--out is required and --provider-copies must be 1 to 26")
	}
	sum, err := sample.Generate(sample.Options{Out: out, Seed: seed, Scale: sample.National, Months: months})
	if err != nil {
		return err
	}
	for _, kind := range []string{"activity", "training", "outcomes"} {
		n, err := repeatProviders(filepath.Join(out, kind+".csv"), copies)
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		sum.Rows[kind] = n
	}
	for _, kind := range []string{"areas", "activity", "training", "outcomes", "funding"} {
		fmt.Printf("%s.csv: %d rows\n", kind, sum.Rows[kind])
	}
	return nil
}

// repeatProviders rewrites a fact file with each row repeated copies times,
// the provider code (third column) suffixed B, C, … on the repeats.
func repeatProviders(path string, copies int) (int, error) {
	if copies == 1 {
		return countRows(path)
	}
	in, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	buf := bufio.NewWriterSize(f, 1<<20)
	r, w := csv.NewReader(bufio.NewReaderSize(in, 1<<20)), csv.NewWriter(buf)
	header, err := r.Read()
	if err != nil {
		f.Close()
		return 0, err
	}
	if len(header) < 3 || header[2] != "provider_code" {
		f.Close()
		return 0, fmt.Errorf("third column is %q, want provider_code", header[2])
	}
	if err := w.Write(header); err != nil {
		f.Close()
		return 0, err
	}
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return 0, err
		}
		code := rec[2]
		for c := 0; c < copies; c++ {
			if c > 0 {
				rec[2] = code + string(rune('A'+c))
			}
			if err := w.Write(rec); err != nil {
				f.Close()
				return 0, err
			}
			n++
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return 0, err
	}
	if err := buf.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return n, os.Rename(tmp, path)
}

func countRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	n := -1 // the header
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		n++
	}
}
