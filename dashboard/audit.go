package dashboard

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"spdash/queries"
)

// Auditor records who did what: each event at once as a structured log line
// ("audit"), and in ClickHouse's audit table in batches, at most a second
// later (one insert a second, not one per download, keeps small parts off
// the server). An event that cannot be stored is still in the log, and the
// failure is logged as an error.
type Auditor struct {
	db  *queries.DB
	log *slog.Logger

	mu      sync.Mutex
	pending []queries.AuditEvent
	timer   *time.Timer // set while a flush is due
	closed  bool
}

// auditDelay is how long an event waits for others to share its insert;
// maxPending bounds the events held (beyond it they are only logged).
const (
	auditDelay = time.Second
	maxPending = 10_000
)

// NewAuditor stores events through db: a connection that may insert into
// audit (the dashboard's read-only user may not; see docs/ACCESS.md). With a
// nil db, events go to the log only.
func NewAuditor(db *queries.DB, log *slog.Logger) *Auditor {
	if log == nil {
		log = slog.Default()
	}
	return &Auditor{db: db, log: log}
}

// Record logs an event and queues it for the table.
func (a *Auditor) Record(e queries.AuditEvent) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	a.log.Info("audit", "action", e.Action, "actor", e.Actor, "role", e.Role, "object", e.Object,
		"outcome", e.Outcome, "detail", e.Detail, "client", e.Client, "id", e.RequestID)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || len(a.pending) >= maxPending {
		a.log.Error("audit event not stored in ClickHouse: kept only in this log", "action", e.Action, "actor", e.Actor, "id", e.RequestID)
		return
	}
	if a.db == nil {
		return
	}
	a.pending = append(a.pending, e)
	if a.timer == nil {
		a.timer = time.AfterFunc(auditDelay, func() { a.flush(context.Background()) })
	}
}

// Flush stores what is pending now.
func (a *Auditor) Flush(ctx context.Context) {
	a.flush(ctx)
}

// Close stores what is pending; later events are only logged.
func (a *Auditor) Close(ctx context.Context) {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.flush(ctx)
}

func (a *Auditor) flush(ctx context.Context) {
	a.mu.Lock()
	events := a.pending
	a.pending = nil
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	a.mu.Unlock()
	if len(events) == 0 || a.db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.db.InsertAudit(ctx, events); err != nil {
		a.log.Error("audit events not stored in ClickHouse: they are in this log's audit lines", "events", len(events), "err", err)
	}
}

// record is Record for a request.
func (a *Auditor) record(c echo.Context, p *principal, action, object, outcome, detail string) {
	a.Record(queries.AuditEvent{Actor: p.Name, Role: string(p.Role), Action: action, Object: clip(object, 2048),
		Outcome: outcome, Detail: detail, Client: clientOf(c), RequestID: c.Response().Header().Get(echo.HeaderXRequestID)})
}

// clientOf is the client address the access step worked out.
func clientOf(c echo.Context) string {
	if a, ok := c.Get("client").(string); ok {
		return a
	}
	return c.Request().RemoteAddr
}
