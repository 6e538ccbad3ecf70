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
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(os.Stderr, "loadbench: --base must be an address on this machine (127.0.0.1, localhost or ::1)")
		os.Exit(2)
	}
	// Asks for gzip as a browser does, but leaves the bodies compressed: the
	// clients share the server's two cores, and unpacking is the browser's
	// work on its own machine, not the server's.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients, DisableCompression: true}}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	start := time.Now()
	results := make(chan result, 1024)
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := i; ctx.Err() == nil; n++ {
				path := benchmix.URLs[n%len(benchmix.URLs)]
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, *base+path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := client.Do(req)
				r := result{at: t0.Sub(start)}
				if err != nil {
					if ctx.Err() != nil {
						return // the run ended mid-request
					}
					r.errText = err.Error()
				} else {
					_, _ = io.Copy(io.Discard, resp.Body)
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
