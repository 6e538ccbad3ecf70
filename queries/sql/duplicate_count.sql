SELECT count() - uniqExact(cityHash64({{.Key}})) FROM {{.Table}} WHERE load_seq = ?
