package dashboard

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"

	"spdash/internal/flight"
)

// figureCache keeps computed answers in memory, keyed by what was asked and
// the data they read. Data changes only when a load commits, and every
// commit moves the data's stamp, so an answer never goes stale under its
// key: a request after a load asks under the new stamp and is computed
// afresh. Concurrent requests for one key compute once. The cache is bounded
// by a weight (roughly the areas held), the least recently used answers
// leaving first.
//
// Cached values are shared between requests: they are read, never changed.
type figureCache struct {
	mu      sync.Mutex
	held    lru
	flights flight.Group[any]

	computes atomic.Int64 // answers computed (misses that ran), for tests and logs
	hits     atomic.Int64
}

// DefaultCacheWeight bounds the cache: about this many areas' figures (a
// national PCN report weighs about 1,250), some hundreds of megabytes at most.
const DefaultCacheWeight = 60_000

func newFigureCache(budget int) *figureCache {
	if budget <= 0 {
		budget = DefaultCacheWeight
	}
	return &figureCache{held: newLRU(budget)}
}

// get returns the value under key, computing it with compute when absent;
// concurrent callers of one key wait for a single computation. weigh gives a
// value's weight; errors are not kept. compute runs without the caller's
// cancellation (it may serve others too); the database's own query timeout
// bounds it.
func (c *figureCache) get(ctx context.Context, key string, compute func(context.Context) (any, error), weigh func(any) int) (any, error) {
	if v, ok := c.lookup(key); ok {
		c.hits.Add(1)
		return v, nil
	}
	return c.flights.Do(ctx, key, func(ctx context.Context) (any, error) {
		if v, ok := c.lookup(key); ok { // kept by a flight that ended just before this one began
			return v, nil
		}
		c.computes.Add(1)
		v, err := compute(ctx)
		if err == nil {
			c.mu.Lock()
			c.held.put(key, v, max(1, weigh(v)))
			c.mu.Unlock()
		}
		return v, err
	})
}

func (c *figureCache) lookup(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held.get(key)
}

// len is the number of answers held.
func (c *figureCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.held.entries)
}

// lru holds values by key up to a total weight, the least recently used
// leaving first. Its callers lock.
type lru struct {
	budget  int // total weight held at most
	weight  int
	entries map[string]*list.Element
	order   *list.List // front: most recently used
}

type lruEntry struct {
	key    string
	value  any
	weight int
}

func newLRU(budget int) lru {
	return lru{budget: budget, entries: map[string]*list.Element{}, order: list.New()}
}

func (l *lru) get(key string) (any, bool) {
	el, ok := l.entries[key]
	if !ok {
		return nil, false
	}
	l.order.MoveToFront(el)
	return el.Value.(*lruEntry).value, true
}

// put keeps a value unless its key is held or it weighs more than the whole
// budget (served, not kept), then evicts beyond the budget.
func (l *lru) put(key string, value any, weight int) {
	if _, ok := l.entries[key]; ok || weight > l.budget {
		return
	}
	l.entries[key] = l.order.PushFront(&lruEntry{key: key, value: value, weight: weight})
	l.weight += weight
	for l.weight > l.budget {
		el := l.order.Back()
		e := el.Value.(*lruEntry)
		l.order.Remove(el)
		delete(l.entries, e.key)
		l.weight -= e.weight
	}
}
