SELECT at, actor, role, action, object, outcome, detail, client, request_id
FROM audit
ORDER BY at DESC, request_id DESC
LIMIT ?
