-- The parts a load's supersede check runs in: the years of its months (the
-- storage tables' partitions), or one part for funding. Empty when no other
-- load of the kind has rows: nothing to supersede.
SELECT DISTINCT {{.PartOf}} AS part
FROM {{.Table}}
WHERE load_seq = ?
  AND (SELECT count() FROM (SELECT load_seq FROM {{.Table}} WHERE load_seq != ? LIMIT 1) AS other) > 0
ORDER BY part
