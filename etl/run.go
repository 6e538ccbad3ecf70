package etl

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"spdash/queries"
)

// ExpandPaths turns files and folders into the files to process, in load
// order (areas first). Files in a folder are taken one level deep, hidden ones
// skipped. With kind set, every file is of that kind; otherwise a file whose
// name tells no kind is a problem.
func ExpandPaths(paths []string, kind *Kind) ([]File, []Problem) {
	var files []File
	var problems []Problem
	add := func(path string) {
		if kind != nil {
			files = append(files, File{Path: path, Kind: kind})
			return
		}
		k, err := KindOfFile(path)
		if err != nil {
			problems = append(problems, Problem{File: path, Reason: err.Error()})
			return
		}
		files = append(files, File{Path: path, Kind: k})
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			problems = append(problems, Problem{File: p, Reason: "cannot open: " + errText(err)})
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			problems = append(problems, Problem{File: p, Reason: "cannot read folder: " + errText(err)})
			continue
		}
		names := []string{}
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			add(filepath.Join(p, n))
		}
	}
	SortByKind(files)
	return files, problems
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ValidateFile checks one file without a database. areas, when not nil, are
// the codes fact rows must refer to; codes of a valid areas file are added to
// it. Duplicate keys are found as the load finds them, without growing
// memory with the file: the valid rows' key hashes are collected (keySet)
// and, only when one repeats, the file is read again to check those rows'
// keys exactly (duplicateKeys). A file that cannot be read twice (a pipe)
// keeps every key in memory instead, as does one whose hashes cannot decide
// (more keys than maxClientKeys, a failed spill).
func ValidateFile(f File, areas map[string]struct{}, problems *ProblemLog) (res Result) {
	start := time.Now()
	res = Result{Path: f.Path, Kind: f.Kind.Name, Status: ResultValid}
	problems.StartFile()
	defer problems.EndFile(f.Path)
	defer func() { res.Duration = time.Since(start) }()
	if f.Kind.Published != nil {
		fileProblem, err := scanPublished(context.Background(), f, areas, problems.Add, &res, func(*Row) error { return nil })
		if fileProblem || err != nil || res.RowsRejected > 0 {
			if err != nil {
				problems.Add(Problem{File: f.Path, Reason: err.Error()})
			}
			res.Status = ResultInvalid
		}
		return res
	}
	before, _ := os.Stat(f.Path) // for a second read (duplicateKeys): the file must not change meanwhile
	r, warnings, err := Open(f.Path, f.Kind)
	if err != nil {
		var ferr *FileError
		if errors.As(err, &ferr) {
			for _, p := range ferr.Problems {
				problems.Add(p)
			}
		} else {
			problems.Add(Problem{File: f.Path, Reason: err.Error()})
		}
		res.Status = ResultInvalid
		return res
	}
	defer r.Close()
	for _, w := range warnings {
		problems.Add(w)
	}
	// A file that cannot be read twice (a pipe) has its keys checked in
	// memory as it is read, every key kept.
	readTwice := before != nil && before.Mode().IsRegular()
	v := NewValidator(f.Kind, f.Path, areas, !readTwice)
	keys, keyCols := newKeySet(maxClientKeys, memClientKeys), f.Kind.keyColumns()
	defer keys.close()
	var codes []string
	if eachRecord(context.Background(), r, v, problems.Add, &res, func(row *Row) error {
		if f.Kind.Reference {
			codes = append(codes, row.Values[0].Str)
		}
		if readTwice && keys.tracking() {
			keys.add(keys.hashKey(f.Kind, keyCols, row))
		}
		return nil
	}, nil) {
		res.Status = ResultInvalid
		return res
	}
	if !readTwice {
		res.RowsRejected += int64(v.keys.earlierRejected)
		res.RowsLoaded -= int64(v.keys.earlierRejected)
	} else {
		// A repeated hash is a duplicate key or, rarely, a collision: the
		// exact check of those rows decides. When the hashes cannot decide,
		// every valid row's key is checked exactly (suspects nil).
		suspects, err := keys.repeatedHashes()
		if err != nil {
			suspects = nil
		}
		if err != nil || len(suspects) > 0 {
			rejected, err := duplicateKeys(f, before, areas, keys, keyCols, suspects, problems.Add)
			if err != nil {
				problems.Add(Problem{File: f.Path, Reason: err.Error()})
				res.Status = ResultInvalid
				return res
			}
			res.RowsRejected += rejected
			res.RowsLoaded -= rejected
		}
	}
	if res.RowsRejected > 0 {
		res.Status = ResultInvalid
	}
	if f.Kind.Reference && areas != nil {
		clear(areas) // an areas load replaces the whole table
		for _, c := range codes {
			areas[c] = struct{}{}
		}
	}
	return res
}

