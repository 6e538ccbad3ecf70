package localch_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"spdash/queries/localch"
)

// Two local servers as two shards: a Distributed table spreads rows over
// both by the hash of the area code, an insert with insert_distributed_sync
// is on the shards when it returns, and a query through it whose subquery
// names a table without its database gets the answer one server would give
// (the shards' default_database, without which it fails on 18.16).
func TestClusterOfTwoShards(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := localch.StartCluster(ctx, t.TempDir(), "two_shards", "sharded", 2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	conns := make([]driver.Conn, len(c.Servers))
	for i, s := range c.Servers {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr()}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns[i] = conn
		for _, q := range []string{
			"CREATE DATABASE IF NOT EXISTS sharded",
			"CREATE TABLE sharded.rows_local (area_code String, v UInt32) ENGINE = MergeTree() ORDER BY area_code",
			"CREATE TABLE sharded.rows AS sharded.rows_local ENGINE = Distributed(two_shards, sharded, rows_local, cityHash64(area_code))",
			"CREATE TABLE sharded.areas (area_code String, icb String) ENGINE = MergeTree() ORDER BY area_code",
			"INSERT INTO sharded.areas (area_code, icb) SELECT concat('A', toString(number)), concat('I', toString(number % 4)) FROM system.numbers LIMIT 200",
		} {
			if err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("shard %d: %s: %v", i+1, q, err)
			}
		}
	}
	var clusterShards uint64
	if err := conns[0].QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = 'two_shards'").Scan(&clusterShards); err != nil || clusterShards != 2 {
		t.Fatalf("system.clusters: %d %v", clusterShards, err)
	}
	sync := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
	if err := conns[0].Exec(sync, "INSERT INTO sharded.rows (area_code, v) SELECT concat('A', toString(number)), 1 FROM system.numbers LIMIT 200"); err != nil {
		t.Fatal(err)
	}
	var total uint64
	for i, conn := range conns {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM sharded.rows_local").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 || n == 200 {
			t.Errorf("shard %d holds %d of 200 rows: not spread", i+1, n)
		}
		total += n
	}
	if total != 200 {
		t.Errorf("the shards hold %d rows, want the 200 inserted (insert_distributed_sync)", total)
	}
	var inI1 uint64
	q := "SELECT sum(v) FROM rows WHERE area_code IN (SELECT area_code FROM areas WHERE icb = 'I1')"
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{c.Servers[1].Addr()}, Auth: clickhouse.Auth{Database: "sharded", Username: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRow(ctx, q).Scan(&inI1); err != nil || inI1 != 50 {
		t.Errorf("through the Distributed table, from shard 2: %d %v, want the 50 rows of I1", inI1, err)
	}
}
