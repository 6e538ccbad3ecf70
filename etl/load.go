package etl

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"spdash/queries"
)

// Result statuses of one file.
const (
	ResultLoaded        = "loaded"
	ResultPartial       = "partial"
	ResultInvalid       = "invalid"        // refused: nothing loaded
	ResultAlreadyLoaded = "already loaded" // byte-identical to a committed load
	ResultValid         = "valid"          // validate only
	ResultFailed        = "failed"         // the database failed: nothing loaded, run again
)

// Result is what happened to one file.
type Result struct {
	Path         string
	Kind         string
	Status       string
	LoadID       string
	RowsRead     int64
	RowsLoaded   int64
	RowsRejected int64
	Duration     time.Duration
	Previous     *queries.Load // the earlier load, when already loaded
	// Notes say what a published file held besides the rows stored: rows
	// skipped and why, its months, its encoding.
	Notes []string
}

// Progress is called now and then during a long file.
type Progress func(path string, rowsRead int64, fraction float64)

// Loader validates files and loads them into ClickHouse, atomically per file.
type Loader struct {
	DB           *queries.DB
	AllowRejects bool
	Force        bool // load even a file identical to a committed load, making it the newest again
	Problems     *ProblemLog
	Log          *slog.Logger
	Progress     Progress // may be nil
	BatchRows    int      // rows per block of a file's INSERT; 0 means DefaultBatchRows
	// MaxClientKeys bounds the keys the client checks for duplicates itself
	// (0: 2^28; their hashes spill to a temporary file beyond 2^20, so the
	// memory held stays bounded); a file with more is checked by the server.
	// Tests lower it to exercise the server's check.
	MaxClientKeys int
	// MemClientKeys bounds the key hashes held in memory before they spill
	// (0: 2^20); tests lower it to exercise the spill.
	MemClientKeys int
	// Actor is who runs the load, for the audit table (spdash etl load
	// --actor, $SPDASH_ACTOR, or the operating system's user).
	Actor string

	// newestByRun: LoadAll builds the analysts' views' rows after each
	// commit beside the current rows' build, not LoadFile before it
	// returns.
	newestByRun bool
}

// DefaultBatchRows bounds memory: two batches are in flight at most. It is
// also how long the server waits for the first rows and how much is left to
// send when the file ends: 50,000 loaded the national sample 7% faster than
// 100,000 (11 of 12 paired runs; docs/BENCHMARKS.md) and the 5,000,000-row
// file as fast.
const DefaultBatchRows = 50_000

// partBatches is how many batches the server gathers into a part: a file is
// one INSERT sent a batch at a time, and the server writes a part (per
// partition) when it holds this many batches' rows, or at the end. 20 of the
// default batch are about the server's own default (1,048,576 rows); a
// smaller --batch-rows makes smaller parts too, so rows reach the storage
// while the load runs.
const partBatches = 20

const progressEvery = 2 * time.Second

