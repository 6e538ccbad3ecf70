// Package flight shares one call per key among concurrent callers, keeping
// nothing: fifty requests at once for one answer ask once. The dashboard's
// figure cache and the queries' shared reads use it.
package flight

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrFailed is what the waiters get when a shared call panicked.
var ErrFailed = errors.New("the computation failed")

// Group holds the calls under way, by key. The zero Group is ready.
type Group[T any] struct {
	mu      sync.Mutex
	m       map[string]*call[T]
	waiting atomic.Int32 // callers waiting for another's call (the tests watch it)
}

type call[T any] struct {
	done  chan struct{}
	value T
	err   error
}

// Do runs fn once for the callers of key that arrive while it runs, and
// gives them all its result (shared: callers only read it). fn runs without
// the first caller's cancellation; a waiter whose context ends stops
// waiting. Whatever happens in fn, a panic included, the waiters are
// released and the key freed.
func (g *Group[T]) Do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, error) {
	g.mu.Lock()
	if c, ok := g.m[key]; ok {
		g.mu.Unlock()
		g.waiting.Add(1)
		defer g.waiting.Add(-1)
		select {
		case <-c.done:
			return c.value, c.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	if g.m == nil {
		g.m = map[string]*call[T]{}
	}
	c := &call[T]{done: make(chan struct{}), err: ErrFailed}
	g.m[key] = c
	g.mu.Unlock()
	func() {
		defer func() {
			g.mu.Lock()
			delete(g.m, key)
			g.mu.Unlock()
			close(c.done)
		}()
		c.value, c.err = fn(context.WithoutCancel(ctx))
	}()
	return c.value, c.err
}
