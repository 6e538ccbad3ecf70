package queries

import "context"

// BuildAgain makes one more build of a kind's current rows at version, as
// a second process building the same state at once would.
func BuildAgain(ctx context.Context, db *DB, kind string, version uint64) (uint64, error) {
	states, err := db.states(ctx, version)
	if err != nil {
		return 0, err
	}
	for _, s := range states {
		if s.kind == kind {
			return db.buildCurrent(ctx, kind, s.snap, version)
		}
	}
	return 0, nil
}
