package queries

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Cluster mode (issue 17, docs/DEPLOYMENT.md "Cluster mode"): the storage
// tables of the facts (returns and published files) are sharded over the
// nodes of a ClickHouse cluster by cityHash64(area_code), through
// ClickHouse's own Distributed engine; everything else (the load history,
// the areas, the superseded pairs, the audit) lives on one node, the
// primary, the one spdash connects to.
//
// That split is what keeps a load all-or-nothing across shards: a load's
// rows are inserted through the Distributed table with
// insert_distributed_sync=1 (on every shard when the insert returns, or an
// error), and its commit stays the single-row insert into the primary's
// load_log. Every subquery a statement runs over the primary's tables is
// GLOBAL IN in cluster mode (globalize): the primary evaluates it once and
// sends the set to the shards, so a shard never needs the load history,
// and what a shard shows is decided by the primary's commit alone. A shard
// stopped during a load fails the insert; nothing is committed; the same
// command completes once it is back.

//go:embed cluster_sql/*.sql
var clusterSQL embed.FS

// clusterText is a cluster-only statement, tagged like sqlText's.
func clusterText(name string) string {
	b, err := clusterSQL.ReadFile("cluster_sql/" + name + ".sql")
	if err != nil {
		panic(fmt.Sprintf("queries: missing embedded cluster_sql/%s.sql", name))
	}
	return StatementTag + "cluster_sql/" + name + ".sql\n" + string(b)
}

// shardedTables are the storage tables a cluster shards by area code.
var shardedTables = []string{"activity_rows", "training_rows", "outcomes_rows", "funding_rows",
	"workforce_published_rows", "appointments_published_rows"}

// localTable is the name of a sharded table's local part on each node.
func localTable(table string) string { return table + "_local" }

func isSharded(table string) bool { return slices.Contains(shardedTables, table) }

// clusterOf is what a DB in cluster mode knows of its cluster.
type clusterOf struct {
	name  string
	nodes []*DB // every node, for the shards' DDL and mutations; the primary is one of them
}

// inSubquery finds the IN and NOT IN subqueries globalize makes GLOBAL.
var inSubquery = regexp.MustCompile(`(?i)\b(GLOBAL\s+)?(NOT\s+)?IN\s*\(\s*SELECT\b`)

// globalize makes every IN (SELECT …) of a statement GLOBAL IN: in cluster
// mode the subqueries read the primary's own tables (load_log, the areas,
// superseded_rows), which the shards do not have, and a sharded table's
// keys, whose whole set the primary gathers once.
func globalize(q string) string {
	return inSubquery.ReplaceAllStringFunc(q, func(m string) string {
		upper := strings.ToUpper(m)
		if strings.HasPrefix(upper, "GLOBAL") {
			return m // already GLOBAL: the same statement globalized twice is unchanged
		}
		if strings.HasPrefix(upper, "NOT") {
			return "GLOBAL NOT IN (SELECT"
		}
		return "GLOBAL IN (SELECT"
	})
}

// globalConn is the primary's connection in cluster mode: every statement's
// IN subqueries are GLOBAL (globalize).
type globalConn struct{ driver.Conn }

func (c globalConn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	return c.Conn.Query(ctx, globalize(query), args...)
}

func (c globalConn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	return c.Conn.QueryRow(ctx, globalize(query), args...)
}

func (c globalConn) Exec(ctx context.Context, query string, args ...any) error {
	return c.Conn.Exec(ctx, globalize(query), args...)
}

