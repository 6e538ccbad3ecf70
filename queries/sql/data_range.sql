SELECT
    (SELECT min(month) FROM activity) AS first_month,
    (SELECT max(month) FROM activity) AS last_month,
    (SELECT count() FROM areas) AS areas
