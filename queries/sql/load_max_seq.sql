SELECT max(seq) FROM load_log