// OpenCluster opens the database on the node of dsn, the primary, in
// cluster mode over the cluster named in its remote_servers, and connects to
// every other node of it with the same user and database (for the shards'
// tables and mutations). Inserts wait until they are on every shard
// (insert_distributed_sync).
func OpenCluster(ctx context.Context, dsn, cluster string, log *slog.Logger) (*DB, error) {
	if !identifier.MatchString(cluster) {
		return nil, fmt.Errorf("cluster name %q: use lower-case letters, digits and _", cluster)
	}
	if log == nil {
		log = slog.Default()
	}
	// The primary's statements wait until inserts are on every shard.
	db, err := open(ctx, dsn, log, clickhouse.Settings{"insert_distributed_sync": 1})
	if err != nil {
		return nil, err
	}
	nodes, err := clusterNodes(ctx, db, cluster)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := checkShardedEngines(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	primaryHost, primaryPort, err := dsnHostPort(dsn)
	if err != nil {
		db.Close()
		return nil, err
	}
	primaryIPs, _ := net.LookupHost(primaryHost)
	primaryIPs = append(primaryIPs, primaryHost)
	c := &clusterOf{name: cluster}
	found := false
	for _, n := range nodes {
		isPrimary := n.port == primaryPort && slices.Contains(primaryIPs, n.host)
		if isPrimary {
			found = true
			c.nodes = append(c.nodes, &DB{conn: db.conn, database: db.database, addr: db.addr, log: log})
			continue
		}
		nodeDSN, err := withHost(dsn, net.JoinHostPort(n.host, strconv.Itoa(n.port)))
		if err != nil {
			db.Close()
			c.close()
			return nil, err
		}
		ndb, err := Open(ctx, nodeDSN, log)
		if err != nil {
			db.Close()
			c.close()
			return nil, fmt.Errorf("cluster %s, node %s:%d: %w", cluster, n.host, n.port, err)
		}
		c.nodes = append(c.nodes, ndb)
	}
	if !found {
		db.Close()
		c.close()
		return nil, fmt.Errorf("cluster %s: the server of the DSN (%s:%d) is not one of its nodes; connect to one of them", cluster, primaryHost, primaryPort)
	}
	// Its statements' subqueries are GLOBAL; the shards' DDL and mutations
	// go through the nodes' connections (the primary's among them), as written.
	db.conn = globalConn{db.conn}
	db.cluster = c
	log.Info("cluster mode", "cluster", cluster, "nodes", len(c.nodes), "primary", db.addr)
	return db, nil
}

func (c *clusterOf) close() {
	for _, n := range c.nodes {
		if n != nil {
			n.conn.Close()
		}
	}
}

type node struct {
	host string
	port int
}

// clusterNodes lists the cluster's nodes from the primary's system.clusters.
func clusterNodes(ctx context.Context, db *DB, cluster string) ([]node, error) {
	rows, err := db.conn.Query(ctx, clusterText("cluster_nodes"), cluster)
	if err != nil {
		return nil, Classify(fmt.Errorf("cluster %s: read its nodes: %w", cluster, err))
	}
	defer rows.Close()
	var out []node
	for rows.Next() {
		var host string
		var port uint16
		if err := rows.Scan(&host, &port); err != nil {
			return nil, fmt.Errorf("cluster %s: %w", cluster, err)
		}
		out = append(out, node{host: host, port: int(port)})
	}
	if err := rows.Err(); err != nil {
		return nil, Classify(err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("cluster %s is not in the server's remote_servers (system.clusters): name a cluster it has, or leave --cluster out", cluster)
	}
	return out, nil
}

func dsnHostPort(dsn string) (string, int, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", 0, fmt.Errorf("clickhouse DSN %q: %w", redact(dsn), err)
	}
	host, port := u.Hostname(), u.Port()
	if strings.Contains(u.Host, ",") {
		return "", 0, fmt.Errorf("cluster mode: the DSN names several servers; name one node of the cluster")
	}
	if port == "" {
		port = "9000"
	}
	p, err := strconv.Atoi(port)
	return host, p, err
}

func withHost(dsn, hostPort string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("clickhouse DSN %q: %w", redact(dsn), err)
	}
	u.Host = hostPort
	return u.String(), nil
}

// Cluster names the cluster in cluster mode, or "".
func (db *DB) Cluster() string {
	if db.cluster == nil {
		return ""
	}
	return db.cluster.name
}

