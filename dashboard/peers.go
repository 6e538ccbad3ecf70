package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"spdash/queries"
)

// peers computes an area's peer group and figures (cached): the peers are
// found nationally at the area's level from every PCN's features at the
// data version; the figures are for the view's period.
func (s *Server) peers(ctx context.Context, v *View, area queries.Place) (*queries.PeerFigures, error) {
	req, err := s.versioned(ctx, s.request(ctx, v.Selection))
	if err != nil {
		return nil, err
	}
	key := requestKey("peers|"+area.Code, req, stampOf(ctx))
	return cached(ctx, s, key, func(ctx context.Context) (*queries.PeerFigures, error) {
		rows, err := s.pcnFeatures(ctx, req.Version)
		if err != nil {
			return nil, err
		}
		found := queries.FindPeers(queries.LevelFeatures(rows, area.Level), area.Code)
		return s.db.PeersOf(ctx, req, area, found)
	}, func(*queries.PeerFigures) int { return 12 })
}

// pcnFeatures is every PCN's need and size at a data version (cached): the
// peers' features, the deprivation deciles and the evidence's long-term
// sickness all read it.
func (s *Server) pcnFeatures(ctx context.Context, version uint64) ([]queries.PCNFeatureRow, error) {
	return cached(ctx, s, fmt.Sprintf("features|%d|%s", version, stampOf(ctx)), func(ctx context.Context) ([]queries.PCNFeatureRow, error) {
		return s.db.PCNFeatures(ctx, version)
	}, func(r []queries.PCNFeatureRow) int { return len(r)/10 + 1 })
}

// PeersResponse is the body of GET /api/v1/peers.
type PeersResponse struct {
	Answer
	*queries.PeerFigures
}

// peerArea is the area= parameter: a PCN or an ICB the user may see.
func peerArea(c echo.Context, v *View) (queries.Place, error) {
	code, given, err := single(c.QueryParams(), "area")
	if err != nil {
		return queries.Place{}, err
	}
	if !given || code == "" {
		return queries.Place{}, paramErr("area", "is required: the code of a PCN or an ICB")
	}
	area, _, ok := v.Geography.Area(code)
	if !ok {
		if v.Geography.Limited() {
			return queries.Place{}, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("No area with the code %q is available to you.", clip(code, 40)))
		}
		return queries.Place{}, paramErr("area", "%q is not a loaded PCN or ICB code", clip(code, 40))
	}
	if area.Level != queries.LevelPCN && area.Level != queries.LevelICB {
		return queries.Place{}, paramErr("area", "must be a PCN or an ICB: %s is a %s, and regions have no peers", area.Code, area.Level)
	}
	return area, nil
}

func (s *Server) apiPeers(c echo.Context) error {
	v, err := s.selection(c, "area")
	if err != nil {
		return err
	}
	if !v.HasData() {
		return echo.NewHTTPError(http.StatusNotFound, noDataMessage)
	}
	area, err := peerArea(c, v)
	if err != nil {
		return err
	}
	pf, err := s.peers(c.Request().Context(), v, area)
	if err != nil {
		return err
	}
	a := newAnswer(v)
	a.Place, a.Level = area, area.Level
	a.DataVersion = strconv.FormatUint(v.AsOf.Version, 10)
	out := *pf
	if v.Geography.Limited() {
		out.Peers = hiddenPeers(pf.Peers)
	}
	return c.JSON(http.StatusOK, PeersResponse{Answer: a, PeerFigures: &out})
}

// hiddenPeers keeps a limited user's view to its own areas: the peer
// group's figures and the ranks are shown, not which areas are in it.
func hiddenPeers(peers []queries.Peer) []queries.Peer {
	out := make([]queries.Peer, len(peers))
	for i, p := range peers {
		out[i] = queries.Peer{Code: "", Distance: p.Distance}
	}
	return out
}

// peerRankText is an area's rank among itself and its peers.
func peerRankText(pf *queries.PeerFigures, figure string) string {
	r, ok := pf.Rank[figure]
	if !ok {
		return unknown
	}
	return fmt.Sprintf("%d of %d", r.Rank, r.Of)
}

// peersTable lists the peers, each linked to its profile (for a user
// limited to some areas: how many, not which).
func peersTable(pf *queries.PeerFigures, limited bool, link func(code, name string) cell) table {
	t := table{ID: "peers-table", Caption: "Its statistical peers: the areas of its level nationally most like it in need and size", RowHeads: true,
		Head: []column{{Label: "Peer"}, {"Distance (0 = identical)", true}}}
	for i, p := range pf.Peers {
		name := cell{Text: fmt.Sprintf("Peer %d", i+1)}
		if !limited {
			name = link(p.Code, p.Name)
		}
		t.Rows = append(t.Rows, []cell{name, num(strconv.FormatFloat(p.Distance, 'f', 2, 64))})
	}
	if limited {
		t.Caption += " (outside your areas, so not named)"
	}
	return t
}

// rankLabel names a ranked figure on the profile.
func rankLabel(figure string) string {
	labels := map[string]string{"fte_per_100k": "FTE per 100,000 people", "caseload_per_fte": "Caseload per FTE", "capacity_gap_fte": "Capacity gap (FTE)",
		"median_wait_days": "Median wait to first contact", "work_training_coverage": "Work training coverage", "funding_per_1k": "Funding per 1,000 people"}
	if l, ok := labels[figure]; ok {
		return l
	}
	return outcomeLabels[queries.MeasureOutcome(figure)] + " rate"
}
