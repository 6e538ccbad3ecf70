package dashboard

import (
	"runtime/debug"
	"testing"
)

// TestTuneGCLeavesTheEnvironmentsSettings: serving sets the collector's
// percent and soft limit, except where GOGC or GOMEMLIMIT say otherwise.
func TestTuneGCLeavesTheEnvironmentsSettings(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })

	debug.SetMemoryLimit(1 << 40)
	TuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != ServeGCPercent {
		t.Errorf("GC percent with no GOGC: %d, want %d", got, ServeGCPercent)
	}
	if got := debug.SetMemoryLimit(1 << 40); got != ServeMemoryLimit {
		t.Errorf("memory limit with no GOMEMLIMIT: %d, want %d", got, ServeMemoryLimit)
	}

	env := map[string]string{"GOGC": "50", "GOMEMLIMIT": "2GiB"}
	TuneGC(func(k string) string { return env[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent with GOGC set: %d, want it left at 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("memory limit with GOMEMLIMIT set: %d, want it left at %d", got, int64(1<<40))
	}
}
