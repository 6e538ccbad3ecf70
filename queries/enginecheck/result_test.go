package enginecheck

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/shopspring/decimal"
)

// result is one statement's answer from either engine, in a form both can be
// compared in: values are nil (NULL), string (integers, decimals, dates,
// strings, enums), float64, or []any (arrays and tuples).
type result struct {
	Names    []string
	Types    []string // as the engine names them
	GoTypes  []string // what clickhouse-go scans each column into
	Rows     [][]any
	Complete bool // false when the engine returned no result block (DDL, INSERT)
}

// scanTypeOf is the Go type clickhouse-go scans a column of this ClickHouse
// type into: the same question asked of the library for both engines.
func scanTypeOf(chType string) (string, error) {
	col, err := column.Type(chType).Column("c", &column.ServerContext{Timezone: time.UTC})
	if err != nil {
		return "", fmt.Errorf("clickhouse-go has no column for type %s: %w", chType, err)
	}
	return col.ScanType().String(), nil
}

// inner strips one wrapper such as Nullable(...) or Array(...).
func inner(typ, wrapper string) (string, bool) {
	if strings.HasPrefix(typ, wrapper+"(") && strings.HasSuffix(typ, ")") {
		return typ[len(wrapper)+1 : len(typ)-1], true
	}
	return "", false
}

// canonicalGo turns a value scanned by clickhouse-go into the comparable form.
func canonicalGo(v reflect.Value, typ string) (any, error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	if t, ok := inner(typ, "Nullable"); ok {
		return canonicalGo(v, t)
	}
	if t, ok := inner(typ, "Array"); ok {
		if v.Kind() != reflect.Slice {
			return nil, fmt.Errorf("%s scanned as %s", typ, v.Type())
		}
		out := make([]any, v.Len())
		for i := range out {
			e, err := canonicalGo(v.Index(i), t)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	switch x := v.Interface().(type) {
	case time.Time:
		if typ == "Date" || typ == "Date32" {
			return x.Format("2006-01-02"), nil
		}
		return x.UTC().Format("2006-01-02 15:04:05"), nil
	case decimal.Decimal:
		return x.String(), nil
	case string:
		return x, nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	}
	return nil, fmt.Errorf("no comparison for %s scanned as %s", typ, v.Type())
}

// canonicalJSON turns a JSONCompact value (64-bit integers, decimals and
// non-finite floats quoted) into the comparable form.
func canonicalJSON(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if t, ok := inner(typ, "Nullable"); ok {
		return canonicalJSON(v, t)
	}
	if t, ok := inner(typ, "Array"); ok {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s came as %T", typ, v)
		}
		out := make([]any, len(list))
		for i, e := range list {
			c, err := canonicalJSON(e, t)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	text := fmt.Sprint(v)
	if n, ok := v.(json.Number); ok {
		text = n.String()
	}
	switch {
	case strings.HasPrefix(typ, "Float"):
		switch text {
		case "nan", "-nan":
			return math.NaN(), nil
		case "inf", "+inf":
			return math.Inf(1), nil
		case "-inf":
			return math.Inf(-1), nil
		}
		return strconv.ParseFloat(text, 64)
	case strings.HasPrefix(typ, "Decimal"):
		d, err := decimal.NewFromString(text)
		if err != nil {
			return nil, err
		}
		return d.String(), nil
	case strings.HasPrefix(typ, "Int"), strings.HasPrefix(typ, "UInt"):
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return nil, fmt.Errorf("%s value %q", typ, text)
		}
		return text, nil
	}
	return text, nil
}

// sameValue compares two canonical values; floats to 1e-9 relative.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		if x == y {
			return true
		}
		return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// sortRows orders rows by their printed form, for statements whose order is
// not defined by an ORDER BY.
func sortRows(rows [][]any) {
	sort.SliceStable(rows, func(i, j int) bool { return fmt.Sprint(rows[i]) < fmt.Sprint(rows[j]) })
}

// compareResults says how b differs from a, or "" when they agree. Rows are
// compared in order when ordered, else as multisets.
func compareResults(a, b *result, ordered bool) string {
	if a.Complete != b.Complete {
		return fmt.Sprintf("one engine returned a result and the other none")
	}
	if strings.Join(a.Names, ",") != strings.Join(b.Names, ",") {
		return fmt.Sprintf("column names differ: %v and %v", a.Names, b.Names)
	}
	for i := range a.GoTypes {
		if a.GoTypes[i] != b.GoTypes[i] {
			return fmt.Sprintf("column %s scans into %s (%s) and %s (%s)", a.Names[i], a.GoTypes[i], a.Types[i], b.GoTypes[i], b.Types[i])
		}
	}
	if len(a.Rows) != len(b.Rows) {
		return fmt.Sprintf("%d rows and %d rows", len(a.Rows), len(b.Rows))
	}
	ra, rb := a.Rows, b.Rows
	if !ordered {
		ra, rb = append([][]any{}, ra...), append([][]any{}, rb...)
		sortRows(ra)
		sortRows(rb)
	}
	for i := range ra {
		for j := range ra[i] {
			if !sameValue(ra[i][j], rb[i][j]) {
				return fmt.Sprintf("row %d column %s: %v and %v", i+1, a.Names[j], ra[i][j], rb[i][j])
			}
		}
	}
	return ""
}
