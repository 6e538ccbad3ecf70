package etl_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"spdash/etl"
	"spdash/queries"
	"spdash/queries/testdb"
)

// keyed is one activity row of a test load: its key and referrals.
type keyed struct {
	key       string // month,area,provider
	referrals int
}

// activityModel is "the newest committed load wins per natural key", kept
// in Go: what the views and the dashboard's queries must show.
type activityModel map[string]int

func (m activityModel) apply(rows []keyed) {
	for _, r := range rows {
		m[r.key] = r.referrals
	}
}

func (m activityModel) clone() activityModel {
	c := activityModel{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

// byArea sums the model's referrals by area, as the PCN-level figures do.
func (m activityModel) byArea() map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		out[strings.Split(k, ",")[1]] += float64(v)
	}
	return out
}

func (m activityModel) String() string {
	var keys []string
	for k, v := range m {
		keys = append(keys, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

func activityCSV(rows []keyed, extra string) string {
	var b strings.Builder
	b.WriteString(activityHeader)
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%d,%d,%d,%d,1,1,\n", r.key, r.referrals, r.referrals, r.referrals, r.referrals)
	}
	b.WriteString(extra)
	return b.String()
}

// viewActivity reads the analysts' activity view as the model's map.
func viewActivity(t *testing.T, db *queries.DB) activityModel {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT substring(toString(month), 1, 7), area_code, provider_code, referrals_received FROM activity")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := activityModel{}
	for rows.Next() {
		var month, area, provider string
		var n uint32
		if err := rows.Scan(&month, &area, &provider, &n); err != nil {
			t.Fatal(err)
		}
		key := month + "," + area + "," + provider
		if _, dup := got[key]; dup {
			t.Errorf("the activity view has key %s twice", key)
		}
		got[key] = int(n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// pcnReferrals asks the dashboard's own query path for each PCN's referrals
// over every month at a pinned data version.
func pcnReferrals(t *testing.T, db *queries.DB, version uint64) map[string]float64 {
	t.Helper()
	rep, err := db.Metrics(context.Background(), queries.Request{
		Selection: queries.Selection{From: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			Place: queries.England, Level: queries.LevelPCN, FY: "2024-25"},
		Settings: queries.DefaultSettings, Version: version})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, a := range rep.Areas {
		if v, ok := a.Referrals.Value(); ok && v != 0 {
			out[a.Code] = v
		}
	}
	return out
}

func sameSums(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Random loads with overlapping keys across two years of months: some
// committed, some refused (their rows are in storage but never count), some
// partial with duplicated keys left out. After every load the analysts' view
// equals "the newest committed load wins per key", and so do the dashboard's
// figures read at every earlier data version afterwards.
func TestSupersedeMatchesNewestWins(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	mustLoad(t, db, writeFile(t, dir, "areas.csv", areasCSV))
	var keys []string
	for _, m := range []string{"2024-07", "2024-08", "2025-01"} {
		for _, a := range []string{"U00001", "U00002", "U00003"} {
			for _, p := range []string{"P1", "P2"} {
				keys = append(keys, m+","+a+","+p)
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 15))
	model := activityModel{}
	type atVersion struct {
		version uint64
		model   activityModel
	}
	var history []atVersion
	strict := &etl.Loader{DB: db, Problems: mustProblemLog(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	lenient := &etl.Loader{DB: db, AllowRejects: true, Problems: mustProblemLog(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	kind, _ := etl.LookupKind("activity")
	for i := 0; i < 14; i++ {
		var rows []keyed
		for _, k := range keys {
			if rng.IntN(3) == 0 {
				rows = append(rows, keyed{k, 100*i + rng.IntN(100)})
			}
		}
		if len(rows) < 2 { // a partial load needs a row besides the duplicated one
			rows = []keyed{{keys[0], 100 * i}, {keys[1], 100*i + 1}}
		}
		extra, loader, want := "", strict, etl.ResultLoaded
		switch i % 5 {
		case 2: // refused in strict mode: accepted > received on a last line
			extra, want = "2024-07,U00001,P9,1,2,1,1,1,1,\n", etl.ResultInvalid
		case 4: // partial: one key twice, both lines left out
			dup := rows[0]
			extra, loader, want = activityCSV([]keyed{{dup.key, dup.referrals + 1}}, "")[len(activityHeader):], lenient, etl.ResultPartial
		}
		path := writeFile(t, dir, fmt.Sprintf("activity_%02d.csv", i), activityCSV(rows, extra))
		res, err := loader.LoadFile(context.Background(), etl.File{Path: path, Kind: kind})
		if err != nil || res.Status != want {
			t.Fatalf("load %d: %v %s, want %s", i, err, res.Status, want)
		}
		switch want {
		case etl.ResultLoaded:
			model.apply(rows)
		case etl.ResultPartial:
			model.apply(rows[1:])
		}
		if got := viewActivity(t, db); got.String() != model.String() {
			t.Fatalf("after load %d (%s):\n view  %s\n model %s", i, want, got, model)
		}
		asOf, err := db.DataAsOf(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		history = append(history, atVersion{asOf.Version, model.clone()})
	}
	for i, h := range history {
		if got, want := pcnReferrals(t, db, h.version), h.model.byArea(); !sameSums(got, want) {
			t.Errorf("figures at the version after load %d: %v, want %v", i, got, want)
		}
	}
}

// Two loads of the same kind at once, from two loaders as two processes
// would: whichever checks second records the pairs both ways, so the newer
// load (the higher sequence number) wins every shared key, whatever the
// interleaving, and no key is lost or doubled.
func TestConcurrentLoadsNewestWins(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	mustLoad(t, db, writeFile(t, dir, "areas.csv", areasCSV))
	kind, _ := etl.LookupKind("activity")
	var keys []string
	for y := 2020; y <= 2025; y++ {
		for m := 1; m <= 12; m++ {
			for _, a := range []string{"U00001", "U00002", "U00003"} {
				keys = append(keys, fmt.Sprintf("%d-%02d,%s,P1", y, m, a))
			}
		}
	}
	model := activityModel{}
	for round := 0; round < 6; round++ {
		var files [2]string
		var rows [2][]keyed
		for side := range 2 {
			for i, k := range keys {
				// side 0 sends the first two thirds, side 1 the last two thirds: a third shared.
				if (side == 0 && i < 2*len(keys)/3) || (side == 1 && i >= len(keys)/3) {
					rows[side] = append(rows[side], keyed{k, 1000*round + 100*side + i%100})
				}
			}
			files[side] = writeFile(t, dir, fmt.Sprintf("activity_r%d_s%d.csv", round, side), activityCSV(rows[side], ""))
		}
		var wg sync.WaitGroup
		var results [2]etl.Result
		var errs [2]error
		for side := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := &etl.Loader{DB: db, Problems: mustProblemLog(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BatchRows: 20}
				results[side], errs[side] = l.LoadFile(context.Background(), etl.File{Path: files[side], Kind: kind})
			}()
		}
		wg.Wait()
		for side := range 2 {
			if errs[side] != nil || results[side].Status != etl.ResultLoaded {
				t.Fatalf("round %d side %d: %v %s", round, side, errs[side], results[side].Status)
			}
		}
		// The newer load is the one with the higher seq.
		seqOf := func(id string) uint64 {
			return scalar[uint64](t, db, "SELECT seq FROM loads WHERE load_id = ?", id)
		}
		older, newer := 0, 1
		if seqOf(results[0].LoadID) > seqOf(results[1].LoadID) {
			older, newer = 1, 0
		}
		model.apply(rows[older])
		model.apply(rows[newer])
		if got := viewActivity(t, db); got.String() != model.String() {
			t.Fatalf("round %d: the view differs from newest-wins (newer side %d)", round, newer)
		}
	}
}
