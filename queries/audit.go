package queries

import (
	"context"
	"fmt"
	"time"
)

// AuditEvent is one row of the audit table (migration 005).
type AuditEvent struct {
	At        time.Time
	Actor     string // the user; "anonymous" when sign-in is off; the OS user for a load
	Role      string
	Action    string // AuditLoad, AuditSignIn, …
	Object    string // what was acted on: a file, a URL
	Outcome   string // ok, refused, failed, …
	Detail    string
	Client    string // the client's address
	RequestID string
}

// The audited actions.
const (
	AuditLoad          = "load"
	AuditSignIn        = "sign_in"
	AuditSignInFailed  = "sign_in_failed"
	AuditSignOut       = "sign_out"
	AuditDownload      = "download"
	AuditDisclosureOff = "disclosure_off_view"
)

// InsertAudit stores events in one insert.
func (db *DB) InsertAudit(ctx context.Context, events []AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	b, err := db.conn.PrepareBatch(batchContext(ctx), sqlText("audit_insert"))
	if err != nil {
		return Classify(fmt.Errorf("store audit events: %w", err))
	}
	for _, e := range events {
		if err := b.Append(e.At.UTC().Truncate(time.Second), e.Actor, e.Role, e.Action, e.Object, e.Outcome, e.Detail, e.Client, e.RequestID); err != nil {
			_ = b.Abort()
			return fmt.Errorf("store audit events: %w", err)
		}
	}
	return Classify(b.Send())
}

// RecentAudit lists the newest events first.
func (db *DB) RecentAudit(ctx context.Context, limit int) ([]AuditEvent, error) {
	ctx, cancel := db.readContext(ctx)
	defer cancel()
	rows, err := db.conn.Query(ctx, sqlText("audit_recent"), limit)
	if err != nil {
		return nil, Classify(fmt.Errorf("read audit: %w", err))
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		if err := rows.Scan(&e.At, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Outcome, &e.Detail, &e.Client, &e.RequestID); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		out = append(out, e)
	}
	return out, Classify(rows.Err())
}
