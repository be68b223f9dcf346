package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backendSuite is the contract every Backend implements, run once per
// backend (TestMemoryBackend, TestRedisBackend).
func backendSuite(t *testing.T, mk newFixture) {
	tests := []struct {
		name string
		run  func(t *testing.T, fx *fixture)
	}{
		{name: "get and set modes", run: testBackendSetModes},
		{name: "compare and swap or delete", run: testBackendCompare},
		{name: "take is get and delete", run: testBackendTake},
		{name: "delete and exists", run: testBackendDeleteExists},
		{name: "sets", run: testBackendSets},
		{name: "count by prefix", run: testBackendCount},
		{name: "entries expire", run: testBackendExpiry},
		{name: "non-positive TTLs are refused", run: testBackendBadTTL},
		{name: "closed backend fails", run: testBackendClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, mk(t))
		})
	}
}

func testBackendSetModes(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	got, err := b.Get(ctx, "a")
	require.NoError(t, err)
	assert.Nil(t, got, "absent keys are nil without error")

	tests := []struct {
		name    string
		mode    SetMode
		val     string
		wantOK  bool
		wantVal string
	}{
		{name: "if present on absent key", mode: SetIfPresent, val: "x", wantOK: false, wantVal: ""},
		{name: "if absent on absent key", mode: SetIfAbsent, val: "1", wantOK: true, wantVal: "1"},
		{name: "if absent on present key", mode: SetIfAbsent, val: "2", wantOK: false, wantVal: "1"},
		{name: "if present on present key", mode: SetIfPresent, val: "3", wantOK: true, wantVal: "3"},
		{name: "always", mode: SetAlways, val: "4", wantOK: true, wantVal: "4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := b.Set(ctx, "a", []byte(tt.val), time.Minute, tt.mode)
			require.NoError(t, err)
			assert.Equal(t, tt.wantOK, ok)
			got, err := b.Get(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, tt.wantVal, string(got))
		})
	}
}

func testBackendCompare(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	ok, err := b.CompareAndSwap(ctx, "k", []byte("old"), []byte("new"), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "no swap on an absent key")
	_, err = b.Set(ctx, "k", []byte("old"), time.Minute, SetAlways)
	require.NoError(t, err)

	ok, err = b.CompareAndSwap(ctx, "k", []byte("other"), []byte("new"), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "no swap when the value changed")
	ok, err = b.CompareAndSwap(ctx, "k", []byte("old"), []byte("new"), time.Hour)
	require.NoError(t, err)
	assert.True(t, ok)
	got, _ := b.Get(ctx, "k")
	assert.Equal(t, "new", string(got))
	assert.InDelta(t, time.Hour.Seconds(), fx.ttl(t, "k").Seconds(), 5, "swap sets the new TTL")

	ok, err = b.CompareAndDelete(ctx, "k", []byte("old"))
	require.NoError(t, err)
	assert.False(t, ok, "no delete when the value changed")
	ok, err = b.CompareAndDelete(ctx, "k", []byte("new"))
	require.NoError(t, err)
	assert.True(t, ok)
	got, _ = b.Get(ctx, "k")
	assert.Nil(t, got)
}

func testBackendTake(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	_, err := b.Set(ctx, "t", []byte("once"), time.Minute, SetAlways)
	require.NoError(t, err)
	got, err := b.Take(ctx, "t")
	require.NoError(t, err)
	assert.Equal(t, "once", string(got))
	got, err = b.Take(ctx, "t")
	require.NoError(t, err)
	assert.Nil(t, got, "a second take finds nothing")
}

func testBackendDeleteExists(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	_, err := b.Set(ctx, "x", []byte("1"), time.Minute, SetAlways)
	require.NoError(t, err)
	_, err = b.Set(ctx, "y", []byte("2"), time.Minute, SetAlways)
	require.NoError(t, err)
	require.NoError(t, b.SetAdd(ctx, "set", "m", time.Minute))

	ex, err := b.Exists(ctx, "x", "nope", "y", "set")
	require.NoError(t, err)
	assert.Equal(t, []bool{true, false, true, true}, ex)
	ex, err = b.Exists(ctx)
	require.NoError(t, err)
	assert.Empty(t, ex)

	n, err := b.Delete(ctx, "x", "nope", "set")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "Delete counts what existed, values and sets alike")
	n, err = b.Delete(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	ex, err = b.Exists(ctx, "x", "y", "set")
	require.NoError(t, err)
	assert.Equal(t, []bool{false, true, false}, ex)
}

