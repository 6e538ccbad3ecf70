-- Replace the whole of {{.Into}} (migration 012: one partition) by the
-- parts of {{.From}}, at once (hard links; nothing is copied): a build
-- starts from the table's content, and is swapped into it when done.
ALTER TABLE {{.Into}} REPLACE PARTITION tuple() FROM {{.From}}
