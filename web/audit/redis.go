package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Redis keeps the trail in a capped Redis list shared by every instance.
type Redis struct {
	rdb      redis.UniversalClient
	key      string
	capacity int64
}

// NewRedis returns a store keeping the newest capacity entries (default 100,000) under
// prefix+"audit".
func NewRedis(rdb redis.UniversalClient, prefix string, capacity int64) *Redis {
	if capacity <= 0 {
		capacity = 100000
	}
	if prefix == "" {
		prefix = "gatehouse:"
	}
	return &Redis{rdb: rdb, key: prefix + "audit", capacity: capacity}
}

// Append pushes e and trims the list, atomically.
func (s *Redis) Append(ctx context.Context, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, s.key, b)
		p.LTrim(ctx, s.key, 0, s.capacity-1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// Recent scans from the newest entry until limit matches are found.
func (s *Redis) Recent(ctx context.Context, f Filter) ([]Entry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	const batch = 500
	var out []Entry
	for start := int64(0); start < s.capacity && len(out) < limit; start += batch {
		vals, err := s.rdb.LRange(ctx, s.key, start, start+batch-1).Result()
		if err != nil {
			return nil, fmt.Errorf("read audit entries: %w", err)
		}
		for _, v := range vals {
			var e Entry
			if json.Unmarshal([]byte(v), &e) != nil {
				continue
			}
			if f.Matches(e) {
				out = append(out, e)
				if len(out) == limit {
					break
				}
			}
		}
		if len(vals) < batch {
			break
		}
	}
	return out, nil
}
