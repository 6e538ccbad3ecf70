-- Training stocks per area and module at the period's latest month, summed
-- per PCN first (see metrics_activity.sql).
SELECT
    code,
    toString(module) AS module,
    sum(ip) AS in_post,
    sum(tr) AS trained
FROM (
    SELECT area_code, module, sum(staff_in_post) AS ip, sum(staff_trained) AS tr
    FROM training_rows
    WHERE {{template "current" "training"}}
      AND month = toDate(@to)
      {{if .Where}}AND {{template "in_place" .}}{{end}}
    GROUP BY area_code, module
) AS current_rows
{{template "to_level" .}}
GROUP BY code, module
