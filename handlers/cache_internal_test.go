package handlers

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestPersonCacheLifetimes: the profile lives TTL, apps and groups LongTTL; used in the last
// quarter of its life an entry is refreshed in the background; past its life it is served
// only when Okta is busy, for at most StaleFor; Sweep bounds what is kept; Invalidate drops
// stale entries too.
func TestPersonCacheLifetimes(t *testing.T) {
	const ttl, long, stale = 30 * time.Second, 5 * time.Minute, 10 * time.Minute
	type step struct {
		after     time.Duration // clock advance before the read
		oktaErr   error         // what Okta answers a load with
		wantVal   int           // the value read (the load count at the time it was loaded); 0: an error
		wantStale bool
		wantLoads int // loads so far, background refreshes included
	}
	busyErr := fmt.Errorf("list app links: %w", &client.Error{StatusCode: 429})
	tests := []struct {
		name  string
		kind  string
		steps []step
	}{
		{name: "apps live LongTTL", kind: kindApps, steps: []step{
			{wantVal: 1, wantLoads: 1}, {after: long / 2, wantVal: 1, wantLoads: 1}}},
		{name: "the profile lives TTL", kind: kindMe, steps: []step{
			{wantVal: 1, wantLoads: 1}, {after: ttl + time.Second, wantVal: 2, wantLoads: 2}}},
		{name: "refresh-ahead in the last quarter", kind: kindApps, steps: []step{
			{wantVal: 1, wantLoads: 1}, {after: long * 4 / 5, wantVal: 1, wantLoads: 2}, {after: long / 2, wantVal: 2, wantLoads: 2}}},
		{name: "stale served while Okta is busy", kind: kindApps, steps: []step{
			{wantVal: 1, wantLoads: 1}, {after: long + time.Second, oktaErr: busyErr, wantVal: 1, wantStale: true, wantLoads: 2}}},
		{name: "stale not served for another error", kind: kindApps, steps: []step{
			{wantVal: 1, wantLoads: 1}, {after: long + time.Second, oktaErr: client.ErrNotFound, wantLoads: 2}}},
		{name: "stale is bounded by StaleFor", kind: kindApps, steps: []step{
			{wantVal: 1, wantLoads: 1}, {after: long + stale + time.Second, oktaErr: busyErr, wantLoads: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &testClock{t: time.Unix(1_800_000_000, 0)}
			c := NewPersonCache(CacheOptions{TTL: ttl, LongTTL: long, StaleFor: stale, Now: clock.Now})
			var loads atomic.Int32
			var oktaErr error
			done := make(chan struct{}, 10)
			load := func(context.Context) (int, error) {
				defer func() { done <- struct{}{} }()
				n := int(loads.Add(1))
				if oktaErr != nil {
					return 0, oktaErr
				}
				return n, nil
			}
			for i, s := range tt.steps {
				clock.Add(s.after)
				oktaErr = s.oktaErr
				v, isStale, err := cachedState(t.Context(), c, "00u1", tt.kind, load)
				if int(loads.Load()) < s.wantLoads {
					select { // a background refresh
					case <-done:
					case <-time.After(5 * time.Second):
					}
				}
				require.Eventually(t, func() bool { return int(loads.Load()) == s.wantLoads }, 5*time.Second, time.Millisecond, "step %d: loads", i)
				if s.wantVal == 0 {
					assert.Error(t, err, "step %d", i)
					continue
				}
				require.NoError(t, err, "step %d", i)
				assert.Equal(t, s.wantVal, v, "step %d", i)
				assert.Equal(t, s.wantStale, isStale, "step %d", i)
			}
		})
	}
	t.Run("sweep and invalidate", func(t *testing.T) {
		clock := &testClock{t: time.Unix(1_800_000_000, 0)}
		c := NewPersonCache(CacheOptions{TTL: ttl, LongTTL: long, StaleFor: stale, Now: clock.Now})
		c.Seed("00u1", kindApps, 1)
		c.Seed("00u2", kindApps, 2)
		c.Seed("00u2", kindMe, 3)
		clock.Add(long + time.Second)
		c.Sweep()
		assert.Equal(t, 3, c.Len(), "expired entries are kept for StaleFor")
		c.Invalidate("00u2")
		assert.Equal(t, 1, c.Len(), "a person's change drops their stale entries too")
		clock.Add(stale)
		c.Sweep()
		assert.Zero(t, c.Len(), "nothing is kept past TTL + StaleFor")
	})
	t.Run("off", func(t *testing.T) {
		c := NewPersonCache(CacheOptions{Now: time.Now})
		c.Seed("00u1", kindMe, 1)
		assert.Zero(t, c.Len(), "TTL 0 seeds nothing")
	})
}
