package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The machine may be shared: other processes using the CPUs during a
// measurement slow it down. The harness waits for a quiet machine before each
// timed load and reports how much CPU other processes (neither the load's
// process nor the bench's ClickHouse server) used during it.

// clockTicks is USER_HZ, the unit of /proc/stat and /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// cpuMeter reads the machine's busy CPU time and the server's CPU time.
type cpuMeter struct {
	serverPID int // 0 when unknown
}

// newCPUMeter finds the pid of the local server from its state file.
func newCPUMeter(serverDir string) *cpuMeter {
	var st struct {
		PID int `json:"pid"`
	}
	if b, err := os.ReadFile(filepath.Join(serverDir, "state.json")); err == nil && json.Unmarshal(b, &st) == nil {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", st.PID)); err == nil {
			return &cpuMeter{serverPID: st.PID}
		}
	}
	return &cpuMeter{}
}

// cpuSnap is a moment's cumulative CPU times, in seconds.
type cpuSnap struct {
	at             time.Time
	busy, server   float64
	ok, okServerPS bool
}

func (m *cpuMeter) snap() cpuSnap {
	s := cpuSnap{at: time.Now()}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		if len(f) >= 8 && f[0] == "cpu" {
			var total, idle float64
			for i, v := range f[1:] {
				if i >= 8 { // guest times are already counted in user and nice
					break
				}
				x, _ := strconv.ParseFloat(v, 64)
				total += x
				if i == 3 || i == 4 { // idle, iowait
					idle += x
				}
			}
			s.busy, s.ok = (total-idle)/clockTicks, true
		}
	}
	if m.serverPID > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.serverPID)); err == nil {
			// Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
			if i := strings.LastIndexByte(string(b), ')'); i >= 0 {
				f := strings.Fields(string(b)[i+1:])
				if len(f) >= 13 {
					u, _ := strconv.ParseFloat(f[11], 64)
					st, _ := strconv.ParseFloat(f[12], 64)
					s.server, s.okServerPS = (u+st)/clockTicks, true
				}
			}
		}
	}
	return s
}

// other is the average number of CPUs used between a and b by processes other
// than the server and the given child CPU seconds; -1 when unknown.
func other(a, b cpuSnap, childCPU float64) float64 {
	secs := b.at.Sub(a.at).Seconds()
	if !a.ok || !b.ok || !a.okServerPS || !b.okServerPS || secs <= 0 {
		return -1
	}
	return max(0, (b.busy-a.busy)-(b.server-a.server)-childCPU) / secs
}

// serverCPU is the CPU seconds the server used between a and b; -1 when
// unknown.
func serverCPU(a, b cpuSnap) float64 {
	if !a.okServerPS || !b.okServerPS {
		return -1
	}
	return b.server - a.server
}

const (
	quietCPU   = 0.25             // other processes may use at most this many CPUs ...
	quietLimit = 30 * time.Second // ... or the harness measures anyway after this long
)

// waitQuiet waits until other processes use less than quietCPU over a second,
// at most quietLimit; it returns the last reading.
func (m *cpuMeter) waitQuiet(ctx context.Context, progress func(string, ...any)) (float64, error) {
	start := time.Now()
	warned := false
	for {
		a := m.snap()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
		load := other(a, m.snap(), 0)
		if load < quietCPU { // also when unknown (-1)
			return load, nil
		}
		if time.Since(start) > quietLimit {
			progress("warning: other processes still use %.2f CPUs after %s; measuring anyway", load, quietLimit)
			return load, nil
		}
		if !warned {
			progress("waiting for other processes to quieten (they use %.2f CPUs)", load)
			warned = true
		}
	}
}
