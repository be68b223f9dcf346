package handlers

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// PersonCache is a short cache of one person's own Okta data (profile, apps, groups), above the
// client and keyed by that person: nothing cached for one person is ever served to another
// (SECURITY.md 43). Concurrent misses for the same key share one Okta call (singleflight), so a
// person hammering reload costs a handful of calls per TTL (SECURITY.md 48). Gatehouse drops a
// person's entries whenever it changes their data.
type PersonCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
	gens    map[string]uint64 // per person; bumped by Invalidate
	flight  singleflight.Group
}

// cacheKey is a struct, not a joined string, so that a hit allocates nothing.
type cacheKey struct{ person, kind string }

type cacheEntry struct {
	val any
	exp time.Time
	gen uint64
}

// NewPersonCache returns a cache whose entries live for ttl; ttl 0 turns caching and
// coalescing off.
func NewPersonCache(ttl time.Duration, now func() time.Time) *PersonCache {
	return &PersonCache{ttl: ttl, now: now, entries: map[cacheKey]cacheEntry{}, gens: map[string]uint64{}}
}

// cached returns the value for (person, kind), loading it on a miss.
func cached[T any](ctx context.Context, c *PersonCache, person, kind string, load func(context.Context) (T, error)) (T, error) {
	if c == nil || c.ttl <= 0 {
		return load(ctx)
	}
	key := cacheKey{person, kind}
	c.mu.Lock()
	gen := c.gens[person]
	if e, ok := c.entries[key]; ok && e.gen == gen && c.now().Before(e.exp) {
		c.mu.Unlock()
		return e.val.(T), nil
	}
	c.mu.Unlock()

	// The flight key carries the generation: a call started before an invalidation is never
	// joined by one that starts after it.
	fkey := person + "\x00" + kind + "\x00" + strconv.FormatUint(gen, 10)
	ch := c.flight.DoChan(fkey, func() (any, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.gens[person] == gen {
			c.entries[key] = cacheEntry{val: v, exp: c.now().Add(c.ttl), gen: gen}
		}
		c.mu.Unlock()
		return v, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			// The shared call ran on the first caller's context; if that caller went away, the
			// others should not fail with it.
			if errors.Is(res.Err, context.Canceled) && ctx.Err() == nil {
				return load(ctx)
			}
			var zero T
			return zero, res.Err
		}
		return res.Val.(T), nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Invalidate drops everything cached for person.
func (c *PersonCache) Invalidate(person string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[person]++
	for k := range c.entries {
		if k.person == person {
			delete(c.entries, k)
		}
	}
}

// Sweep removes expired entries; the owner calls it periodically.
func (c *PersonCache) Sweep() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, e := range c.entries {
		if !now.Before(e.exp) {
			delete(c.entries, k)
		}
	}
}
