SELECT arraySort(groupArray(line)) AS lines, [{{.KeyText}}] AS key
FROM {{.Table}}
WHERE load_seq = ?
GROUP BY {{.Key}}
HAVING count() > 1
ORDER BY lines[1]
