package redistest

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServerLifecycle(t *testing.T) {
	srv := Start(t)
	c := srv.Client(t)
	ctx := t.Context()

	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	got, err := c.Get(ctx, "k").Result()
	require.NoError(t, err)
	assert.Equal(t, "v", got)

	opt, err := redis.ParseURL(srv.URL())
	require.NoError(t, err, "URL must be accepted by redis.ParseURL")
	assert.Equal(t, srv.Addr(), opt.Addr)

	srv.FlushAll(t)
	assert.ErrorIs(t, c.Get(ctx, "k").Err(), redis.Nil, "FlushAll must delete every key")

	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	srv.Stop()
	assert.Error(t, c.Ping(ctx).Err(), "a stopped server must not answer")

	srv.Restart()
	require.NoError(t, c.Ping(ctx).Err(), "the same client must reconnect after Restart")
	assert.ErrorIs(t, c.Get(ctx, "k").Err(), redis.Nil, "a restarted server keeps no data")
}

func TestServersAreIndependent(t *testing.T) {
	a, b := Start(t), Start(t)
	require.NotEqual(t, a.Addr(), b.Addr())
	ctx := t.Context()
	require.NoError(t, a.Client(t).Set(ctx, "k", "a", 0).Err())
	assert.ErrorIs(t, b.Client(t).Get(ctx, "k").Err(), redis.Nil, "servers must not share data")
}