// LoadFile loads one file. Invalid input is reported through Problems and
// gives a Result with status invalid; the error is for everything else (a
// lost database connection, a cancelled context), and nothing of the file is
// visible after it either.
func (l *Loader) LoadFile(ctx context.Context, f File) (res Result, err error) {
	start := time.Now()
	res = Result{Path: f.Path, Kind: f.Kind.Name}
	l.Problems.StartFile()
	defer l.Problems.EndFile(f.Path)
	defer func() { res.Duration = time.Since(start) }()

	sha, err := fileSHA256(f.Path)
	if err != nil {
		l.Problems.Add(Problem{File: f.Path, Reason: err.Error()})
		res.Status = ResultInvalid
		return res, nil
	}
	var prev *queries.Load
	if !l.Force {
		if prev, err = l.DB.CommittedLoadBySHA(ctx, f.Kind.Name, sha); err != nil {
			return res, err
		}
	}
	if prev != nil {
		res.Status, res.Previous, res.LoadID = ResultAlreadyLoaded, prev, prev.ID
		return res, nil
	}

	load := queries.Load{ID: newLoadID(), FileName: filepath.Base(f.Path), FilePath: f.Path, SHA256: sha,
		Kind: f.Kind.Name, Status: queries.StatusRunning, StartedAt: start.UTC().Truncate(time.Second)}
	res.LoadID = load.ID
	if load.Seq, err = l.DB.NextLoadSeq(ctx, start); err != nil {
		return res, err
	}
	// Signs of life while the load runs, so that cleanup can tell a load
	// still running from one whose process was killed.
	defer l.heartbeats(ctx, load.ID)()
	// The start event is only history (the commit is the final event), so it
	// is written while the file streams; finish waits for it.
	started := make(chan error, 1)
	go func(l0 queries.Load) { started <- l.DB.RecordLoad(ctx, l0, 0) }(load)
	finish := func(status, message string) error {
		if err := <-started; err != nil {
			return err
		}
		load.Status, load.Message = status, message
		load.RowsRead, load.RowsLoaded, load.RowsRejected = uint64(res.RowsRead), uint64(res.RowsLoaded), uint64(res.RowsRejected)
		now := time.Now().UTC().Truncate(time.Second)
		load.FinishedAt = &now
		// Recording the end must not be cut short by the cancellation that ended the load.
		recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return l.DB.RecordLoad(recordCtx, load, 1)
	}

	// fail records a load the database failed as failed (best effort: the
	// database may be what failed) and returns the error.
	fail := func(err error) error {
		if ferr := finish(queries.StatusFailed, err.Error()); ferr != nil {
			l.log().Warn("could not record the failed load", "file", f.Path, "err", ferr)
		}
		res.Status = ResultFailed
		return err
	}

	// commit records which rows the load supersedes, then commits: both take
	// effect together, with the final event.
	commit := func(result, status, message string) error {
		if f.Kind.Name != "areas" {
			if err := l.DB.Supersede(ctx, f.Kind.Name, f.Kind.Key, load.Seq); err != nil {
				return fail(err)
			}
		}
		// A load that cleanup marked abandoned (no sign of life for too
		// long) must not commit after all: its failure is already final.
		if marked, err := l.DB.MarkedFailed(ctx, load.ID); err != nil || marked {
			if err == nil {
				err = fmt.Errorf("load %s was marked abandoned by spdash etl cleanup while it ran: nothing committed; run it again", load.ID)
			}
			res.Status = ResultFailed
			return err
		}
		res.Status = result
		if err := finish(status, message); err != nil {
			return err
		}
		// The analysts' view of the kind shows the load once this returns
		// (migration 012), or in LoadAll once the run ends; the run builds
		// it again at its end if this fails.
		if l.newestByRun {
			return nil
		}
		if _, err := l.DB.BuildNewest(ctx, f.Kind.Name); err != nil && ctx.Err() == nil {
			l.log().Warn("the analysts' view was not brought to this load: it shows the data before it until the run's end builds it", "kind", f.Kind.Name, "err", err)
		}
		return nil
	}

	stream := l.stream
	if f.Kind.Published != nil {
		stream = l.streamPublished
	}
	st, err := stream(ctx, f, &load, &res)
	if err != nil {
		return res, fail(err)
	}
	switch {
	case st.fileProblem:
		res.Status, res.RowsLoaded = ResultInvalid, 0
		return res, finish(queries.StatusFailed, "the file as a whole is invalid")
	case res.RowsRejected > 0 && !l.AllowRejects:
		res.Status, res.RowsLoaded = ResultInvalid, 0
		return res, finish(queries.StatusFailed, fmt.Sprintf("%d invalid rows (strict mode: nothing loaded)", res.RowsRejected))
	case res.RowsRejected > 0:
		if st.duplicates {
			// The duplicated rows are already in under load.Seq: commit a copy without them.
			seq, err := l.DB.NextLoadSeq(ctx, time.Now())
			if err == nil {
				err = l.DB.CopyRowsWithoutDuplicates(ctx, f.Kind.Name, f.Kind.ColumnNames(), f.Kind.Key, load.Seq, seq)
			}
			if err != nil {
				return res, fail(err)
			}
			load.Seq = seq
		}
		return res, commit(ResultPartial, queries.StatusPartial, fmt.Sprintf("%d rows rejected", res.RowsRejected))
	default:
		return res, commit(ResultLoaded, queries.StatusLoaded, "")
	}
}

type streamState struct {
	fileProblem bool // the file as a whole is invalid
	duplicates  bool // some natural keys repeat
}

