// Command loadbench sends a mix of every dashboard page and API call from
// many clients at once for a while, and reports throughput, latency
// percentiles and errors, overall and second by second (to see how long after
// a load the latencies take to settle). It only ever talks to the address it
// is given: run it against a server on this machine.
//
//	go run ./cmd/loadbench --base http://127.0.0.1:8080 --clients 50 --duration 30s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"spdash/internal/benchmix"
)

type result struct {
	path    string
	at      time.Duration // since the start
	took    time.Duration
	status  int
	errText string
}

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "the dashboard's address (this machine only)")
	clients := flag.Int("clients", 50, "concurrent clients")
	duration := flag.Duration("duration", 30*time.Second, "how long to send requests")
	timeline := flag.Bool("timeline", false, "print p99 second by second")
	byPath := flag.Bool("by-path", false, "print the latency percentiles of each path of the mix")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(os.Stderr, "loadbench: --base must be an address on this machine (127.0.0.1, localhost or ::1)")
		os.Exit(2)
	}
	// Asks for gzip as a browser does, but leaves the bodies compressed: the
	// clients share the server's two cores, and unpacking is the browser's
	// work on its own machine, not the server's.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients, DisableCompression: true, ReadBufferSize: readBuffer}}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	start := time.Now()
	results := make(chan result, 1024)
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			buf := make([]byte, readBuffer)
			for n := i; ctx.Err() == nil; n++ {
				path := benchmix.URLs[n%len(benchmix.URLs)]
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, *base+path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := client.Do(req)
				r := result{path: path, at: t0.Sub(start)}
				if err != nil {
					if ctx.Err() != nil {
						return // the run ended mid-request
					}
					r.errText = err.Error()
				} else {
					discard(resp.Body, buf)
					resp.Body.Close()
					r.status = resp.StatusCode
				}
				r.took = time.Since(t0)
				results <- r
			}
		}(i)
	}
	go func() { wg.Wait(); close(results) }()
	var all []result
	for r := range results {
		all = append(all, r)
	}
	elapsed := time.Since(start)
	report(all, elapsed, *clients)
	if *byPath {
		reportByPath(all)
	}
	if *timeline {
		bySecond := map[int][]time.Duration{}
		for _, r := range all {
			s := int(r.at / time.Second)
			bySecond[s] = append(bySecond[s], r.took)
		}
		var secs []int
		for s := range bySecond {
			secs = append(secs, s)
		}
		sort.Ints(secs)
		for _, s := range secs {
			d := bySecond[s]
			sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
			fmt.Printf("second %3d: %5d requests, p50 %7.1f ms, p99 %7.1f ms\n", s, len(d), ms(pct(d, 0.50)), ms(pct(d, 0.99)))
		}
	}
}

func report(all []result, elapsed time.Duration, clients int) {
	var durs []time.Duration
	errs := map[string]int{}
	for _, r := range all {
		durs = append(durs, r.took)
		switch {
		case r.errText != "":
			errs[r.errText]++
		case r.status != http.StatusOK:
			errs[fmt.Sprintf("status %d", r.status)]++
		}
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	fmt.Printf("%d clients, %.1f s, %d requests, %.0f requests/s\n", clients, elapsed.Seconds(), len(all), float64(len(all))/elapsed.Seconds())
	fmt.Printf("latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", ms(pct(durs, 0.5)), ms(pct(durs, 0.9)), ms(pct(durs, 0.99)), ms(pct(durs, 1)))
	if len(errs) == 0 {
		fmt.Println("errors: none")
		return
	}
	var lines []string
	for e, n := range errs {
		lines = append(lines, fmt.Sprintf("  %d × %s", n, e))
	}
	sort.Strings(lines)
	fmt.Printf("errors:\n%s\n", strings.Join(lines, "\n"))
}

// reportByPath prints each path's request count and percentiles, slowest p99
// first, to show which responses make the tail.
func reportByPath(all []result) {
	durs := map[string][]time.Duration{}
	for _, r := range all {
		durs[r.path] = append(durs[r.path], r.took)
	}
	var paths []string
	for p, d := range durs {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return pct(durs[paths[i]], 0.99) > pct(durs[paths[j]], 0.99) })
	for _, p := range paths {
		d := durs[p]
		fmt.Printf("%-60s %6d requests, p50 %6.1f ms, p99 %6.1f ms, max %6.1f ms\n", p, len(d), ms(pct(d, 0.5)), ms(pct(d, 0.99)), ms(pct(d, 1)))
	}
}

// readBuffer is how much a client reads from its connection at once. A
// browser reads a response in large pieces; io.Copy to io.Discard would read
// it 8 KB at a time, and the extra system calls of 50 such clients take CPU
// from the server they share the machine with.
const readBuffer = 256 << 10

// discard reads a body to its end in buf-sized pieces.
func discard(body io.Reader, buf []byte) {
	for {
		if _, err := body.Read(buf); err != nil {
			return
		}
	}
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(p*float64(len(d))) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(d) {
		i = len(d) - 1
	}
	return d[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
