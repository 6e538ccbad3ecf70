package dashboard

import (
	"net/url"
	"strings"
	"testing"

	"spdash/queries"
)

// A profile's summaries compare the area with England, whose column is not
// the last when the peers' column follows it.
func TestProfileSummariesCompareWithEngland(t *testing.T) {
	col := func(code, name, level string, per100k, coverage float64) profileColumn {
		m := &queries.Metrics{FTEPer100k: queries.Known(per100k), WorkTrainingCoverage: queries.Known(coverage)}
		m.Training = map[string]*queries.ModuleCoverage{}
		for _, mod := range queries.Modules {
			m.Training[mod] = &queries.ModuleCoverage{}
		}
		return profileColumn{place: queries.Place{Code: code, Name: name, Level: level}, m: m}
	}
	pcn := col("U1", "Some PCN", queries.LevelPCN, 23.1, 0.136)
	icb := col("Q1", "Some ICB", queries.LevelICB, 17.5, 0.5)
	region := col("Y1", "Some region", queries.LevelRegion, 15.1, 0.53)
	england := col(queries.EnglandCode, "England", queries.LevelEngland, 14.9, 0.55)
	peers := col("", "Its 10 peers together", queries.LevelPCN, 9.5, 0.739)
	for name, cols := range map[string][]profileColumn{
		"with peers":    {pcn, icb, region, england, peers},
		"without peers": {pcn, icb, region, england},
	} {
		capacity, err := profileCapacity(cols, url.Values{})
		if err != nil {
			t.Fatal(err)
		}
		if want := "23.1 link-worker FTE per 100,000 people, against 14.9 in England"; !strings.Contains(capacity.Summary, want) {
			t.Errorf("%s: capacity summary %q; want it to say %q", name, capacity.Summary, want)
		}
		training, err := profileTraining(cols, url.Values{})
		if err != nil {
			t.Fatal(err)
		}
		if want := "is 13.6%, against 55.0% in England"; !strings.Contains(training.Summary, want) {
			t.Errorf("%s: training summary %q; want it to say %q", name, training.Summary, want)
		}
	}
	// England's own profile has no England to compare with.
	capacity, err := profileCapacity([]profileColumn{england}, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(capacity.Summary, "against") {
		t.Errorf("England's own capacity summary %q compares it with something", capacity.Summary)
	}
}
