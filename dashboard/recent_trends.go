package dashboard

import (
	"context"

	"spdash/queries"
)

// recentTrends classifies the recent trend of every measure of each area of
// a selection (its level inside its place), cached by request and data
// version (queries.AreaTrends).
func (s *Server) recentTrends(ctx context.Context, sel queries.Selection) (map[string]map[string]string, error) {
	req, err := s.versioned(ctx, queries.Request{Selection: sel, Settings: s.settings})
	if err != nil {
		return nil, err
	}
	return cached(ctx, s, requestKey("recent trends", req, stampOf(ctx)), func(ctx context.Context) (map[string]map[string]string, error) {
		return s.db.AreaTrends(ctx, req)
	}, func(m map[string]map[string]string) int { return len(m)/10 + 1 })
}

// placeTrends is the recent trends of a selection's place itself.
func (s *Server) placeTrends(ctx context.Context, sel queries.Selection) (map[string]string, error) {
	own := sel
	own.Level = sel.Place.Level
	byCode, err := s.recentTrends(ctx, own)
	if err != nil {
		return nil, err
	}
	return byCode[sel.Place.Code], nil
}

// areaTrends is the recent trends of each area of a selection and, under
// its code, England's: what the API and the downloads give beside the
// figures.
func (s *Server) areaTrends(ctx context.Context, sel queries.Selection) (map[string]map[string]string, error) {
	areas, err := s.recentTrends(ctx, sel)
	if err != nil {
		return nil, err
	}
	eng := sel
	eng.Place = queries.England
	england, err := s.placeTrends(ctx, eng)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(areas)+1)
	for code, t := range areas {
		out[code] = t
	}
	out[queries.EnglandCode] = england
	return out, nil
}

// trendText says a trend in words, for tables.
func trendText(trend string) string {
	if trend == "" {
		return unknown
	}
	return trend
}
