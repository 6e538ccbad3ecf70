INSERT INTO audit (at, actor, role, action, object, outcome, detail, client, request_id)
