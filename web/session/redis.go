package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultRedisPrefix is the key prefix a RedisBackend uses when none is given.
const defaultRedisPrefix = "gatehouse:"

// The scripts compare whole values inside Redis so that a touch, an unlock
// or a lock release can never overwrite or delete what another instance
// wrote in between.
var (
	casScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`)
	cadScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)
)

// RedisBackend is a Backend on Redis (6.2 or later, for GETDEL), shared by
// every Gatehouse instance that points at the same server. TTLs are Redis
// TTLs, so expired records disappear without a janitor.
type RedisBackend struct {
	rdb    redis.UniversalClient
	prefix string

	mu     sync.Mutex
	closed bool
}

var _ Backend = (*RedisBackend)(nil)

// NewRedisBackend returns a RedisBackend that stores its keys in rdb under
// prefix (defaultRedisPrefix if empty). The caller keeps ownership of rdb:
// Close does not close it, because the same client usually serves rate
// limits and the audit trail too.
func NewRedisBackend(rdb redis.UniversalClient, prefix string) *RedisBackend {
	if prefix == "" {
		prefix = defaultRedisPrefix
	}
	return &RedisBackend{rdb: rdb, prefix: prefix}
}

func (b *RedisBackend) k(key string) string { return b.prefix + key }

func (b *RedisBackend) check() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	return nil
}

func ttlMillis(ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, fmt.Errorf("session: ttl %v is not positive", ttl)
	}
	return max(ttl.Milliseconds(), 1), nil
}

// Get implements Backend.
func (b *RedisBackend) Get(ctx context.Context, key string) ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	v, err := b.rdb.Get(ctx, b.k(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis get: %w", err)
	}
	return v, nil
}

// Set implements Backend.
func (b *RedisBackend) Set(ctx context.Context, key string, val []byte, ttl time.Duration, mode SetMode) (bool, error) {
	if err := b.check(); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, fmt.Errorf("session: ttl %v is not positive", ttl)
	}
	args := redis.SetArgs{TTL: ttl}
	switch mode {
	case SetIfAbsent:
		args.Mode = "NX"
	case SetIfPresent:
		args.Mode = "XX"
	}
	err := b.rdb.SetArgs(ctx, b.k(key), val, args).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil // NX or XX condition not met
	}
	if err != nil {
		return false, fmt.Errorf("redis set: %w", err)
	}
	return true, nil
}

// CompareAndSwap implements Backend.
func (b *RedisBackend) CompareAndSwap(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	if err := b.check(); err != nil {
		return false, err
	}
	ms, err := ttlMillis(ttl)
	if err != nil {
		return false, err
	}
	n, err := casScript.Run(ctx, b.rdb, []string{b.k(key)}, old, val, ms).Int()
	if err != nil {
		return false, fmt.Errorf("redis compare-and-swap: %w", err)
	}
	return n == 1, nil
}

// CompareAndDelete implements Backend.
func (b *RedisBackend) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	if err := b.check(); err != nil {
		return false, err
	}
	n, err := cadScript.Run(ctx, b.rdb, []string{b.k(key)}, old).Int()
	if err != nil {
		return false, fmt.Errorf("redis compare-and-delete: %w", err)
	}
	return n == 1, nil
}

// Take implements Backend with GETDEL, so two instances can never both take
// the same login transaction.
func (b *RedisBackend) Take(ctx context.Context, key string) ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	v, err := b.rdb.GetDel(ctx, b.k(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis getdel: %w", err)
	}
	return v, nil
}

// Delete implements Backend. Keys are deleted one command each, in one
// pipeline, so that it also works on a cluster where they live in different
// slots.
func (b *RedisBackend) Delete(ctx context.Context, keys ...string) (int, error) {
	if err := b.check(); err != nil {
		return 0, err
	}
	if len(keys) == 0 {
		return 0, nil
	}
	cmds := make([]*redis.IntCmd, len(keys))
	_, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Del(ctx, b.k(k))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis del: %w", err)
	}
	n := 0
	for _, c := range cmds {
		n += int(c.Val())
	}
	return n, nil
}

// Exists implements Backend.
func (b *RedisBackend) Exists(ctx context.Context, keys ...string) ([]bool, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.IntCmd, len(keys))
	_, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Exists(ctx, b.k(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis exists: %w", err)
	}
	out := make([]bool, len(keys))
	for i, c := range cmds {
		out[i] = c.Val() > 0
	}
	return out, nil
}

// SetAdd implements Backend; the add and the new TTL are applied together.
func (b *RedisBackend) SetAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if err := b.check(); err != nil {
		return err
	}
	if ttl <= 0 {
		return fmt.Errorf("session: ttl %v is not positive", ttl)
	}
	k := b.k(key)
	_, err := b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, k, member)
		p.PExpire(ctx, k, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis sadd: %w", err)
	}
	return nil
}

// SetRemove implements Backend.
func (b *RedisBackend) SetRemove(ctx context.Context, key string, members ...string) error {
	if err := b.check(); err != nil {
		return err
	}
	if len(members) == 0 {
		return nil
	}
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	if err := b.rdb.SRem(ctx, b.k(key), args...).Err(); err != nil {
		return fmt.Errorf("redis srem: %w", err)
	}
	return nil
}

// SetMembers implements Backend.
func (b *RedisBackend) SetMembers(ctx context.Context, key string) ([]string, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	m, err := b.rdb.SMembers(ctx, b.k(key)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis smembers: %w", err)
	}
	return m, nil
}

// Count implements Backend with SCAN (on every master of a cluster). It is
// O(keys in the database) and meant for a metrics scrape, not for requests.
func (b *RedisBackend) Count(ctx context.Context, prefix string) (int, error) {
	if err := b.check(); err != nil {
		return 0, err
	}
	match := globEscape(b.k(prefix)) + "*"
	if cc, ok := b.rdb.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		total := 0
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			n, err := scanCount(ctx, c, match)
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		if err != nil {
			return 0, err
		}
		return total, nil
	}
	return scanCount(ctx, b.rdb, match)
}

func scanCount(ctx context.Context, c redis.Cmdable, match string) (int, error) {
	n := 0
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, match, 1000).Result()
		if err != nil {
			return 0, fmt.Errorf("redis scan: %w", err)
		}
		n += len(keys)
		if next == 0 {
			return n, nil
		}
		cursor = next
	}
}

// globEscape escapes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// Ping implements Backend.
func (b *RedisBackend) Ping(ctx context.Context) error {
	if err := b.check(); err != nil {
		return err
	}
	if err := b.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Close marks the backend closed. It does not close the Redis client, which
// belongs to the caller.
func (b *RedisBackend) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}
