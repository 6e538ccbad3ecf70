INSERT INTO current_builds (snap, build, event, at)