// duplicateKeys reads f again and checks exactly the keys of its valid rows
// whose hash (keys.hashKey) is in suspects (sorted), or of every valid row
// when suspects is nil, reporting each line of a duplicated key as the first
// read would have. Its memory grows with the rows whose hash repeats, not
// with the file. The rows are validated again to know which are valid,
// their other problems already reported. before is the file as the first
// read found it: another file now at the path, or one whose size or time
// changed since, is an error, as the two reads would not agree. It returns
// how many lines it rejected.
func duplicateKeys(f File, before os.FileInfo, areas map[string]struct{}, keys *keySet, keyCols []int, suspects []uint64, report func(Problem)) (int64, error) {
	unchanged := func() error {
		now, err := os.Stat(f.Path)
		if err != nil || before == nil || !os.SameFile(now, before) || now.Size() != before.Size() || !now.ModTime().Equal(before.ModTime()) {
			return fmt.Errorf("the file changed while it was validated; validate it again")
		}
		return nil
	}
	if err := unchanged(); err != nil {
		return 0, err
	}
	r, _, err := Open(f.Path, f.Kind)
	if err != nil {
		return 0, fmt.Errorf("read the file again to check its keys: %w", err)
	}
	defer r.Close()
	v := NewValidator(f.Kind, f.Path, areas, false)
	dups := newKeyChecker(f.Kind, f.Path)
	var res Result
	var rejected int64
	var fileProblem string // the rows' problems were reported by the first read; not one of the file's
	if eachRecord(context.Background(), r, v, func(p Problem) {
		if p.Line == 0 {
			fileProblem = p.Reason
		}
	}, &res, func(row *Row) error {
		if suspects != nil {
			if _, ok := slices.BinarySearch(suspects, keys.hashKey(f.Kind, keyCols, row)); !ok {
				return nil
			}
		}
		if !dups.check(row, report) {
			rejected++
		}
		return nil
	}, nil) {
		return 0, fmt.Errorf("read the file again to check its keys: %s", fileProblem)
	}
	if err := unchanged(); err != nil {
		return 0, err
	}
	return rejected + int64(dups.earlierRejected), nil
}

// eachRecord reads every record of r and validates it with v, counting rows
// read, loaded and rejected in res and reporting problems. valid is called
// for each valid row (an error stops the reading; the caller knows why),
// after, when not nil, after each record. It stops when ctx is done, and
// reports whether the file as a whole could not be read.
func eachRecord(ctx context.Context, r *Reader, v *Validator, report func(Problem), res *Result, valid func(*Row) error, after func()) (fileProblem bool) {
	var row Row
	for ctx.Err() == nil {
		rec, line, err := r.Read()
		if err == io.EOF {
			return false
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			res.RowsRead++
			res.RowsRejected++
			report(v.ParseError(pe))
		case err != nil:
			report(Problem{File: r.Path, Reason: err.Error()})
			return true
		default:
			res.RowsRead++
			if !v.Check(r, rec, line, &row, report) {
				res.RowsRejected++
			} else if err := valid(&row); err != nil {
				return false
			} else {
				res.RowsLoaded++
			}
		}
		if after != nil {
			after()
		}
	}
	return false
}

// Summary is one line describing a file's result, with its notes.
func (r Result) Summary() string {
	s := r.summary()
	if len(r.Notes) > 0 && r.Status != ResultAlreadyLoaded {
		s += " (" + strings.Join(r.Notes, "; ") + ")"
	}
	return s
}

