package queries

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Load statuses as stored in load_log.
const (
	StatusRunning = "running"
	StatusLoaded  = "loaded"
	StatusPartial = "partial"
	StatusFailed  = "failed"
)

// Load is one row of the loads view: one attempt to load one file.
type Load struct {
	ID           string
	Seq          uint64 // orders loads; the newest committed load wins per natural key
	FileName     string
	FilePath     string
	SHA256       string
	Kind         string
	RowsRead     uint64
	RowsLoaded   uint64
	RowsRejected uint64
	Status       string
	Message      string
	StartedAt    time.Time
	FinishedAt   *time.Time
}

// NextLoadSeq returns a sequence number above every recorded load: the current
// time in nanoseconds, or one more than the highest seen if the clock is behind.
func (db *DB) NextLoadSeq(ctx context.Context, now time.Time) (uint64, error) {
	var max uint64
	if err := db.conn.QueryRow(ctx, sqlText("load_max_seq")).Scan(&max); err != nil {
		return 0, Classify(fmt.Errorf("read load sequence: %w", err))
	}
	seq := uint64(now.UnixNano())
	if seq <= max {
		seq = max + 1
	}
	return seq, nil
}

// batchContext is the context a native batch is prepared with. clickhouse-go
// v2.50's batch Send starts a watchdog that closes the batch's connection
// when the context is done, and stopping the watchdog does not stop it from
// firing on a later cancellation: a context cancelled after Send (a finished
// timeout, a loader tidying up) could close a connection that is back in the
// pool and serving another query ("use of closed network connection", seen in
// CI). Batches therefore get a context that is never cancelled; callers stop
// between batches instead, and the connection's read timeout still applies.
func batchContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// RecordLoad appends an event for a load: event 0 when it starts (status
// running), event 1 when it ends. The final event with status loaded or
// partial is the commit that makes the load's rows visible.
func (db *DB) RecordLoad(ctx context.Context, l Load, eventNo uint8) error {
	b, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("load_log_insert"))
	if err != nil {
		return Classify(fmt.Errorf("record load %s: %w", l.FileName, err))
	}
	if err := b.Append(l.ID, l.Seq, eventNo, l.FileName, l.FilePath, l.SHA256, l.Kind, l.RowsRead, l.RowsLoaded,
		l.RowsRejected, l.Status, l.Message, l.StartedAt, l.FinishedAt); err != nil {
		_ = b.Abort()
		return fmt.Errorf("record load %s: %w", l.FileName, err)
	}
	if err := b.Send(); err != nil {
		return Classify(fmt.Errorf("record load %s: %w", l.FileName, err))
	}
	return nil
}

// Heartbeat records a sign of life of a running load (migration 004).
func (db *DB) Heartbeat(ctx context.Context, loadID string, at time.Time) error {
	b, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("load_heartbeat_insert"))
	if err != nil {
		return Classify(fmt.Errorf("record a heartbeat of load %s: %w", loadID, err))
	}
	if err := b.Append(loadID, at.UTC().Truncate(time.Second)); err != nil {
		_ = b.Abort()
		return fmt.Errorf("record a heartbeat of load %s: %w", loadID, err)
	}
	return Classify(b.Send())
}

// AbandonedLoads lists the loads still 'running' that have given no sign of
// life (start or heartbeat) for staleAfter: killed, or cut off.
func (db *DB) AbandonedLoads(ctx context.Context, staleAfter time.Duration) ([]Load, error) {
	return db.queryLoads(ctx, sqlText("loads_abandoned"), int64(staleAfter/time.Second))
}

// MarkAbandoned gives an abandoned load its final event: failed, with the
// reason. Event 2, after the loader's own end event (1), so that the loads
// view shows it.
func (db *DB) MarkAbandoned(ctx context.Context, l Load, reason string, now time.Time) error {
	now = now.UTC().Truncate(time.Second)
	l.Status, l.Message, l.FinishedAt = StatusFailed, reason, &now
	return db.RecordLoad(ctx, l, 2)
}

