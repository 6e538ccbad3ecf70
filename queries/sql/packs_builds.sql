-- The builds that have packs (migration 014), for cleanup: a build's
-- 'started' event is written before its packs, so a build listed here
-- before the events are read has events unless cleanup forgot it.
SELECT DISTINCT build FROM current_packs
