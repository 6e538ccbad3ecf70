SELECT max(seq) FROM load_log WHERE status IN ('loaded', 'partial')