// MarkedFailed reports whether a load has a failed event (cleanup marked
// it abandoned): its loader must then not commit it.
func (db *DB) MarkedFailed(ctx context.Context, loadID string) (bool, error) {
	var n uint64
	if err := db.conn.QueryRow(ctx, sqlText("load_marked_failed"), loadID).Scan(&n); err != nil {
		return false, Classify(fmt.Errorf("read the status of load %s: %w", loadID, err))
	}
	return n > 0, nil
}

// FailedRows lists the failed loads that still have rows in a kind's storage table.
func (db *DB) FailedRows(ctx context.Context, kind string) ([]uint64, error) {
	table, err := RowsTable(kind)
	if err != nil {
		return nil, err
	}
	return queryColumn[uint64](ctx, db, "find the rows of failed loads in "+table, expand(failedRowsTmpl, map[string]string{"Table": table}))
}

// queryColumn runs a query of one column and returns its values; what says
// what the query is for, in its errors.
func queryColumn[T any](ctx context.Context, db *DB, what, query string, args ...any) ([]T, error) {
	rows, err := db.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("%s: %w", what, err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, Classify(fmt.Errorf("%s: %w", what, err))
	}
	return out, nil
}

// DeleteFailedRows deletes the stored rows of the given failed loads from a
// kind's storage table. ClickHouse applies the deletion in the background;
// no reader ever showed these rows.
func (db *DB) DeleteFailedRows(ctx context.Context, kind string, seqs []uint64) error {
	table, err := RowsTable(kind)
	if err != nil || len(seqs) == 0 {
		return err
	}
	if db.cluster != nil && isSharded(table) { // a mutation runs on each shard's own part
		for _, n := range db.cluster.nodes {
			if err := n.conn.Exec(ctx, expand(failedRowsDeleteTmpl, map[string]string{"Table": localTable(table)}), seqs); err != nil {
				return Classify(fmt.Errorf("delete the rows of failed loads from %s on %s: %w", localTable(table), n.addr, err))
			}
		}
		return nil
	}
	if err := db.conn.Exec(ctx, expand(failedRowsDeleteTmpl, map[string]string{"Table": table}), seqs); err != nil {
		return Classify(fmt.Errorf("delete the rows of failed loads from %s: %w", table, err))
	}
	return nil
}

// ReclaimSuperseded deletes a kind's stored rows superseded by a load that
// committed more than keep ago, and says how many there were. ClickHouse
// applies the deletion in the background; nothing visible changes.
func (db *DB) ReclaimSuperseded(ctx context.Context, kind string, keep time.Duration) (uint64, error) {
	table, err := RowsTable(kind)
	if err != nil {
		return 0, err
	}
	data := map[string]string{"Table": table}
	seconds := int64(keep / time.Second)
	var n uint64
	if err := db.conn.QueryRow(ctx, expand(reclaimCountTmpl, data), kind, seconds).Scan(&n); err != nil {
		return 0, Classify(fmt.Errorf("count the superseded rows of %s: %w", table, err))
	}
	if n == 0 {
		return 0, nil // no mutation: it would rewrite parts for nothing
	}
	if db.cluster != nil && isSharded(table) {
		// A mutation on a shard cannot read the primary's superseded_rows:
		// the primary reads the rows, and each shard deletes them by value.
		if err := db.reclaimOnShards(ctx, kind, table, seconds); err != nil {
			return 0, err
		}
		return n, nil
	}
	if err := db.conn.Exec(ctx, expand(reclaimDeleteTmpl, data), kind, seconds); err != nil {
		return 0, Classify(fmt.Errorf("delete the superseded rows of %s: %w", table, err))
	}
	return n, nil
}

// CommittedLoadBySHA finds the newest committed load of the same kind whose
// file had this sha256, or returns nil.
func (db *DB) CommittedLoadBySHA(ctx context.Context, kind, sha string) (*Load, error) {
	rows, err := db.queryLoads(ctx, sqlText("load_committed_by_sha"), sha, kind)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// RecentLoads lists the newest loads first.
func (db *DB) RecentLoads(ctx context.Context, limit int) ([]Load, error) {
	return db.queryLoads(ctx, sqlText("loads_recent"), limit)
}

func (db *DB) queryLoads(ctx context.Context, query string, args ...any) ([]Load, error) {
	rows, err := db.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, Classify(fmt.Errorf("read loads: %w", err))
	}
	defer rows.Close()
	var out []Load
	for rows.Next() {
		var l Load
		if err := rows.Scan(&l.ID, &l.Seq, &l.FileName, &l.FilePath, &l.SHA256, &l.Kind, &l.RowsRead, &l.RowsLoaded,
			&l.RowsRejected, &l.Status, &l.Message, &l.StartedAt, &l.FinishedAt); err != nil {
			return nil, fmt.Errorf("read loads: %w", err)
		}
		out = append(out, l)
	}
	return out, Classify(rows.Err())
}

