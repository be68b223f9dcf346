package session

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/redistest"
)

func TestMemoryStore(t *testing.T) {
	storeSuite(t, memoryFixture)
}

func TestMemoryBackend(t *testing.T) {
	backendSuite(t, memoryFixture)
}

func TestRedisStore(t *testing.T) {
	mk, _, _ := redisFixtures(t)
	storeSuite(t, mk)
}

func TestRedisBackend(t *testing.T) {
	mk, _, _ := redisFixtures(t)
	backendSuite(t, mk)
}

func TestMemoryJanitor(t *testing.T) {
	clock := newFakeClock()
	m := newMemoryBackend(clock.Now, 5*time.Millisecond)
	t.Cleanup(func() { _ = m.Close() })
	s, err := NewStore(m, Options{Keys: [][]byte{testKey1()}, Now: clock.Now})
	require.NoError(t, err)
	for _, u := range []string{"00ua", "00ub"} {
		require.NoError(t, s.Start(t.Context(), httptest.NewRecorder(), nil, testRecord(u)))
	}
	require.NoError(t, s.BeginLogin(t.Context(), httptest.NewRecorder(), LoginTx{State: "x"}))
	size := func() int {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.vals) + len(m.sets)
	}
	require.Equal(t, 5, size(), "2 records, 2 indexes, 1 login transaction")

	clock.Advance(31 * time.Minute) // records idle out; indexes live on
	assert.Eventually(t, func() bool { return size() == 2 }, 10*time.Second, 5*time.Millisecond,
		"the janitor purges expired records and login transactions")
	clock.Advance(10 * time.Hour)
	assert.Eventually(t, func() bool { return size() == 0 }, 10*time.Second, 5*time.Millisecond,
		"and expired indexes")

	require.NoError(t, m.Close()) // returns only once the janitor has stopped
	assert.Zero(t, m.purge(), "Close drops everything")
}

func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	clock := newFakeClock()
	s, err := NewStore(NewRedisBackend(srv.Client(t), ""), Options{Keys: [][]byte{testKey1()}, Secure: true, Now: clock.Now})
	require.NoError(t, err)
	_, c := start(t, s, "00uada")
	require.NotNil(t, load(t, s, c))

	srv.Stop()
	rec, err := s.Load(request(t, c))
	assert.Error(t, err, "Load must report a backend outage, not pretend the user is anonymous")
	assert.Nil(t, rec)
	assert.Error(t, s.Ping(t.Context()))
	assert.Error(t, s.Start(t.Context(), httptest.NewRecorder(), nil, testRecord("00ubob")))
	_, err = s.TakeLogin(t.Context(), httptest.NewRecorder(), request(t, c))
	assert.ErrorIs(t, err, ErrNoLogin, "no login cookie: decided before the backend is asked")

	srv.Restart() // same port, empty
	rec, err = s.Load(request(t, c))
	require.NoError(t, err, "the same Store works again once Redis is back")
	assert.Nil(t, rec, "the restarted server kept no data")
	_, c = start(t, s, "00uada")
	assert.NotNil(t, load(t, s, c))
	assert.NoError(t, s.Ping(t.Context()))
}

func TestRedisKeys(t *testing.T) {
	mk, _, rdb := redisFixtures(t)
	fx := mk(t)
	s := newStore(t, fx)
	rec, _ := start(t, s, "00uada")
	require.NoError(t, s.BeginLogin(t.Context(), httptest.NewRecorder(), LoginTx{State: "x"}))

	keys, err := rdb.Keys(t.Context(), "*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 3, "record, index and login transaction")
	for _, k := range keys {
		assert.True(t, strings.HasPrefix(k, "test1:"), "key %q must carry the backend prefix", k)
		assert.NotContains(t, k, rec.ID, "session ids appear in keys only hashed")
	}

	require.NoError(t, s.Close())
	assert.NoError(t, rdb.Ping(t.Context()).Err(), "closing the store leaves the caller's client open")
	assert.Equal(t, defaultRedisPrefix, NewRedisBackend(rdb, "").prefix)
}
