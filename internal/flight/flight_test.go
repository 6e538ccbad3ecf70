package flight

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Callers of one key while it runs share one call and its result; a later
// caller runs it again; a caller whose context ends stops waiting, and the
// call goes on without its cancellation.
func TestOneCallPerKeyWhileItRuns(t *testing.T) {
	var g Group[int]
	var calls atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]int, 5)
	wg.Add(1)
	go func() {
		defer wg.Done()
		results[0], _ = g.Do(context.Background(), "k", func(ctx context.Context) (int, error) {
			calls.Add(1)
			close(started)
			<-release
			return 42, ctx.Err()
		})
	}()
	<-started
	for i := 1; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = g.Do(context.Background(), "k", func(context.Context) (int, error) { calls.Add(1); return -1, nil })
		}()
	}
	for g.waiting.Load() < 3 { // the three are waiting for the first's call
		runtime.Gosched()
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Do(cancelled, "k", func(context.Context) (int, error) { return -1, nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("a waiter whose context ended: %v", err)
	}
	close(release)
	wg.Wait()
	for i, r := range results[:4] {
		if r != 42 {
			t.Errorf("caller %d got %d", i, r)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d calls for four concurrent callers", n)
	}
	if v, _ := g.Do(context.Background(), "k", func(context.Context) (int, error) { return 7, nil }); v != 7 {
		t.Errorf("a later call got %d, want its own 7", v)
	}
}

// A call that panics releases its waiters with ErrFailed and frees the key.
func TestAPanicReleasesTheWaiters(t *testing.T) {
	var g Group[string]
	started := make(chan struct{})
	release := make(chan struct{})
	go func() {
		defer func() { _ = recover() }()
		_, _ = g.Do(context.Background(), "k", func(context.Context) (string, error) {
			close(started)
			<-release
			panic("boom")
		})
	}()
	<-started
	got := make(chan error, 1)
	go func() {
		_, err := g.Do(context.Background(), "k", func(context.Context) (string, error) { return "second", nil })
		got <- err
	}()
	for g.waiting.Load() < 1 {
		runtime.Gosched()
	}
	close(release)
	if err := <-got; !errors.Is(err, ErrFailed) {
		t.Errorf("the waiter of a call that panicked: %v", err)
	}
	if v, err := g.Do(context.Background(), "k", func(context.Context) (string, error) { return "after", nil }); v != "after" || err != nil {
		t.Errorf("after the panic: %q, %v", v, err)
	}
}