// DataVersion is the seq of the newest committed load (0 with none). Every
// completed load advances it, so caches can be keyed by it.
func (db *DB) DataVersion(ctx context.Context) (uint64, error) {
	a, err := db.DataAsOf(ctx)
	return a.Version, err
}

// DataAsOf says which data is current: the newest committed version, how
// many loads have committed, and when the newest finished (zero time when
// nothing is loaded).
func (db *DB) DataAsOf(ctx context.Context) (DataAsOf, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	rows, err := db.conn.Query(ctx, expand(dataAsOfTmpl, nil))
	if err != nil {
		return DataAsOf{}, Classify(fmt.Errorf("read data version: %w", err))
	}
	defer rows.Close()
	var a DataAsOf
	var states []kindState
	built := map[kindSnap]uint64{} // the smallest built build of each kind and state
	type rangeRow struct {
		snap, build uint64
		r           DataRange
	}
	var ranges []rangeRow
	for rows.Next() {
		var row, kind, years string
		var summed, ranged uint8
		var version, commits, events, snap, build uint64
		var loadedAt time.Time
		var r DataRange
		if err := rows.Scan(&row, &kind, &summed, &ranged, &version, &commits, &loadedAt, &events, &snap, &build, &r.FirstMonth, &r.LastMonth, &r.Areas, &years); err != nil {
			return DataAsOf{}, fmt.Errorf("read data version: %w", err)
		}
		switch row {
		case "load":
			a.Version, a.Commits, a.Events = max(a.Version, version), a.Commits+commits, a.Events+events
			if loadedAt.After(a.LoadedAt) {
				a.LoadedAt = loadedAt
			}
			if ranged != 0 {
				a.rangeSnap += snap // a sum of hashes, as the state of several kinds' loads is (wrapping)
			}
			if kind == "areas" {
				a.areasLoad = version
			}
			if summed != 0 && commits > 0 {
				states = append(states, kindState{kind: kind, snap: snap})
			}
		case "built":
			built[kindSnap{kind, snap}] = build
		case rangeKind:
			r.settle(years)
			ranges = append(ranges, rangeRow{snap: snap, build: build, r: r})
		}
	}
	if err := rows.Err(); err != nil {
		return DataAsOf{}, Classify(fmt.Errorf("read data version: %w", err))
	}
	a.areasKnown = true
	for i, s := range states {
		states[i].build = built[kindSnap{s.kind, s.snap}]
	}
	a.built = built
	slices.SortFunc(states, func(x, y kindState) int { return strings.Compare(x.kind, y.kind) })
	// The range read is the smallest build named as the data's state.
	if b, ok := built[kindSnap{rangeKind, a.rangeSnap}]; ok && a.rangeSnap != 0 {
		for i := range ranges {
			if ranges[i].snap == a.rangeSnap && ranges[i].build == b {
				a.rangeBuilt = &ranges[i].r
			}
		}
	}
	if a.LoadedAt.Unix() <= 0 {
		a.LoadedAt = time.Time{}
	}
	a.LoadedAt = a.LoadedAt.UTC()
	a.withStates(states)
	return a, nil
}

// AreaCodes returns the codes of the currently loaded areas.
func (db *DB) AreaCodes(ctx context.Context) (map[string]struct{}, error) {
	list, err := queryColumn[string](ctx, db, "read area codes", sqlText("area_codes"))
	if err != nil {
		return nil, err
	}
	codes := make(map[string]struct{}, len(list))
	for _, c := range list {
		codes[c] = struct{}{}
	}
	return codes, nil
}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// RowsTable is the storage table of a kind (areas -> areas_rows; the
// published files' kinds -> workforce_published_rows, appointments_published_rows).
func RowsTable(kind string) (string, error) {
	switch kind {
	case "areas", "activity", "training", "outcomes", "funding":
		return kind + "_rows", nil
	case "pcn_workforce":
		return "workforce_published_rows", nil
	case "gpad":
		return "appointments_published_rows", nil
	}
	return "", fmt.Errorf("unknown kind %q", kind)
}

