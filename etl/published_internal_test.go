package etl

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestMonthList(t *testing.T) {
	m := func(s string) time.Time { t, _ := time.Parse("2006-01", s); return t }
	set := func(months ...string) map[time.Time]bool {
		out := map[time.Time]bool{}
		for _, s := range months {
			out[m(s)] = true
		}
		return out
	}
	for _, c := range []struct {
		in   map[time.Time]bool
		want string
	}{
		{set(), "none"},
		{set("2025-11"), "2025-11"},
		{set("2025-12", "2025-10", "2025-11"), "2025-10 to 2025-12"},
		{set("2024-12", "2025-01", "2025-03"), "2024-12 to 2025-01, 2025-03"},
	} {
		if got := monthList(c.in); got != c.want {
			t.Errorf("monthList(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A zip's CSV is checked for UTF-8 across read boundaries: a character cut
// by a read is not taken for an invalid one.
func TestIsUTF8AcrossReads(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{string(make([]byte, 256<<10-1)) + "–", true},     // the en dash cut by the first read
		{string(make([]byte, 256<<10-1)) + "\x96", false}, // Windows-1252's en dash
		{"plain", true},
	} {
		p := csvPart{label: "x", open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(c.text)), nil }}
		if got, err := isUTF8(context.Background(), p); err != nil || got != c.want {
			t.Errorf("isUTF8 of %d bytes ending %q = %v %v, want %v", len(c.text), c.text[len(c.text)-3:], got, err, c.want)
		}
	}
}
