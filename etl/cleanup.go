package etl

import (
	"context"
	"fmt"
	"io"
	"time"

	"spdash/queries"
)

// DefaultStaleAfter is how long a load may give no sign of life before it
// counts as abandoned: many heartbeats (HeartbeatEvery) long.
const DefaultStaleAfter = 10 * time.Minute

// MarkAbandoned gives every load still 'running' without a sign of life
// for staleAfter its final event, failed, and says so on out. Their rows
// were never visible and stay invisible.
func MarkAbandoned(ctx context.Context, db *queries.DB, staleAfter time.Duration, out io.Writer) ([]queries.Load, error) {
	loads, err := db.AbandonedLoads(ctx, staleAfter)
	if err != nil {
		return nil, fmt.Errorf("find abandoned loads: %w", err)
	}
	now := time.Now()
	for _, l := range loads {
		reason := fmt.Sprintf("abandoned: no sign of life for over %s (the process was killed or lost its connection); nothing of it was visible", staleAfter)
		if err := db.MarkAbandoned(ctx, l, reason, now); err != nil {
			return nil, fmt.Errorf("mark load %s failed: %w", l.ID, err)
		}
		fmt.Fprintf(out, "%s (%s, started %s UTC): marked failed, %s\n", l.FileName, l.Kind, l.StartedAt.UTC().Format("2006-01-02 15:04:05"), reason)
	}
	return loads, nil
}

// DefaultKeep is how long rows superseded by a committed load are kept:
// far longer than any answer takes to read a version (a query times out in
// seconds).
const DefaultKeep = time.Hour

// Cleanup marks abandoned loads failed, then deletes the stored rows of
// every failed load (rows no reader ever showed) and the rows superseded by
// a load committed more than keep ago, kind by kind. ClickHouse applies the
// deletions in the background; nothing visible changes. Last, it drops
// what a stopped build of the analysts' views' rows left (its table, its
// lock) and brings those rows to the newest loads if the last load did not
// (migration 012).
func Cleanup(ctx context.Context, db *queries.DB, staleAfter, keep time.Duration, out io.Writer) error {
	if _, err := MarkAbandoned(ctx, db, staleAfter, out); err != nil {
		return err
	}
	deleted := 0
	for _, k := range Kinds {
		seqs, err := db.FailedRows(ctx, k.Name)
		if err != nil {
			return err
		}
		if len(seqs) == 0 {
			continue
		}
		if err := db.DeleteFailedRows(ctx, k.Name, seqs); err != nil {
			return err
		}
		deleted += len(seqs)
		fmt.Fprintf(out, "%s: deleting the stored rows of %d failed loads (in the background)\n", k.Name, len(seqs))
	}
	if deleted == 0 {
		fmt.Fprintln(out, "no rows of failed loads to delete")
	}
	for _, k := range Kinds {
		if k.Name == "areas" {
			continue // each areas load replaces the last whole; its old rows are few
		}
		n, err := db.ReclaimSuperseded(ctx, k.Name, keep)
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintf(out, "%s: deleting %d rows superseded more than %s ago (in the background)\n", k.Name, n, keep)
		}
	}
	n, err := db.ReclaimBuilds(ctx, keep)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "deleting %d builds of the current rows no reader reads (in the background)\n", n)
	}
	// The analysts' views' rows (migration 012): a swap's lock and a
	// build's table that a stopped process left (by fixed ages, not keep:
	// a small keep must not take a live build's), and a build a stopped
	// loader did not make.
	n, err = db.DropStaleNewestLocks(ctx, queries.StaleNewestLock)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "released %d locks of the analysts' views' swaps held since a process stopped\n", n)
	}
	n, err = db.DropStaleNewestStages(ctx, queries.StaleNewestBuild)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "dropped %d tables of builds of the analysts' views' rows that were stopped\n", n)
	}
	built, err := db.BuildNewest(ctx)
	if err != nil {
		return err
	}
	for _, b := range built {
		if b.How != queries.NewestUnchanged {
			fmt.Fprintf(out, "%s: brought the analysts' view to the newest loads (it was not after the last load)\n", b.Kind)
		}
	}
	return nil
}