func checkIdentifiers(names []string) error {
	for _, n := range names {
		if !identifier.MatchString(n) {
			return fmt.Errorf("invalid column name %q", n)
		}
	}
	return nil
}

// PrepareRows starts a native insert into a kind's storage table, to be
// sent in blocks (Flush) and ended by Send. Its columns are load_seq, line,
// then the given columns in that order. The server gathers the blocks into
// parts of at least partRows rows (min_insert_block_size_rows; 0 leaves the
// server's setting, 1,048,576 by default), holding that many in memory.
func (db *DB) PrepareRows(ctx context.Context, kind string, columns []string, partRows int) (driver.Batch, error) {
	table, err := RowsTable(kind)
	if err != nil {
		return nil, err
	}
	if err := checkIdentifiers(columns); err != nil {
		return nil, err
	}
	q := expand(rowsInsertTmpl, map[string]string{"Table": table, "Columns": strings.Join(columns, ", ")})
	ctx = batchContext(ctx)
	if partRows > 0 {
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"min_insert_block_size_rows": partRows}))
	}
	b, err := db.conn.PrepareBatch(ctx, q)
	if err != nil {
		return nil, Classify(fmt.Errorf("prepare insert into %s: %w", table, err))
	}
	return b, nil
}

// PrepareRejects starts a batch into reject_rows (load_id, line, column, value, reason).
func (db *DB) PrepareRejects(ctx context.Context) (driver.Batch, error) {
	b, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("reject_rows_insert"))
	if err != nil {
		return nil, Classify(fmt.Errorf("prepare insert into reject_rows: %w", err))
	}
	return b, nil
}

var (
	duplicateKeysTmpl    = template.Must(template.New("dup").Parse(sqlText("duplicate_keys")))
	duplicateCountTmpl   = template.Must(template.New("dupcount").Parse(sqlText("duplicate_count")))
	rowsCopyTmpl         = template.Must(template.New("copy").Parse(sqlText("rows_copy")))
	rowsInsertTmpl       = template.Must(template.New("insert").Parse(sqlText("rows_insert")))
	supersedeTmpl        = template.Must(template.New("supersede").Parse(sqlText("supersede")))
	supersededByTmpl     = template.Must(template.New("supersededby").Parse(sqlText("superseded_by_later")))
	failedRowsTmpl       = template.Must(template.New("failedrows").Parse(sqlText("failed_rows")))
	reclaimCountTmpl     = template.Must(template.New("reclaimcount").Parse(sqlText("superseded_reclaim_count")))
	reclaimDeleteTmpl    = template.Must(template.New("reclaimdelete").Parse(sqlText("superseded_reclaim_delete")))
	failedRowsDeleteTmpl = template.Must(template.New("failedrowsdelete").Parse(sqlText("failed_rows_delete")))
	supersedePartsTmpl   = template.Must(template.New("supersedeparts").Parse(sqlText("supersede_parts")))
)

func expand(t *template.Template, data any) string {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		panic(err) // templates and their data are fixed in code
	}
	return buf.String()
}

// Duplicate is a natural key that appears on more than one line of a load.
type Duplicate struct {
	Lines []uint32 // ascending
	Key   []string // the key's values, months as YYYY-MM
}

