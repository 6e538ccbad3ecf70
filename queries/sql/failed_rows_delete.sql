-- Delete the stored rows of failed loads (a mutation: the server rewrites
-- the parts that hold them in the background). Nothing visible changes.
ALTER TABLE {{.Table}} DELETE WHERE has(?, load_seq)