// stream reads, validates and inserts the rows of one file under load.Seq.
func (l *Loader) stream(ctx context.Context, f File, load *queries.Load, res *Result) (streamState, error) {
	var st streamState
	r, warnings, err := Open(f.Path, f.Kind)
	var ferr *FileError
	if errors.As(err, &ferr) {
		for _, p := range ferr.Problems {
			l.Problems.Add(p)
		}
		st.fileProblem = true
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer r.Close()
	for _, w := range warnings {
		l.Problems.Add(w)
	}

	var areas map[string]struct{}
	if !f.Kind.Reference {
		if areas, err = l.DB.AreaCodes(ctx); err != nil {
			return st, err
		}
	}
	rejects, report, err := l.problemSink(ctx, load)
	if err != nil {
		return st, err
	}

	ins := newInserter(ctx, l.DB, f.Kind, l.batchRows())
	v := NewValidator(f.Kind, f.Path, areas, false)
	keys, keyCols := newKeySet(l.maxClientKeys(), cmp.Or(l.MemClientKeys, memClientKeys)), f.Kind.keyColumns()
	defer keys.close()
	lastProgress := time.Now()
	st.fileProblem = eachRecord(ctx, r, v, report, res, func(row *Row) error {
		if keys.tracking() {
			keys.add(keys.hashKey(f.Kind, keyCols, row))
		}
		return ins.add(load.Seq, row) // on error, the inserter's error is returned by wait
	}, func() {
		if res.RowsRead == estimateAfter && keys.tracking() && estimatedRows(res.RowsRead, r.BytesRead(), r.Size) > int64(l.maxClientKeys()) {
			// The file will not fit: leave the check to the server from the start.
			keys.giveUp(fmt.Errorf("about %d rows, more than the client checks", estimatedRows(res.RowsRead, r.BytesRead(), r.Size)))
		}
		if res.RowsRead%65536 == 0 && l.Progress != nil && time.Since(lastProgress) > progressEvery {
			lastProgress = time.Now()
			l.Progress(f.Path, res.RowsRead, float64(r.BytesRead())/float64(max(r.Size, 1)))
		}
	})
	if err := ins.wait(); err != nil {
		return st, err
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if st.fileProblem {
		return st, nil
	}
	// Duplicate natural keys: when the client's bounded set saw every key
	// hash once, there are none; otherwise the server finds them exactly, so
	// the client's memory does not grow with the file.
	needed, why := keys.needsServerCheck()
	if !needed {
		return st, rejects.close()
	}
	if why != nil { // a big load goes slower: say why
		l.log().Info("the server checks the file's keys for duplicates", "file", f.Path, "reason", why)
	}
	err = l.DB.DuplicateKeys(ctx, f.Kind.Name, f.Kind.Key, monthColumns(f.Kind), load.Seq, func(d queries.Duplicate) error {
		st.duplicates = true
		lines := make([]int, len(d.Lines))
		for i, ln := range d.Lines {
			lines[i] = int(ln)
		}
		for _, ln := range lines {
			report(DuplicateProblem(f.Path, f.Kind, ln, lines, strings.Join(d.Key, ", ")))
		}
		res.RowsLoaded -= int64(len(lines))
		res.RowsRejected += int64(len(lines))
		return nil
	})
	if err != nil {
		return st, err
	}
	return st, rejects.close()
}

// problemSink is where a load's problems go: the problem log, and (with
// --allow-rejects) reject_rows, warnings aside.
func (l *Loader) problemSink(ctx context.Context, load *queries.Load) (*rejectSink, func(Problem), error) {
	rejects, err := newRejectSink(ctx, l.DB, load.ID, l.AllowRejects)
	if err != nil {
		return nil, nil, err
	}
	return rejects, func(p Problem) {
		l.Problems.Add(p)
		if !p.Warning {
			rejects.add(p)
		}
	}, nil
}

// streamPublished reads, checks and inserts the rows a published file keeps
// under load.Seq (published.go): no duplicate check, since its natural key
// (month, area_code) holds many rows.
func (l *Loader) streamPublished(ctx context.Context, f File, load *queries.Load, res *Result) (streamState, error) {
	var st streamState
	areas, err := l.DB.AreaCodes(ctx)
	if err != nil {
		return st, err
	}
	rejects, report, err := l.problemSink(ctx, load)
	if err != nil {
		return st, err
	}
	ins := newInserter(ctx, l.DB, f.Kind, l.batchRows())
	st.fileProblem, err = scanPublished(ctx, f, areas, report, res, func(row *Row) error { return ins.add(load.Seq, row) })
	if werr := ins.wait(); werr != nil {
		return st, werr
	}
	if err != nil {
		return st, err
	}
	if st.fileProblem {
		return st, nil
	}
	return st, rejects.close()
}

// estimateAfter is the row after which the file's row count is estimated.
const estimateAfter = 10_000

// estimatedRows extrapolates the rows of a file from those read so far and the
// bytes of the file on disk they took (compressed bytes for .gz, both ways).
func estimatedRows(rows, bytesRead, size int64) int64 {
	if bytesRead <= 0 {
		return rows
	}
	return rows * size / bytesRead
}

func monthColumns(k *Kind) map[string]bool {
	m := map[string]bool{}
	for _, c := range k.Columns {
		if c.Type == TypeMonth {
			m[c.Name] = true
		}
	}
	return m
}

func (l *Loader) maxClientKeys() int {
	if l.MaxClientKeys > 0 {
		return l.MaxClientKeys
	}
	return maxClientKeys
}

func (l *Loader) batchRows() int {
	if l.BatchRows > 0 {
		return l.BatchRows
	}
	return DefaultBatchRows
}

// HeartbeatEvery is how often a running load records a sign of life.
const HeartbeatEvery = 30 * time.Second

// heartbeats records a sign of life now and every HeartbeatEvery until the
// returned function is called. A failed heartbeat is logged, not fatal: the
// load itself will fail if the database is gone.
func (l *Loader) heartbeats(ctx context.Context, loadID string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			if err := l.DB.Heartbeat(ctx, loadID, time.Now()); err != nil {
				l.log().Warn("could not record a heartbeat", "load", loadID, "err", err)
			}
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (l *Loader) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}

func newLoadID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot open: %w", errors.Unwrap(err))
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("cannot read: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// inserter sends full batches from a second goroutine, so that reading and
// validating the next batch overlaps with sending the last one.
type inserter struct {
	ctx    context.Context
	db     *queries.DB
	kind   *Kind
	size   int
	cur    *rowBatch
	full   chan *rowBatch
	free   chan *rowBatch
	done   chan struct{}
	mu     sync.Mutex
	err    error
	cancel context.CancelFunc
}

func newInserter(ctx context.Context, db *queries.DB, kind *Kind, size int) *inserter {
	ctx, cancel := context.WithCancel(ctx)
	in := &inserter{ctx: ctx, db: db, kind: kind, size: size, cancel: cancel,
		full: make(chan *rowBatch), free: make(chan *rowBatch, 1), done: make(chan struct{})}
	in.cur = newRowBatch(kind, size)
	in.free <- newRowBatch(kind, size)
	go in.run()
	return in
}

func (in *inserter) add(seq uint64, row *Row) error {
	in.cur.add(seq, row)
	if in.cur.len() < in.size {
		return nil
	}
	return in.flush()
}

func (in *inserter) flush() error {
	select {
	case in.full <- in.cur:
	case <-in.ctx.Done():
		return in.error()
	}
	select {
	case in.cur = <-in.free:
	case <-in.ctx.Done():
		return in.error()
	}
	return nil
}

func (in *inserter) error() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.err != nil {
		return in.err
	}
	return in.ctx.Err()
}

func (in *inserter) run() {
	defer close(in.done)
	var batch driver.Batch // one INSERT for the whole file, sent block by block
	fail := func(err error) {
		if batch != nil {
			_ = batch.Abort()
		}
		in.mu.Lock()
		in.err = err
		in.mu.Unlock()
		in.cancel()
	}
	for b := range in.full {
		if batch == nil {
			var err error
			if batch, err = in.db.PrepareRows(in.ctx, in.kind.Name, in.kind.StoredNames(), partBatches*in.size); err != nil {
				fail(err)
				return
			}
		}
		if err := in.send(batch, b); err != nil {
			fail(err)
			return
		}
		b.reset()
		in.free <- b
	}
	if batch == nil {
		return
	}
	if err := in.ctx.Err(); err != nil {
		fail(err) // the load stopped: end the INSERT without finishing it
		return
	}
	if err := batch.Send(); err != nil {
		batch = nil // Send releases the connection whatever happens
		fail(queries.Classify(fmt.Errorf("insert %s: %w", in.kind.Name, err)))
	}
}

// send writes one block of the file's INSERT. The server gathers blocks into
// parts (partBatches blocks each), so a file makes a few parts per
// partition, not one per block.
func (in *inserter) send(batch driver.Batch, b *rowBatch) error {
	if err := b.appendTo(batch); err != nil {
		return fmt.Errorf("insert %s: %w", in.kind.Name, err)
	}
	if err := batch.Flush(); err != nil {
		return queries.Classify(fmt.Errorf("insert %s: %w", in.kind.Name, err))
	}
	return nil
}

// wait sends what is left and returns the first error.
func (in *inserter) wait() error {
	defer in.cancel()
	if in.cur.len() > 0 && in.error() == nil {
		_ = in.flush()
	}
	close(in.full)
	<-in.done
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.err
}
