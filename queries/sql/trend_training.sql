-- The months' employment-support counts per area at the chosen level, for
-- the recent trend of work training coverage (METRICS.md): trained of in
-- post, each month. Joined to the level first, as the monthly extract's
-- statements are (summing per PCN and month first was slower there).
SELECT code, month, sum(staff_trained) AS trained, sum(staff_in_post) AS in_post
FROM (
    SELECT area_code, month, staff_trained, staff_in_post
    FROM training_rows
    WHERE {{template "current" "training"}}
      AND module = 'employment_support'
      AND month >= toDate(@from) AND month <= toDate(@to)
      AND {{template "in_place" .}}
) AS current_rows
{{template "to_level" .}}
GROUP BY code, month
