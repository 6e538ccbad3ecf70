package queries_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spdash/etl/etltest"
	"spdash/etl/sample"
	"spdash/queries"
	"spdash/queries/testdb"
)

// An answer's areas are summed in Go from one read of the areas. Each level
// and place must give what ClickHouse itself gives for the same GROUP BY over
// the areas view (names, parents, population, and the deprivation weighted
// by the population of the PCNs whose score is known; the demo sample has
// PCNs without one), and England's row the same over every PCN.
func TestAreasAtEveryLevelAsTheServerSumsThem(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 5, Scale: sample.Demo, Months: 3, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, dir)
	asOf, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	areas, err := db.AreasAt(ctx, asOf)
	if err != nil {
		t.Fatal(err)
	}
	geo := areas.Geography()
	if len(geo.Regions) < 2 || len(geo.ICBs) < 2 {
		t.Fatalf("the sample has %d regions and %d ICBs; want several of each", len(geo.Regions), len(geo.ICBs))
	}
	var unknown uint64
	if err := db.QueryRow(ctx, "SELECT countIf(isNull(imd_score)) FROM areas").Scan(&unknown); err != nil {
		t.Fatal(err)
	}
	if unknown == 0 {
		t.Fatal("the sample has no PCN without a deprivation score: the weighting of known scores is not tested")
	}
	// The level's code, name, parent and parent's name as columns of the areas view.
	columns := map[string]string{
		queries.LevelEngland: "'E92000001' AS code, 'England' AS name, '' AS parent, '' AS parent_name",
		queries.LevelRegion:  "region_code AS code, region_name AS name, 'E92000001' AS parent, 'England' AS parent_name",
		queries.LevelICB:     "icb_code AS code, icb_name AS name, region_code AS parent, region_name AS parent_name",
		queries.LevelPCN:     "area_code AS code, area_name AS name, icb_code AS parent, icb_name AS parent_name",
	}
	filter := func(p queries.Place) string {
		switch p.Level {
		case queries.LevelRegion:
			return fmt.Sprintf("WHERE region_code = '%s'", p.Code)
		case queries.LevelICB:
			return fmt.Sprintf("WHERE icb_code = '%s'", p.Code)
		}
		return ""
	}
	server := func(p queries.Place, level string) []queries.AreaAtLevel {
		q := fmt.Sprintf(`SELECT code, any(name), any(parent), any(parent_name), toFloat64(sum(population)),
       if(sumIf(population, isNotNull(imd_score)) = 0, NULL, sumIf(population * imd_score, isNotNull(imd_score)) / sumIf(population, isNotNull(imd_score)))
FROM (SELECT %s, population, imd_score FROM areas %s) AS level_areas
GROUP BY code ORDER BY code`, columns[level], filter(p))
		rows, err := db.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s at %s: %v", p.Code, level, err)
		}
		defer rows.Close()
		var out []queries.AreaAtLevel
		for rows.Next() {
			var a queries.AreaAtLevel
			if err := rows.Scan(&a.Code, &a.Name, &a.ParentCode, &a.ParentName, &a.Population, &a.IMD); err != nil {
				t.Fatal(err)
			}
			out = append(out, a)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	same := func(what string, got, want queries.AreaAtLevel) {
		t.Helper()
		if got.Code != want.Code || got.Name != want.Name || got.ParentCode != want.ParentCode || got.ParentName != want.ParentName || got.Population != want.Population {
			t.Errorf("%s: got %+v, the server's %+v", what, got, want)
		}
		switch {
		case (got.IMD == nil) != (want.IMD == nil):
			t.Errorf("%s %s: deprivation %v, the server's %v", what, got.Code, got.IMD, want.IMD)
		case got.IMD != nil && math.Abs(*got.IMD-*want.IMD) > 1e-12*math.Abs(*want.IMD):
			t.Errorf("%s %s: deprivation %v, the server's %v", what, got.Code, *got.IMD, *want.IMD)
		}
	}
	places := []queries.Place{queries.England, geo.Regions[1], geo.ICBs[1]}
	checked := 0
	for _, p := range places {
		for _, level := range []string{queries.LevelEngland, queries.LevelRegion, queries.LevelICB, queries.LevelPCN} {
			got, eng, err := queries.AreasAtLevel(ctx, db, asOf, p, level)
			if err != nil {
				t.Fatal(err)
			}
			want := server(p, level)
			if len(got) != len(want) {
				t.Fatalf("%s at %s: %d areas, the server %d", p.Code, level, len(got), len(want))
			}
			for i := range got {
				same(p.Code+" at "+level, got[i], want[i])
				checked++
			}
			if eng == nil {
				t.Fatalf("%s at %s: no England row", p.Code, level)
			}
			same("England", *eng, server(queries.England, queries.LevelEngland)[0])
		}
	}
	if checked < 50 {
		t.Fatalf("only %d areas compared", checked)
	}
}

// The newest areas, read before the version is known (NewestAreas), serve a
// version only when they are its areas: an areas load that commits between
// the two reads leaves them behind, and the version's own areas are then
// read by the load it names. A version read by its number alone takes the
// newest areas committed by then.
func TestTheNewestAreasServeOnlyTheirVersion(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	dir := t.TempDir()
	if _, err := sample.Generate(sample.Options{Out: dir, Seed: 6, Scale: sample.Demo, Months: 2, End: "2025-06"}); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, dir)
	before, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newest, err := db.NewestAreas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !newest.Of(before) || newest.Load() != before.AreasLoad() || newest.Load() == 0 {
		t.Fatalf("the newest areas (load %d) do not serve the version naming areas load %d", newest.Load(), before.AreasLoad())
	}

	// An areas load with one PCN fewer commits after the newest were read.
	b, err := os.ReadFile(filepath.Join(dir, "areas.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	fewer := filepath.Join(t.TempDir(), "areas.csv")
	if err := os.WriteFile(fewer, []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	etltest.Load(t, db, fewer)
	after, err := db.DataAsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if newest.Of(after) || after.AreasLoad() == before.AreasLoad() {
		t.Fatalf("areas of load %d serve the version after areas load %d", newest.Load(), after.AreasLoad())
	}
	areas, err := db.AreasAt(ctx, after.WithAreas(newest)) // the stale areas are not taken
	if err != nil {
		t.Fatal(err)
	}
	if areas.Load() != after.AreasLoad() || areas.Len() != newest.Len()-1 {
		t.Errorf("after the areas load: areas of load %d with %d PCNs, want load %d with %d", areas.Load(), areas.Len(), after.AreasLoad(), newest.Len()-1)
	}
	// The earlier version, named by number only, still has the earlier areas.
	old, err := db.AreasAt(ctx, queries.DataAsOf{Version: before.Version})
	if err != nil {
		t.Fatal(err)
	}
	if old.Load() != before.AreasLoad() || old.Len() != newest.Len() {
		t.Errorf("as of version %d: areas of load %d with %d PCNs, want load %d with %d", before.Version, old.Load(), old.Len(), before.AreasLoad(), newest.Len())
	}
}
