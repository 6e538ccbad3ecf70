package dashboard

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// figureCache keeps computed answers in memory, keyed by what was asked and
// the data version they read. Data changes only when a load commits, and
// every committed load advances the version, so an answer never goes stale
// under its key: a request after a load asks under the new version and is
// computed afresh. Concurrent requests for one key compute once. The cache is
// bounded by a weight (roughly the areas held), the least recently used
// answers leaving first.
//
// Cached values are shared between requests: they are read, never changed.
type figureCache struct {
	mu       sync.Mutex
	budget   int // total weight held at most
	weight   int
	entries  map[string]*list.Element
	lru      *list.List // front: most recently used
	inflight map[string]*flight

	computes atomic.Int64 // answers computed (misses that ran), for tests and logs
	hits     atomic.Int64
}

type cacheEntry struct {
	key    string
	value  any
	weight int
}

type flight struct {
	done  chan struct{}
	value any
	err   error
}

// DefaultCacheWeight bounds the cache: about this many areas' figures (a
// national PCN report weighs about 1,250), some hundreds of megabytes at most.
const DefaultCacheWeight = 60_000

func newFigureCache(budget int) *figureCache {
	if budget <= 0 {
		budget = DefaultCacheWeight
	}
	return &figureCache{budget: budget, entries: map[string]*list.Element{}, lru: list.New(), inflight: map[string]*flight{}}
}

// get returns the value under key, computing it with compute when absent;
// concurrent callers of one key wait for a single computation. weigh gives a
// value's weight; errors are not kept. compute runs without the caller's
// cancellation (it may serve others too) but keeps its deadline's spirit
// through the database's own query timeout.
func (c *figureCache) get(ctx context.Context, key string, compute func(context.Context) (any, error), weigh func(any) int) (any, error) {
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		c.hits.Add(1)
		return el.Value.(*cacheEntry).value, nil
	}
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.value, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[key] = f
	c.mu.Unlock()

	c.computes.Add(1)
	// Whatever happens in compute, a panic included, the waiters are
	// released and the key freed: nobody waits on a computation that died.
	f.err = errComputationFailed
	func() {
		defer func() {
			c.mu.Lock()
			delete(c.inflight, key)
			if f.err == nil {
				c.store(key, f.value, max(1, weigh(f.value)))
			}
			c.mu.Unlock()
			close(f.done)
		}()
		f.value, f.err = compute(context.WithoutCancel(ctx))
	}()
	return f.value, f.err
}

// errComputationFailed is what waiters get when a shared computation panicked.
var errComputationFailed = errors.New("the computation failed")

// store adds an entry and evicts the least recently used beyond the budget.
// c.mu is held.
func (c *figureCache) store(key string, value any, weight int) {
	if weight > c.budget {
		return // larger than the whole cache: served, not kept
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, value: value, weight: weight})
	c.weight += weight
	for c.weight > c.budget {
		el := c.lru.Back()
		e := el.Value.(*cacheEntry)
		c.lru.Remove(el)
		delete(c.entries, e.key)
		c.weight -= e.weight
	}
}

// len is the number of answers held.
func (c *figureCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// oneFlight shares one call among concurrent callers, keeping nothing: every
// request still asks, but fifty at once ask once.
type oneFlight struct {
	mu sync.Mutex
	f  *flight
}

func (o *oneFlight) do(ctx context.Context, fn func(context.Context) (any, error)) (any, error) {
	o.mu.Lock()
	if f := o.f; f != nil {
		o.mu.Unlock()
		select {
		case <-f.done:
			return f.value, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{}), err: errComputationFailed}
	o.f = f
	o.mu.Unlock()
	func() {
		defer func() {
			o.mu.Lock()
			o.f = nil
			o.mu.Unlock()
			close(f.done)
		}()
		f.value, f.err = fn(context.WithoutCancel(ctx))
	}()
	return f.value, f.err
}
