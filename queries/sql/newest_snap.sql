-- A kind's state at @version (current.sql "snapshot"): a build of its
-- newest rows checks it has not moved while it was made.
SELECT {{template "snapshot"}} AS snap FROM {{template "kind_loads"}}
