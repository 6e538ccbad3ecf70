package queries

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema file, migrations/NNN_name.sql.
type Migration struct {
	Version    uint32
	Name       string
	Statements []string
}

var migrationName = regexp.MustCompile(`^(\d{3})_([a-z0-9_]+)\.sql$`)

// Migrations lists the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s: name must be NNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: uint32(v), Name: m[2], Statements: splitStatements(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %03d", out[i].Version)
		}
	}
	return out, nil
}

// splitStatements splits a file on semicolons that end a line, dropping
// comment-only lines. Migrations hold no string literals with ";\n".
func splitStatements(text string) []string {
	var stmts []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			stmts = append(stmts, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		stmts = append(stmts, s)
	}
	return stmts
}

// Migrate applies the migrations not yet recorded in schema_migrations and
// returns how many it applied. Re-running it is a no-op.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations()
	if err != nil {
		return 0, err
	}
	if err := db.conn.Exec(ctx, sqlText("schema_migrations_create")); err != nil {
		return 0, Classify(fmt.Errorf("create schema_migrations: %w", err))
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return 0, err
	}
	if db.cluster != nil {
		if err := db.migrateShards(ctx, ms); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := db.beforeMigration(ctx, m.Version); err != nil {
			return n, fmt.Errorf("before migration %03d_%s: %w", m.Version, m.Name, err)
		}
		for i, stmt := range m.Statements {
			stmts := []string{stmt}
			if db.cluster != nil { // the shards' tables are made above, for every migration
				stmts, _ = db.clusterStatements(stmt)
			}
			for _, s := range stmts {
				if err := db.conn.Exec(ctx, s); err != nil {
					return n, Classify(fmt.Errorf("migration %03d_%s statement %d: %w", m.Version, m.Name, i+1, err))
				}
			}
		}
		if err := db.conn.Exec(ctx, sqlText("schema_migrations_record"), m.Version, m.Name); err != nil {
			return n, Classify(fmt.Errorf("record migration %03d: %w", m.Version, err))
		}
		db.log.Info("applied migration", "version", m.Version, "name", m.Name)
		n++
	}
	return n, nil
}

// beforeMigration does what a migration needs done in Go first: before
// migration 013 points the analysts' views at the tables of migration 012,
// those are built (BuildNewest: a build like any after a load, from the
// state it reads, swapped in under its lock), whether 012 was applied in
// this run or an earlier one that stopped.
func (db *DB) beforeMigration(ctx context.Context, version uint32) error {
	if version != 13 {
		return nil
	}
	// A swap's lock left by a process stopped mid-swap would make every
	// command wait for it here, etl cleanup (which releases it) included.
	if _, err := db.DropStaleNewestLocks(ctx, StaleNewestLock); err != nil {
		return err
	}
	_, err := db.BuildNewest(ctx)
	return err
}

// SchemaCurrent reports whether every embedded migration has been applied.
func (db *DB) SchemaCurrent(ctx context.Context) (bool, error) {
	ms, err := Migrations()
	if err != nil {
		return false, err
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if !applied[m.Version] {
			return false, nil
		}
	}
	return true, nil
}

func (db *DB) appliedMigrations(ctx context.Context) (map[uint32]bool, error) {
	rows, err := db.conn.Query(ctx, sqlText("schema_migrations_applied"))
	if err != nil {
		return nil, Classify(fmt.Errorf("read schema_migrations: %w", err))
	}
	defer rows.Close()
	applied := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, Classify(rows.Err())
}
