-- No merge of a kind's newest rows during a swap into them (migration
-- 012): on 18.16 a merge that finishes after a REPLACE PARTITION puts the
-- parts it merged back beside the new ones (every old row again). Under
-- the swap's lock; newest_merges_start.sql after it.
SYSTEM STOP MERGES {{.Table}}
