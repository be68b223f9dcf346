// Package ratelimit counts attempts per key in fixed windows, in memory for one instance or in
// Redis so that several instances share one budget (SECURITY.md 47).
//
// It is a leaf package: it imports nothing from the application.
package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Memory is a fixed-window counter map with periodic cleanup.
type Memory struct {
	now func() time.Time

	mu      sync.Mutex
	windows map[string]window
	checks  int
}

type window struct {
	count int
	reset time.Time
}

// NewMemory returns an in-memory limiter; now may be nil (time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, windows: map[string]window{}}
}

// Allow counts one attempt for key and reports whether it is within n per window.
func (m *Memory) Allow(_ context.Context, key string, n int, per time.Duration) (bool, time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checks++
	if m.checks%1024 == 0 {
		for k, w := range m.windows {
			if !now.Before(w.reset) {
				delete(m.windows, k)
			}
		}
	}
	w := m.windows[key]
	if !now.Before(w.reset) {
		w = window{reset: now.Add(per)}
	}
	w.count++
	m.windows[key] = w
	if w.count > n {
		return false, w.reset.Sub(now), nil
	}
	return true, 0, nil
}

// Redis is a fixed-window limiter shared through Redis (INCR + PEXPIRE in one script).
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedis returns a Redis-backed limiter; keys live under prefix+"rl:".
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	if prefix == "" {
		prefix = "gatehouse:"
	}
	return &Redis{rdb: rdb, prefix: prefix + "rl:"}
}

// allowScript increments the counter, starts the window on the first hit, and returns the
// count and the time left in the window.
var allowScript = redis.NewScript(`
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {c, ttl}
`)

// Allow counts one attempt for key and reports whether it is within n per window.
func (l *Redis) Allow(ctx context.Context, key string, n int, per time.Duration) (bool, time.Duration, error) {
	res, err := allowScript.Run(ctx, l.rdb, []string{l.prefix + key}, per.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("rate limit %s: unexpected reply", key)
	}
	if res[0] > int64(n) {
		return false, time.Duration(res[1]) * time.Millisecond, nil
	}
	return true, 0, nil
}