// createTable matches a migration's CREATE TABLE of a storage table.
var createTable = regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS ([a-z_]+) \(`)

// clusterStatements rewrites a migration statement for cluster mode: a
// sharded storage table becomes its local part on every node (shard) and a
// Distributed table of the same name on the primary; every other statement
// runs on the primary alone (its connection makes the subqueries GLOBAL:
// the analysts' views too).
func (db *DB) clusterStatements(stmt string) (primary []string, shards []string) {
	m := createTable.FindStringSubmatch(stmt)
	if m == nil || !isSharded(m[1]) {
		return []string{stmt}, nil
	}
	table := m[1]
	local := strings.Replace(stmt, "CREATE TABLE IF NOT EXISTS "+table+" (", "CREATE TABLE IF NOT EXISTS "+localTable(table)+" (", 1)
	dist := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s AS %s ENGINE = Distributed(%s, %s, %s, cityHash64(area_code))",
		table, localTable(table), db.cluster.name, db.database, localTable(table))
	return []string{dist}, []string{local}
}

// migrateShards creates the sharded tables' local parts on every node, for
// every migration (CREATE TABLE IF NOT EXISTS: a node added to the cluster
// later gets them too, a node that has them is unchanged).
func (db *DB) migrateShards(ctx context.Context, ms []Migration) error {
	for _, m := range ms {
		for _, stmt := range m.Statements {
			_, shards := db.clusterStatements(stmt)
			for _, s := range shards {
				for _, n := range db.cluster.nodes {
					if err := n.conn.Exec(ctx, s); err != nil {
						return Classify(fmt.Errorf("cluster %s, node %s: migration %03d_%s: %w", db.cluster.name, n.addr, m.Version, m.Name, err))
					}
				}
			}
		}
	}
	return nil
}

// reclaimChunk is how many rows one mutation deletes by value: about 31
// bytes a pair, 155 KB a statement, under ClickHouse's default
// max_query_size (256 KiB), which applies to ALTER.
const reclaimChunk = 5_000

var (
	pairsDeleteTmpl     = template.Must(template.New("pairsdelete").Parse(clusterText("pairs_delete")))
	supersededPairsTmpl = template.Must(template.New("supersededpairs").Parse(clusterText("superseded_pairs")))
)

// reclaimOnShards deletes a kind's superseded rows (committed more than
// seconds ago) from every node's local part: the primary lists them, each
// node deletes them by value, a chunk per mutation (applied in the
// background, as on one server). A row on another shard than the one a
// mutation runs on is simply not there.
func (db *DB) reclaimOnShards(ctx context.Context, kind, table string, seconds int64) error {
	rows, err := db.conn.Query(ctx, expand(supersededPairsTmpl, map[string]string{"Table": table}), kind, seconds)
	if err != nil {
		return Classify(fmt.Errorf("read the superseded rows of %s: %w", table, err))
	}
	var pairs []string
	for rows.Next() {
		var seq uint64
		var line uint32
		if err := rows.Scan(&seq, &line); err != nil {
			rows.Close()
			return fmt.Errorf("read the superseded rows of %s: %w", table, err)
		}
		pairs = append(pairs, "("+strconv.FormatUint(seq, 10)+", "+strconv.FormatUint(uint64(line), 10)+")")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Classify(err)
	}
	for start := 0; start < len(pairs); start += reclaimChunk {
		part := pairs[start:min(start+reclaimChunk, len(pairs))]
		if len(part) == 1 { // IN ((a, b)) would read as IN (a, b): a list of two
			part = append(part, part[0])
		}
		chunk := strings.Join(part, ", ")
		q := expand(pairsDeleteTmpl, map[string]string{"Table": localTable(table), "Pairs": chunk})
		for _, n := range db.cluster.nodes {
			if err := n.conn.Exec(ctx, q); err != nil {
				return Classify(fmt.Errorf("delete the superseded rows of %s on %s: %w", localTable(table), n.addr, err))
			}
		}
	}
	return nil
}

// checkShardedEngines refuses a database whose fact tables were made
// without --cluster: they would stay on the primary, and cleanup would
// delete from the nodes' empty local parts.
func checkShardedEngines(ctx context.Context, db *DB) error {
	rows, err := db.conn.Query(ctx, clusterText("sharded_engines"), shardedTables)
	if err != nil {
		return Classify(fmt.Errorf("read the storage tables' engines: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var name, engine string
		if err := rows.Scan(&name, &engine); err != nil {
			return fmt.Errorf("read the storage tables' engines: %w", err)
		}
		if engine != "Distributed" {
			return fmt.Errorf("database %s was made without --cluster: its table %s is %s, not Distributed; cluster mode needs a database made with --cluster from the start (load the files again into an empty one; docs/DEPLOYMENT.md)", db.database, name, engine)
		}
	}
	return Classify(rows.Err())
}
