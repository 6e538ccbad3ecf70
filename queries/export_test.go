package queries

import "context"

// BuildAgain makes one more build of the current rows at version, as a
// second process building the same state at once would.
func BuildAgain(ctx context.Context, db *DB, version uint64) (uint64, error) {
	a, err := db.snapshot(ctx, version)
	if err != nil {
		return 0, err
	}
	return db.buildCurrent(ctx, a.snap, version)
}
