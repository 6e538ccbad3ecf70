package enginecheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
	"time"

	"spdash/queries"
	"spdash/queries/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// statement is one statement as the 18.16 server received it, with the
// embedded file it was made from.
type statement struct {
	File string // e.g. sql/metrics_activity.sql
	SQL  string
}

// engines is the pair under comparison, holding the same rows.
type engines struct {
	srv *server
	ch  *chEngine
}

// The test the issue asks for: the product's own statements, captured from
// the 18.16 server's query log after a workload of loads and dashboard reads,
// replayed on ClickHouse 26.7 against the same rows, with and without 24.3's
// setting defaults (the oldest release production supports).
func TestEngines(t *testing.T) {
	ctx := context.Background()
	ch := openChDB(t)
	v, err := ch.version()
	if err != nil || !strings.HasPrefix(v, "26.") {
		t.Fatalf("chDB version %q, %v: want ClickHouse 26.x", v, err)
	}
	db := testdb.New(t)
	srv := newServer(t, db)
	var since time.Time
	if err := db.QueryRow(ctx, "SELECT now()").Scan(&since); err != nil {
		t.Fatal(err)
	}
	runWorkload(t, db)
	stmts := capture(t, srv, since.Add(-time.Second))
	e := &engines{srv: srv, ch: ch}
	mirror(t, e)

	t.Run("every statement file ran", func(t *testing.T) {
		ran := map[string]int{}
		for _, s := range stmts {
			ran[s.File]++
		}
		for _, f := range statementFiles(t) {
			if ran[f] == 0 {
				t.Errorf("%s: no statement made from this file ran in the workload; add what makes the product run it to runWorkload", f)
			}
		}
	})

	t.Run("tables and views agree", func(t *testing.T) {
		for _, name := range relations(t, srv) {
			if n, msg := e.compareSelect(ctx, "SELECT * FROM "+name, false); msg != "" || n == 0 {
				t.Errorf("%s (%d rows): %s", name, n, msg)
			}
		}
	})

	for _, compat := range []string{"", "24.3"} {
		name := "statements agree on 26.7"
		if compat != "" {
			name = "statements agree on 26.7 with compatibility " + compat
		}
		t.Run(name, func(t *testing.T) {
			if err := ch.exec(fmt.Sprintf("SET compatibility = '%s'", compat)); err != nil {
				t.Fatal(err)
			}
			defer ch.exec("SET compatibility = ''")
			withRows := map[string]int{}
			for _, s := range stmts {
				n, err := e.check(ctx, s)
				if err != nil {
					t.Error(err)
				}
				withRows[s.File] += min(n, 1)
			}
			// Agreement on empty results proves little: every file must
			// have answered with rows at least once.
			for _, s := range stmts {
				if kind(s.SQL) != "ddl" && withRows[s.File] == 0 {
					t.Errorf("%s: every statement from this file returned no rows; make the workload give it data", s.File)
					withRows[s.File] = -1
				}
			}
			t.Logf("%d distinct statements from %d files checked", len(stmts), len(statementFiles(t)))
		})
	}

	// Writes last: they change chDB's copy of the rows. A build of the
	// newest rows (queries/newest.go) writes to a table of its own, made
	// and dropped in the build: its statements run together, in the
	// build's order (the query log's times are to the second).
	t.Run("writes run on 26.7", func(t *testing.T) {
		var builds []string
		byBuild := map[string][]statement{}
		for _, s := range stmts {
			if kind(s.SQL) == "select" || kind(s.SQL) == "batch insert" {
				continue
			}
			if stage := stageTable.FindString(s.SQL); stage != "" {
				if byBuild[stage] == nil {
					builds = append(builds, stage)
				}
				byBuild[stage] = append(byBuild[stage], s)
				continue
			}
			if err := ch.exec(s.SQL); err != nil {
				t.Errorf("%s: runs on ClickHouse 18.16 but not on 26.7: %v\n%s", s.File, err, excerpt(s.SQL))
			}
		}
		for _, stage := range builds {
			ss := byBuild[stage]
			sort.SliceStable(ss, func(i, j int) bool { return buildStep(ss[i]) < buildStep(ss[j]) })
			for _, s := range ss {
				if err := ch.exec(s.SQL); err != nil {
					t.Errorf("%s: runs on ClickHouse 18.16 but not on 26.7: %v\n%s", s.File, err, excerpt(s.SQL))
				}
			}
		}
		if len(builds) == 0 {
			t.Error("no build of the newest rows ran in the workload")
		}
	})

	// The check itself: a JOIN on an unaliased subquery (fine on 18.16,
	// refused from 20.x on) fails it, naming the file it came from.
	t.Run("a broken statement fails naming its file", func(t *testing.T) {
		broken := statement{File: "sql/broken_join.sql", SQL: queries.StatementTag + "sql/broken_join.sql\n" +
			"SELECT code, count() AS n FROM areas ANY INNER JOIN (SELECT area_code, icb_code AS code FROM areas) USING (area_code) GROUP BY code"}
		_, err := e.check(ctx, broken)
		if err == nil {
			t.Fatal("the unaliased JOIN passed the check")
		}
		for _, want := range []string{"sql/broken_join.sql", "runs on ClickHouse 18.16 but not on 26.7", "206"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		// And a difference in results, not only an error, is caught.
		differs := statement{File: "sql/rounding.sql", SQL: "SELECT round(2.5) AS r"}
		if _, err := e.check(ctx, differs); err == nil || !strings.Contains(err.Error(), "sql/rounding.sql") {
			t.Errorf("round(2.5) (3 on 18.16, 2 on 26.7) passed or was not named: %v", err)
		}
	})
}

// check runs one captured statement on both engines and says how they
// disagree, naming the statement's file. It returns the rows 18.16 answered.
// stageTable matches the name of a build's own table of newest rows
// (queries/newest.go: stageName).
var stageTable = regexp.MustCompile(`\b(?:activity|training|outcomes|funding)_newest_b\d+_[0-9a-f]{16}\b`)

// buildStep orders the statements of one build of the newest rows as the
// build runs them.
func buildStep(s statement) int {
	steps := []string{"sql/newest_stage.sql", "copy", "sql/newest_stage_empty.sql", "sql/newest_rows.sql",
		"sql/newest_marker_insert.sql", "sql/newest_replace.sql", "sql/newest_stage_drop.sql"}
	file := s.File
	if file == "sql/newest_replace.sql" && !stageTable.MatchString(body(s.SQL)[strings.Index(body(s.SQL), " FROM "):]) {
		file = "copy" // the table's parts into the build's table, not the build into the table
	}
	for i, f := range steps {
		if f == file {
			return i
		}
	}
	return len(steps)
}

func (e *engines) check(ctx context.Context, s statement) (int, error) {
	// A build's own table is dropped by the time statements are compared:
	// a read of it is compared over the table it was made from.
	if stage := stageTable.FindString(s.SQL); stage != "" && kind(s.SQL) == "select" {
		s.SQL = strings.ReplaceAll(s.SQL, stage, stage[:strings.Index(stage, "_newest_b")+len("_newest")])
	}
	var n int
	var msg string
	switch kind(s.SQL) {
	case "select":
		n, msg = e.compareSelect(ctx, s.SQL, ordered(s.SQL))
	case "insert select":
		sel := selectPart(s.SQL)
		n, msg = e.compareSelect(ctx, sel, ordered(sel))
	case "batch insert":
		table, cols := insertTarget(s.SQL)
		n, msg = e.compareSelect(ctx, fmt.Sprintf("SELECT %s FROM %s", cols, table), false)
	default:
		return 0, nil // DDL: run in the writes phase
	}
	if msg != "" {
		return n, fmt.Errorf("%s: %s\n%s", s.File, msg, excerpt(s.SQL))
	}
	return n, nil
}

// compareSelect runs a query on both engines and describes any difference;
// it returns the number of rows 18.16 answered.
func (e *engines) compareSelect(ctx context.Context, sql string, ordered bool) (int, string) {
	a, errA := e.srv.query(ctx, sql)
	b, errB := e.ch.query(sql)
	switch {
	case errA != nil && errB != nil:
		return 0, fmt.Sprintf("fails on both engines: 18.16: %v; 26.7: %v", errA, errB)
	case errA != nil:
		return 0, fmt.Sprintf("runs on ClickHouse 26.7 but not on 18.16: %v", errA)
	case errB != nil:
		return 0, fmt.Sprintf("runs on ClickHouse 18.16 but not on 26.7: %v", errB)
	}
	return len(a.Rows), compareResults(a, b, ordered)
}

// capture reads the product's statements from the 18.16 server's query log:
// type 2 is QueryFinish on 18.16; tagged statements name their file; native batch inserts (clickhouse-go drops the
// tag) are matched to the INSERT files by shape.
func capture(t *testing.T, srv *server, since time.Time) []statement {
	t.Helper()
	ctx := context.Background()
	if err := srv.db.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		t.Fatal(err)
	}
	r, err := srv.query(ctx, fmt.Sprintf(`SELECT query, min(event_time) AS first
		FROM system.query_log
		WHERE type = 2 AND event_time >= toDateTime('%s')
		GROUP BY query ORDER BY first, query`, since.UTC().Format("2006-01-02 15:04:05")))
	if err != nil {
		t.Fatalf("read the query log: %v", err)
	}
	inserts := insertPatterns(t)
	var out []statement
	for _, row := range r.Rows {
		sql := fmt.Sprint(row[0])
		if f, ok := taggedFile(sql); ok {
			out = append(out, statement{File: f, SQL: sql})
			continue
		}
		for f, re := range inserts {
			if re.MatchString(strings.TrimSpace(sql)) {
				out = append(out, statement{File: f, SQL: sql})
				break
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("the query log holds no statement of the product's: is log_queries on in queries/localch's profile?")
	}
	return out
}

func taggedFile(sql string) (string, bool) {
	if !strings.HasPrefix(sql, queries.StatementTag) {
		return "", false
	}
	line, _, _ := strings.Cut(sql[len(queries.StatementTag):], "\n")
	return strings.TrimSpace(line), true
}

// statementFiles lists the embedded statement files (sql/*.sql), leaving out
// those that only define shared templates.
func statementFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for name, text := range sqlFiles(t) {
		tmpl, err := template.New(name).Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tmpl.Tree == nil || parse.IsEmptyTree(tmpl.Tree.Root) {
			continue // only {{define}}s
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// sqlFiles reads queries/sql, the folder the queries package embeds.
func sqlFiles(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir("../sql")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("../sql", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out["sql/"+e.Name()] = string(b)
	}
	return out
}

var (
	templateAction = regexp.MustCompile(`\{\{.*?\}\}`)
	lineComment    = regexp.MustCompile(`(?m)^\s*--.*$`)
	whitespace     = regexp.MustCompile(`\s+`)
)

// insertPatterns turns each plain INSERT file (no SELECT: a native batch)
// into a pattern of the statement clickhouse-go sends for it:
// "INSERT INTO t (a, b) FORMAT Native", template actions matching anything.
func insertPatterns(t *testing.T) map[string]*regexp.Regexp {
	t.Helper()
	out := map[string]*regexp.Regexp{}
	for name, text := range sqlFiles(t) {
		body := strings.TrimSpace(lineComment.ReplaceAllString(text, ""))
		if !strings.HasPrefix(strings.ToUpper(body), "INSERT") || strings.Contains(strings.ToUpper(body), "SELECT") {
			continue
		}
		var pat strings.Builder
		pat.WriteString(`^`)
		last := 0
		for _, loc := range templateAction.FindAllStringIndex(body, -1) {
			pat.WriteString(literalPattern(body[last:loc[0]]))
			pat.WriteString(`.+?`)
			last = loc[1]
		}
		pat.WriteString(literalPattern(body[last:]))
		pat.WriteString(`\s*(?:FORMAT\s+Native)?$`)
		out[name] = regexp.MustCompile(pat.String())
	}
	return out
}

func literalPattern(s string) string {
	parts := whitespace.Split(s, -1)
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return strings.Join(parts, `\s*`)
}

// body is a statement without its comment lines.
func body(sql string) string { return strings.TrimSpace(lineComment.ReplaceAllString(sql, "")) }

// kind sorts a statement: select, insert select, batch insert or ddl.
func kind(sql string) string {
	b := strings.ToUpper(body(sql))
	switch {
	case strings.HasPrefix(b, "SELECT"):
		return "select"
	case strings.HasPrefix(b, "INSERT") && topLevelIndex(b, "SELECT") >= 0:
		return "insert select"
	case strings.HasPrefix(b, "INSERT"):
		return "batch insert"
	}
	return "ddl"
}

// selectPart is the SELECT of an INSERT ... SELECT.
func selectPart(sql string) string {
	b := body(sql)
	return b[topLevelIndex(strings.ToUpper(b), "SELECT"):]
}

var insertHead = regexp.MustCompile(`(?is)^INSERT\s+INTO\s+(\S+)\s*\((.*)\)\s*(?:FORMAT\s+Native)?\s*$`)

// insertTarget is the table and column list of a batch insert.
func insertTarget(sql string) (string, string) {
	m := insertHead.FindStringSubmatch(body(sql))
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

// ordered reports whether a query's result order is defined: an ORDER BY
// outside every parenthesis.
func ordered(sql string) bool { return topLevelIndex(strings.ToUpper(body(sql)), "ORDER BY") >= 0 }

// topLevelIndex finds word outside parentheses and quotes in upper-cased SQL.
func topLevelIndex(upper, word string) int {
	depth := 0
	quoted := false
	for i := 0; i < len(upper); i++ {
		c := upper[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '\'' {
				quoted = false
			}
		case c == '\'':
			quoted = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(upper[i:], word) && (i == 0 || !isWordByte(upper[i-1])) &&
			(i+len(word) == len(upper) || !isWordByte(upper[i+len(word)])):
			return i
		}
	}
	return -1
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func excerpt(sql string) string {
	const max = 800
	if len(sql) > max {
		return sql[:max] + " …"
	}
	return sql
}

// relations lists the test database's tables and views on the 18.16 server.
func relations(t *testing.T, srv *server) []string {
	t.Helper()
	r, err := srv.query(context.Background(), fmt.Sprintf(
		"SELECT name FROM system.tables WHERE database = '%s' ORDER BY name", srv.db.Database()))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, row := range r.Rows {
		out = append(out, fmt.Sprint(row[0]))
	}
	return out
}

// mirror gives chDB a database of the same name with every migration applied,
// then copies every stored row from 18.16 as the server writes it out.
func mirror(t *testing.T, e *engines) {
	t.Helper()
	ctx := context.Background()
	name := e.srv.db.Database()
	for _, sql := range []string{"CREATE DATABASE IF NOT EXISTS " + name, "USE " + name} {
		if err := e.ch.exec(sql); err != nil {
			t.Fatalf("chDB: %s: %v", sql, err)
		}
	}
	files := sqlFiles(t)
	if err := e.ch.exec(files["sql/schema_migrations_create.sql"]); err != nil {
		t.Fatalf("sql/schema_migrations_create.sql on 26.7: %v", err)
	}
	ms, err := queries.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		for i, stmt := range m.Statements {
			if err := e.ch.exec(stmt); err != nil {
				t.Fatalf("migrations/%03d_%s.sql statement %d does not run on ClickHouse 26.7: %v\n%s", m.Version, m.Name, i+1, err, excerpt(stmt))
			}
		}
	}
	r, err := e.srv.query(ctx, fmt.Sprintf(
		"SELECT name FROM system.tables WHERE database = '%s' AND engine LIKE '%%MergeTree' ORDER BY name", name))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Rows {
		table := fmt.Sprint(row[0])
		cols, err := e.srv.tableColumns(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cols {
			cols[i] = "`" + c + "`"
		}
		tsv, err := e.srv.text(ctx, fmt.Sprintf("SELECT %s FROM %s FORMAT TabSeparated", strings.Join(cols, ", "), table))
		if err != nil {
			t.Fatalf("copy %s out of 18.16: %v", table, err)
		}
		// The copy replaces what chDB's migrations wrote (migration 012's
		// markers): the tables hold 18.16's rows alone.
		if err := e.ch.exec("TRUNCATE TABLE " + table); err != nil {
			t.Fatalf("empty %s on 26.7: %v", table, err)
		}
		if err := e.ch.insertTSV(table, cols, tsv); err != nil {
			t.Fatalf("copy %s into 26.7: %v", table, err)
		}
	}
}
