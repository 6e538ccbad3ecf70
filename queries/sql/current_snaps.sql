-- Each summed kind's state at @version and the build to read (migration
-- 007; a kind with no load committed by then has no row).
SELECT kind, snap, build
FROM {{template "kind_states"}}
ORDER BY kind
