-- How many stored rows the given loads supersede (migration 003): none, and
-- their sums can extend the current rows' build (queries.DB.ExtendCurrent).
SELECT count() FROM superseded_rows WHERE has(?, by_seq)
