package etl

import (
	"context"
	"fmt"

	"spdash/queries"
)

// rejectSink writes the problems of a partial load to reject_rows, in batches.
// The rejects view shows them once the load is committed as partial.
type rejectSink struct {
	ctx     context.Context
	db      *queries.DB
	loadID  string
	enabled bool
	lines   []uint32
	cols    []string
	values  []string
	reasons []string
	err     error
}

const rejectBatchRows = 10_000

func newRejectSink(ctx context.Context, db *queries.DB, loadID string, enabled bool) (*rejectSink, error) {
	return &rejectSink{ctx: ctx, db: db, loadID: loadID, enabled: enabled}, nil
}

func (s *rejectSink) add(p Problem) {
	if !s.enabled || s.err != nil {
		return
	}
	s.lines = append(s.lines, uint32(p.Line))
	s.cols = append(s.cols, p.Column)
	s.values = append(s.values, p.Value)
	s.reasons = append(s.reasons, p.Reason)
	if len(s.lines) >= rejectBatchRows {
		s.err = s.flush()
	}
}

func (s *rejectSink) flush() error {
	if len(s.lines) == 0 {
		return nil
	}
	b, err := s.db.PrepareRejects(s.ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(s.lines))
	for i := range ids {
		ids[i] = s.loadID
	}
	for i, col := range []any{ids, s.lines, s.cols, s.values, s.reasons} {
		if err := b.Column(i).Append(col); err != nil {
			_ = b.Abort()
			return fmt.Errorf("record rejects: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return queries.Classify(fmt.Errorf("record rejects: %w", err))
	}
	s.lines, s.cols, s.values, s.reasons = s.lines[:0], s.cols[:0], s.values[:0], s.reasons[:0]
	return nil
}

func (s *rejectSink) close() error {
	if s.err != nil {
		return s.err
	}
	return s.flush()
}