// DuplicateKeys finds natural keys written more than once by the load seq.
// monthColumns name the key columns of type Date, shown as YYYY-MM.
func (db *DB) DuplicateKeys(ctx context.Context, kind string, key []string, monthColumns map[string]bool, seq uint64, fn func(Duplicate) error) error {
	table, err := RowsTable(kind)
	if err != nil {
		return err
	}
	if err := checkIdentifiers(key); err != nil {
		return err
	}
	// Fast path: when the keys' hashes are all distinct, so are the keys. Only
	// a repeated hash (a duplicate, or rarely a collision) needs the exact query.
	var repeated int64
	q := expand(duplicateCountTmpl, map[string]string{"Table": table, "Key": strings.Join(key, ", ")})
	if err := db.conn.QueryRow(ctx, q, seq).Scan(&repeated); err != nil {
		return Classify(fmt.Errorf("count duplicate keys in %s: %w", table, err))
	}
	if repeated == 0 {
		return nil
	}
	texts := make([]string, len(key))
	for i, k := range key {
		if monthColumns[k] {
			texts[i] = "substring(toString(" + k + "), 1, 7)"
		} else {
			texts[i] = "toString(" + k + ")"
		}
	}
	q = expand(duplicateKeysTmpl, map[string]string{"Table": table, "Key": strings.Join(key, ", "), "KeyText": strings.Join(texts, ", ")})
	rows, err := db.conn.Query(ctx, q, seq)
	if err != nil {
		return Classify(fmt.Errorf("find duplicate keys in %s: %w", table, err))
	}
	defer rows.Close()
	for rows.Next() {
		var d Duplicate
		if err := rows.Scan(&d.Lines, &d.Key); err != nil {
			return fmt.Errorf("find duplicate keys: %w", err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return Classify(rows.Err())
}

// CopyRowsWithoutDuplicates copies the rows of load fromSeq to load toSeq,
// leaving out every row whose natural key appears more than once. A partial
// load whose duplicates were found after insertion is committed under toSeq,
// so none of the duplicated lines is ever visible.
func (db *DB) CopyRowsWithoutDuplicates(ctx context.Context, kind string, columns, key []string, fromSeq, toSeq uint64) error {
	table, err := RowsTable(kind)
	if err != nil {
		return err
	}
	if err := checkIdentifiers(append(append([]string{}, columns...), key...)); err != nil {
		return err
	}
	q := expand(rowsCopyTmpl, map[string]string{"Table": table, "Columns": strings.Join(columns, ", "), "Key": strings.Join(key, ", ")})
	if err := db.conn.Exec(ctx, q, toSeq, fromSeq, fromSeq); err != nil {
		return Classify(fmt.Errorf("copy rows of %s: %w", table, err))
	}
	return nil
}

// Supersede records, before load seq commits, which rows its rows replace
// and which of its rows later loads already replace (migration 003): readers
// keep a committed row unless a committed load supersedes it. It runs once
// the load's rows are all in (after any copy without duplicates), a year of
// months at a time, so that the server holds a bounded set of keys.
func (db *DB) Supersede(ctx context.Context, kind string, key []string, seq uint64) error {
	table, err := RowsTable(kind)
	if err != nil || kind == "areas" {
		return fmt.Errorf("supersede: %q has no natural key to supersede (%v)", kind, err)
	}
	if err := checkIdentifiers(key); err != nil {
		return err
	}
	partOf := "toYear(month)"
	if kind == "funding" {
		partOf = "toUInt16(0)"
	}
	data := map[string]string{"Table": table, "Key": strings.Join(key, ", "), "PartOf": partOf, "Part": partOf + " = ?"}
	parts, err := queryColumn[uint16](ctx, db, fmt.Sprintf("supersede: read the years of load %d", seq), expand(supersedePartsTmpl, data), seq, seq)
	if err != nil {
		return err
	}
	older, later := expand(supersedeTmpl, data), expand(supersededByTmpl, data)
	for _, p := range parts {
		if err := db.conn.Exec(ctx, older, seq, seq, p, kind, seq, p); err != nil {
			return Classify(fmt.Errorf("supersede: earlier %s rows by load %d (part %d): %w", kind, seq, p, err))
		}
		if err := db.conn.Exec(ctx, later, seq, p, seq, p, kind); err != nil {
			return Classify(fmt.Errorf("supersede: %s rows of load %d by later loads (part %d): %w", kind, seq, p, err))
		}
	}
	return nil
}

// Exec runs a statement; for tests and tools that need raw access.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	return Classify(db.conn.Exec(ctx, query, args...))
}

// QueryRow runs a single-row query; for tests and tools that need raw access.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	return db.conn.QueryRow(ctx, query, args...)
}

// Query runs a query; for tests and tools that need raw access.
func (db *DB) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	rows, err := db.conn.Query(ctx, query, args...)
	return rows, Classify(err)
}
