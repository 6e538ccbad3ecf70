INSERT INTO {{.Table}} (load_seq, line, {{.Columns}})
