INSERT INTO current_builds (kind, snap, build, event, at)
