package queries

import (
	"strings"
	"testing"
)

func TestGlobalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"WHERE load_seq IN (SELECT seq FROM load_log)", "WHERE load_seq GLOBAL IN (SELECT seq FROM load_log)"},
		{"AND (load_seq, line) NOT IN (\n    SELECT load_seq, line FROM superseded_rows)", "AND (load_seq, line) GLOBAL NOT IN (SELECT load_seq, line FROM superseded_rows)"},
		{"status IN ('loaded', 'partial')", "status IN ('loaded', 'partial')"},
		{"x GLOBAL IN (SELECT 1)", "x GLOBAL IN (SELECT 1)"}, // twice is once
		{"has(?, load_seq) AND area_code in (select a FROM b)", "has(?, load_seq) AND area_code GLOBAL IN (SELECT a FROM b)"},
	} {
		if got := globalize(c.in); got != c.want {
			t.Errorf("globalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// In cluster mode a sharded storage table is a local part on every node and
// a Distributed table on the primary; anything else runs on the primary.
func TestClusterStatements(t *testing.T) {
	db := &DB{database: "spdash", cluster: &clusterOf{name: "shards"}}
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	sharded := map[string]bool{}
	for _, m := range ms {
		for _, stmt := range m.Statements {
			primary, shards := db.clusterStatements(stmt)
			if len(shards) == 0 {
				if len(primary) != 1 || primary[0] != stmt {
					t.Errorf("%03d: %.60q changed: %q", m.Version, stmt, primary)
				}
				continue
			}
			table := createTable.FindStringSubmatch(stmt)[1]
			sharded[table] = true
			if !strings.HasPrefix(shards[0], "CREATE TABLE IF NOT EXISTS "+table+"_local (") || !strings.Contains(shards[0], "ENGINE = MergeTree()") {
				t.Errorf("%s: local part %.120q", table, shards[0])
			}
			want := "CREATE TABLE IF NOT EXISTS " + table + " AS " + table + "_local ENGINE = Distributed(shards, spdash, " + table + "_local, cityHash64(area_code))"
			if len(primary) != 1 || primary[0] != want {
				t.Errorf("%s: primary %q, want %q", table, primary, want)
			}
		}
	}
	for _, table := range shardedTables {
		if !sharded[table] {
			t.Errorf("%s is never created by a migration", table)
		}
	}
	if sharded["areas_rows"] {
		t.Error("areas_rows is sharded: the primary keeps the areas whole")
	}
}
