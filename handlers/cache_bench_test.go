package handlers

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gatehouse/client"
)

// BenchmarkPersonCacheHit measures the hit path of the per-person cache: one lock, one map
// lookup, one clock read and the type assertion.
func BenchmarkPersonCacheHit(b *testing.B) {
	c := NewPersonCache(CacheOptions{TTL: time.Hour, Now: time.Now})
	ctx := context.Background()
	load := func(context.Context) (client.User, error) { return client.User{ID: "00u1"}, nil }
	if _, err := cached(ctx, c, "00u1", "me", load); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cached(ctx, c, "00u1", "me", load); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPersonCacheHitParallel is the same hit path from every core at once, across many
// people, as under load: it shows what the single mutex costs when contended.
func BenchmarkPersonCacheHitParallel(b *testing.B) {
	c := NewPersonCache(CacheOptions{TTL: time.Hour, Now: time.Now})
	ctx := context.Background()
	const people = 64
	ids := make([]string, people)
	for i := range ids {
		ids[i] = "00u" + strconv.Itoa(i)
		id := ids[i]
		if _, err := cached(ctx, c, id, "apps", func(context.Context) ([]client.AppLink, error) {
			return []client.AppLink{{ID: id}}, nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			id := ids[i%people]
			i++
			if _, err := cached(ctx, c, id, "apps", func(context.Context) ([]client.AppLink, error) {
				b.Error("miss on a warm cache")
				return nil, nil
			}); err != nil {
				b.Error(err)
			}
		}
	})
}