func testBackendSets(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	m, err := b.SetMembers(ctx, "s")
	require.NoError(t, err)
	assert.Empty(t, m)
	require.NoError(t, b.SetAdd(ctx, "s", "a", time.Minute))
	require.NoError(t, b.SetAdd(ctx, "s", "b", time.Hour))
	require.NoError(t, b.SetAdd(ctx, "s", "a", time.Hour))
	m, err = b.SetMembers(ctx, "s")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a", "b"}, m)
	assert.InDelta(t, time.Hour.Seconds(), fx.ttl(t, "s").Seconds(), 5, "SetAdd sets the set's TTL")

	require.NoError(t, b.SetRemove(ctx, "s", "a", "zzz"))
	require.NoError(t, b.SetRemove(ctx, "s"))
	require.NoError(t, b.SetRemove(ctx, "absent", "a"))
	m, err = b.SetMembers(ctx, "s")
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, m)
	require.NoError(t, b.SetRemove(ctx, "s", "b"))
	ex, err := b.Exists(ctx, "s")
	require.NoError(t, err)
	assert.Equal(t, []bool{false}, ex, "an emptied set disappears")
}

func testBackendCount(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	for _, k := range []string{"s:1", "s:2", "s:3", "l:1", "x*s:"} {
		_, err := b.Set(ctx, k, []byte("v"), time.Minute, SetAlways)
		require.NoError(t, err)
	}
	tests := []struct {
		prefix string
		want   int
	}{
		{prefix: "s:", want: 3},
		{prefix: "l:", want: 1},
		{prefix: "x*", want: 1},
		{prefix: "*", want: 0}, // glob characters are literal
		{prefix: "none:", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			n, err := b.Count(ctx, tt.prefix)
			require.NoError(t, err)
			assert.Equal(t, tt.want, n)
		})
	}
}

func testBackendExpiry(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	_, err := b.Set(ctx, "short", []byte("v"), 100*time.Millisecond, SetAlways)
	require.NoError(t, err)
	_, err = b.Set(ctx, "long", []byte("v"), time.Hour, SetAlways)
	require.NoError(t, err)
	require.NoError(t, b.SetAdd(ctx, "shortset", "m", 100*time.Millisecond))

	fx.elapse(150 * time.Millisecond)
	got, err := b.Get(ctx, "short")
	require.NoError(t, err)
	assert.Nil(t, got, "an expired value is gone")
	m, err := b.SetMembers(ctx, "shortset")
	require.NoError(t, err)
	assert.Empty(t, m, "an expired set is gone")
	ok, err := b.Set(ctx, "short", []byte("again"), time.Minute, SetIfAbsent)
	require.NoError(t, err)
	assert.True(t, ok, "an expired key counts as absent")
	n, err := b.Count(ctx, "long")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func testBackendBadTTL(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	_, err := b.Set(ctx, "k", []byte("v"), 0, SetAlways)
	assert.Error(t, err)
	_, err = b.CompareAndSwap(ctx, "k", nil, []byte("v"), -time.Second)
	assert.Error(t, err)
	assert.Error(t, b.SetAdd(ctx, "s", "m", 0))
}

func testBackendClosed(t *testing.T, fx *fixture) {
	ctx, b := t.Context(), fx.b
	require.NoError(t, b.Ping(ctx))
	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close is idempotent")
	assert.ErrorIs(t, b.Ping(ctx), ErrClosed)
	_, err := b.Get(ctx, "k")
	assert.ErrorIs(t, err, ErrClosed)
	_, err = b.Set(ctx, "k", []byte("v"), time.Minute, SetAlways)
	assert.ErrorIs(t, err, ErrClosed)
}