func (r Result) summary() string {
	secs := r.Duration.Seconds()
	switch r.Status {
	case ResultAlreadyLoaded:
		when := ""
		if r.Previous != nil {
			when = " on " + r.Previous.StartedAt.Format("2006-01-02 15:04:05 UTC") + " (load " + short(r.Previous.ID) + ")"
		}
		return fmt.Sprintf("%s: %s: already loaded%s; nothing changed", r.Path, r.Kind, when)
	case ResultValid:
		return fmt.Sprintf("%s: %s: valid, %d rows read in %.1fs", r.Path, r.Kind, r.RowsRead, secs)
	case ResultLoaded:
		return fmt.Sprintf("%s: %s: loaded %d rows of %d read, 0 rejected, in %.1fs (%.0f rows/s, load %s)",
			r.Path, r.Kind, r.RowsLoaded, r.RowsRead, secs, float64(r.RowsRead)/max(secs, 1e-9), short(r.LoadID))
	case ResultPartial:
		return fmt.Sprintf("%s: %s: partial: loaded %d rows of %d read, %d rejected, in %.1fs (load %s)",
			r.Path, r.Kind, r.RowsLoaded, r.RowsRead, r.RowsRejected, secs, short(r.LoadID))
	case ResultFailed:
		return fmt.Sprintf("%s: %s: failed after %d rows read; nothing loaded; run the same command again", r.Path, r.Kind, r.RowsRead)
	default:
		return fmt.Sprintf("%s: %s: invalid: %d rows read, %d invalid; nothing loaded", r.Path, r.Kind, r.RowsRead, r.RowsRejected)
	}
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// LoadAll loads files in order, each atomically. It goes on after an invalid
// file and stops at the first database error, which it returns.
func (l *Loader) LoadAll(ctx context.Context, files []File, out io.Writer) ([]Result, error) {
	// After each commit of a summed kind, its current rows are built
	// (migration 007) while the next file streams: the server has room
	// while the loader parses. The run ends when they are built, and then
	// builds the default period's figures, months and the data's range
	// (migrations 009 to 011) once, when a load committed: every kind is
	// in one of them (the areas put the PCNs in their ICBs and regions),
	// beside the check of the analysts' views below.
	// The analysts' views' rows (migration 012) are built beside the
	// current rows after each commit, and at the end brought to the newest
	// state whether or not a load committed: a run again after a loader
	// was stopped between its commit and that build completes it.
	var builds sync.WaitGroup
	period := false
	l.newestByRun = true
	defer func() {
		l.newestByRun = false
		builds.Wait()
		// The two are independent (the default period reads the current
		// rows, the views their own tables): side by side, the run ends
		// the views' check of every kind (two small reads each) sooner.
		var end sync.WaitGroup
		if period {
			end.Go(func() { l.buildPeriod(ctx) })
		}
		l.buildNewest(ctx)
		end.Wait()
	}()
	var results []Result
	for _, f := range files {
		res, err := l.LoadFile(ctx, f)
		results = append(results, res)
		fmt.Fprintln(out, res.Summary())
		l.audit(ctx, res, err)
		if err != nil {
			return results, fmt.Errorf("load %s: %w", f.Path, err)
		}
		committed := res.Status == ResultLoaded || res.Status == ResultPartial
		period = period || committed
		if committed && slices.Contains(queries.CurrentKinds, res.Kind) {
			builds.Add(1)
			go func() {
				defer builds.Done()
				l.buildCurrent(ctx)
			}()
		}
		// The analysts' view's rows beside it: each is one INSERT … SELECT,
		// which 18.16 runs on one thread, and the machine has two.
		if committed && slices.Contains(queries.NewestKinds, res.Kind) {
			builds.Add(1)
			go func(kind string) {
				defer builds.Done()
				if _, err := l.DB.BuildNewest(ctx, kind); err != nil && ctx.Err() == nil {
					l.log().Warn("the analysts' view was not brought to the load: the run's end builds it", "kind", kind, "err", err)
				}
			}(res.Kind)
		}
	}
	return results, nil
}

// buildCurrent builds the current rows of the newest data version that are
// not built, so that the dashboard's first reader after the loads finds
// them. A failure leaves the loads as committed: the first reader that may
// write builds them, and a read-only one reads the storage tables meanwhile.
func (l *Loader) buildCurrent(ctx context.Context) {
	if _, err := l.DB.BuildCurrent(ctx); err != nil && ctx.Err() == nil {
		l.log().Warn("the current rows were not built after the load: the dashboard builds them when first asked", "err", err)
	}
}

// buildNewest brings the analysts' views' rows to the newest state
// (migration 012). A failure leaves the loads as committed and the views
// at the state before them, never partly: the next etl load, etl cleanup
// or spdash migrate builds them.
func (l *Loader) buildNewest(ctx context.Context) {
	if _, err := l.DB.BuildNewest(ctx); err != nil && ctx.Err() == nil {
		l.log().Warn("the analysts' views were not brought to the newest loads: they show the data before them until the next etl load, etl cleanup or spdash migrate", "err", err)
	}
}

// buildPeriod builds the default period's figures and months and the
// data's range after the loads (migrations 009 to 011), so that the
// dashboard's first pages read them. A failure leaves the loads as
// committed: pages compute them. A failure after they are built is of
// their packs (migration 014) alone: pages read the builds' rows.
func (l *Loader) buildPeriod(ctx context.Context) {
	built, err := l.DB.BuildPeriod(ctx)
	switch {
	case err == nil || ctx.Err() != nil:
	case built:
		l.log().Warn("the default period's figures and months were built after the load, but not packed: pages read their rows", "err", err)
	default:
		l.log().Warn("the default period's figures, months and range were not built after the load: pages compute them", "err", err)
	}
}

// audit records the load in the audit table (who ran it, which file, how it
// ended) and the log. A database that failed the load may fail this too: the
// log line then stands alone, and the load's own events are in loads.
func (l *Loader) audit(ctx context.Context, res Result, loadErr error) {
	outcome := res.Status
	detail := fmt.Sprintf("kind %s; %d rows read, %d loaded, %d refused", res.Kind, res.RowsRead, res.RowsLoaded, res.RowsRejected)
	if loadErr != nil {
		outcome = ResultFailed
		detail += "; " + loadErr.Error()
	}
	who := l.Actor
	if who == "" {
		who = "unknown"
	}
	e := queries.AuditEvent{At: time.Now(), Actor: who, Role: "loader", Action: queries.AuditLoad, Object: res.Path,
		Outcome: outcome, Detail: detail, Client: hostName(), RequestID: res.LoadID}
	l.log().Info("audit", "action", e.Action, "actor", e.Actor, "object", e.Object, "outcome", e.Outcome, "detail", e.Detail, "id", e.RequestID)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := l.DB.InsertAudit(actx, []queries.AuditEvent{e}); err != nil {
		l.log().Error("audit event of a load not stored in ClickHouse: it is in this log", "file", res.Path, "err", err)
	}
}

func hostName() string {
	h, _ := os.Hostname()
	return h
}
