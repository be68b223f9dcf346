package handlers

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"gatehouse/client"
)

// PersonCache is a cache of one person's own Okta data (profile, apps, groups), above the
// client and keyed by that person: nothing cached for one person is ever served to another
// (SECURITY.md 43). Concurrent misses for the same key share one Okta call (singleflight), so a
// person hammering reload costs a handful of calls per TTL (SECURITY.md 48). Gatehouse drops a
// person's entries whenever it changes their data, stale ones included.
//
// Okta's rate limit, shared by every integration of the org, is what bounds a morning's
// arrivals (docs/PERFORMANCE.md "Arrivals"), so the cache also:
//   - is seeded by sign-in (Seed) with what sign-in had to read anyway, so the first dashboard
//     does not read it again;
//   - keeps apps and groups, which change rarely, for LongTTL, and refreshes an entry in the
//     background when it is used in the last quarter of its life (refresh-ahead), so that a
//     person who keeps using Gatehouse never waits for a miss;
//   - keeps an entry for StaleFor past its expiry, and serves it (marked stale) only when Okta
//     answers 429 or is unavailable: a busy Okta shows slightly old data rather than an error.
type PersonCache struct {
	opts CacheOptions

	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
	gens    map[string]uint64 // per person; bumped by Invalidate
	flight  singleflight.Group
}

// CacheOptions configures a PersonCache. NewApp fills every field from web.Config.
type CacheOptions struct {
	// TTL is how long the profile (and any kind not listed below) is fresh; 0 turns caching,
	// seeding and coalescing off altogether.
	TTL time.Duration
	// LongTTL is how long apps and groups are fresh; 0 means TTL.
	LongTTL time.Duration
	// StaleFor is how long past its expiry an entry is kept to be served while Okta is rate
	// limiting or unavailable; 0 keeps nothing past expiry.
	StaleFor time.Duration
	// NoRefreshAhead turns the background refresh off (the benchmark's "today").
	NoRefreshAhead bool
	Now            func() time.Time
}

// The kinds of data cached per person.
const (
	kindMe     = "me"
	kindApps   = "apps"
	kindGroups = "groups"
	// kindClaimGroups are the group names of the ID token's groups claim, seeded at sign-in;
	// they serve the dashboard's groups card until the full groups (kindGroups) are read.
	kindClaimGroups = "claimGroups"
)

// cacheKey is a struct, not a joined string, so that a hit allocates nothing.
type cacheKey struct{ person, kind string }

type cacheEntry struct {
	val any
	at  time.Time // when it was loaded
	exp time.Time // fresh until
	gen uint64
}

// NewPersonCache returns a cache configured by opts.
func NewPersonCache(opts CacheOptions) *PersonCache {
	if opts.LongTTL <= 0 {
		opts.LongTTL = opts.TTL
	}
	return &PersonCache{opts: opts, entries: map[cacheKey]cacheEntry{}, gens: map[string]uint64{}}
}

func (c *PersonCache) on() bool { return c != nil && c.opts.TTL > 0 }

func (c *PersonCache) ttl(kind string) time.Duration {
	if kind == kindApps || kind == kindGroups || kind == kindClaimGroups {
		return c.opts.LongTTL
	}
	return c.opts.TTL
}

// Seed stores a value sign-in has just read from Okta for person, as a fresh load would.
func (c *PersonCache) Seed(person, kind string, val any) {
	if !c.on() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	c.entries[cacheKey{person, kind}] = cacheEntry{val: val, at: now, exp: now.Add(c.ttl(kind)), gen: c.gens[person]}
}

