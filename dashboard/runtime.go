package dashboard

import (
	"runtime/debug"
)

// The Go garbage collector's settings a dashboard is served with (spdash
// serve and demo; coldbench answers with the same).
//
// A cold answer allocates about 10 MB (decoded columns, every PCN's sums)
// that it drops when the answer is computed; what stays is the bounded
// figure cache. With the runtime's default (GOGC=100) the collector ran
// several times per cold answer and took about 40% of its Go CPU time
// (docs/BENCHMARKS.md). ServeGCPercent lets the heap grow to five times
// what is live between collections, and ServeMemoryLimit, a soft limit,
// makes the collector run sooner whenever the heap nears it, so that a
// full cache cannot take the heap to five times its size.
const (
	ServeGCPercent   = 400
	ServeMemoryLimit = 1 << 30 // bytes
)

// TuneGC sets the collector for serving: ServeGCPercent unless GOGC is set
// in the environment, ServeMemoryLimit unless GOMEMLIMIT is (getenv reads
// the environment). It is for a program's main: the settings are the
// process's.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(ServeGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(ServeMemoryLimit)
	}
}
