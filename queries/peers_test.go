package queries

import (
	"fmt"
	"testing"
)

// Peers by hand: areas P00…P12 whose deprivation and sickness rise together
// (population and working-age share the same for all: sd 0, left out), Q11
// the same as P01 (a tie, broken by code), X with deprivation alone (one
// feature known: never a peer).
func TestFindPeersByHand(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	var rows []PCNFeatureRow
	for i := 0; i <= 12; i++ {
		rows = append(rows, PCNFeatureRow{Code: fmt.Sprintf("P%02d", i), ICB: "I1", Population: 1000, WAP: 600, IMD: f(10 + float64(i)), LTS: f(10 + float64(i))})
	}
	rows = append(rows, PCNFeatureRow{Code: "Q11", ICB: "I2", Population: 1000, WAP: 600, IMD: f(11), LTS: f(11)},
		PCNFeatureRow{Code: "X", ICB: "I2", Population: 0, IMD: f(10)})
	peers := FindPeers(LevelFeatures(rows, LevelPCN), "P00")
	want := []string{"P01", "Q11", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09"}
	if len(peers) != len(want) {
		t.Fatalf("peers %v, want %v", peers, want)
	}
	for i, p := range peers {
		if p.Code != want[i] {
			t.Errorf("peer %d: %s, want %s", i+1, p.Code, want[i])
		}
	}
	if peers[0].Distance != peers[1].Distance || peers[0].Distance <= 0 || peers[2].Distance <= peers[1].Distance {
		t.Errorf("distances %v", peers)
	}
	if got := FindPeers(LevelFeatures(rows, LevelPCN), "X"); len(got) != 0 {
		t.Errorf("an area with one feature known has peers %v", got)
	}
	// ICBs: population-weighted means of their PCNs, summed populations.
	icbs := LevelFeatures(rows, LevelICB)
	if len(icbs) != 2 || icbs[0].Code != "I1" || *icbs[0].Features[0] != 16 || *icbs[1].Features[0] != 11 {
		t.Errorf("ICB features %+v %+v", icbs[0], icbs[1])
	}
}