// peek returns the fresh value for (person, kind), if there is one, without loading anything.
func peek[T any](c *PersonCache, person, kind string) (T, bool) {
	var zero T
	if !c.on() {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[cacheKey{person, kind}]
	if !ok || e.gen != c.gens[person] || !c.opts.Now().Before(e.exp) {
		return zero, false
	}
	v, ok := e.val.(T)
	return v, ok
}

// cached returns the value for (person, kind), loading it on a miss; a stale value served
// because Okta is busy comes back without an error, like a fresh one.
func cached[T any](ctx context.Context, c *PersonCache, person, kind string, load func(context.Context) (T, error)) (T, error) {
	v, _, err := cachedState(ctx, c, person, kind, load)
	return v, err
}

// busy reports whether err means Okta could not answer now (rate limited, unavailable), as
// opposed to answering no: only then is a stale value better than the error.
func busy(err error) bool {
	return errors.Is(err, client.ErrRateLimited) || errors.Is(err, client.ErrUnavailable)
}

// cachedState is cached, also reporting whether the value is stale: past its TTL, served
// because Okta was busy when asked again.
func cachedState[T any](ctx context.Context, c *PersonCache, person, kind string, load func(context.Context) (T, error)) (T, bool, error) {
	if !c.on() {
		v, err := load(ctx)
		return v, false, err
	}
	key := cacheKey{person, kind}
	c.mu.Lock()
	gen := c.gens[person]
	now := c.opts.Now()
	e, found := c.entries[key]
	found = found && e.gen == gen && now.Before(e.exp.Add(c.opts.StaleFor))
	if found && now.Before(e.exp) {
		c.mu.Unlock()
		// Refresh-ahead: used in the last quarter of its life, the entry is reloaded in the
		// background, so the next request still hits.
		if !c.opts.NoRefreshAhead && e.exp.Sub(now) < c.ttl(kind)/4 {
			refresh(ctx, c, person, kind, gen, load)
		}
		return e.val.(T), false, nil
	}
	c.mu.Unlock()

	v, err := loadShared(ctx, c, person, kind, gen, load)
	if err != nil {
		if found && busy(err) {
			return e.val.(T), true, nil
		}
		var zero T
		return zero, false, err
	}
	return v, false, nil
}

// loadShared runs load for (person, kind) at generation gen, shared with concurrent callers,
// and stores the result unless the person's data was invalidated meanwhile.
func loadShared[T any](ctx context.Context, c *PersonCache, person, kind string, gen uint64, load func(context.Context) (T, error)) (T, error) {
	// The flight key carries the generation: a call started before an invalidation is never
	// joined by one that starts after it.
	ch := c.flight.DoChan(flightKey(person, kind, gen), func() (any, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		c.store(person, kind, gen, v)
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

// refresh reloads (person, kind) in the background, unless a load of it is already running.
// It runs on ctx's values (the person's session) but not its cancellation: the request that
// triggered it does not wait for it. The client's per-call deadline bounds it.
func refresh[T any](ctx context.Context, c *PersonCache, person, kind string, gen uint64, load func(context.Context) (T, error)) {
	bg := client.WithoutRateLimitWait(context.WithoutCancel(ctx))
	c.flight.DoChan(flightKey(person, kind, gen), func() (any, error) {
		v, err := load(bg)
		if err != nil {
			return nil, err // the entry stays; it expires or is served stale as usual
		}
		c.store(person, kind, gen, v)
		return v, nil
	})
}

func flightKey(person, kind string, gen uint64) string {
	return person + "\x00" + kind + "\x00" + strconv.FormatUint(gen, 10)
}

func (c *PersonCache) store(person, kind string, gen uint64, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gens[person] == gen {
		now := c.opts.Now()
		c.entries[cacheKey{person, kind}] = cacheEntry{val: v, at: now, exp: now.Add(c.ttl(kind)), gen: gen}
	}
}

// Invalidate drops everything cached for person, stale entries included: after their own
// change (or an admin's) nothing read before it is shown again, even while Okta is busy.
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

// Sweep removes entries past their expiry and stale period; the owner calls it periodically.
// This is what bounds the cache: at most one value per person and kind, none older than TTL
// plus StaleFor.
func (c *PersonCache) Sweep() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	for k, e := range c.entries {
		if !now.Before(e.exp.Add(c.opts.StaleFor)) {
			delete(c.entries, k)
		}
	}
}

// Len is the number of entries held, for tests and metrics.
func (c *PersonCache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
