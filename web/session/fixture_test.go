package session

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"gatehouse/web/redistest"
)

// fakeClock is the injectable clock shared by a Store and a MemoryBackend.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is one backend under test, with the hooks the shared suite needs
// to look beneath the Store.
type fixture struct {
	b     Backend
	clock *fakeClock
	// ttl returns the backend TTL of key.
	ttl func(t *testing.T, key string) time.Duration
	// elapse lets d pass for the backend's own expiry: the fake clock for
	// memory, real time for Redis.
	elapse func(d time.Duration)
}

// newFixture makes a fresh, empty backend for one test.
type newFixture func(t *testing.T) *fixture

func memoryFixture(t *testing.T) *fixture {
	clock := newFakeClock()
	m := NewMemoryBackend(clock.Now)
	t.Cleanup(func() { _ = m.Close() })
	return &fixture{
		b:     m,
		clock: clock,
		ttl: func(t *testing.T, key string) time.Duration {
			m.mu.Lock()
			defer m.mu.Unlock()
			now := clock.Now().UnixNano()
			if v, ok := m.vals[key]; ok && v.exp > now {
				return time.Duration(v.exp - now)
			}
			if s, ok := m.sets[key]; ok && s.exp > now {
				return time.Duration(s.exp - now)
			}
			t.Fatalf("no live key %q", key)
			return 0
		},
		elapse: clock.Advance,
	}
}

// redisFixtures starts one redis-server for a whole suite and gives every
// test its own key prefix on it.
func redisFixtures(t *testing.T) (newFixture, *redistest.Server, *redis.Client) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	var n atomic.Int64
	return func(t *testing.T) *fixture {
		prefix := fmt.Sprintf("test%d:", n.Add(1))
		b := NewRedisBackend(rdb, prefix)
		t.Cleanup(func() { _ = b.Close() })
		return &fixture{
			b:     b,
			clock: newFakeClock(),
			ttl: func(t *testing.T, key string) time.Duration {
				d, err := rdb.PTTL(context.Background(), prefix+key).Result()
				require.NoError(t, err)
				require.Positive(t, d, "key %q must exist with a TTL", key)
				return d
			},
			elapse: time.Sleep,
		}
	}, srv, rdb
}

func testKey1() []byte { return bytes.Repeat([]byte{0x11}, KeySize) }
func testKey2() []byte { return bytes.Repeat([]byte{0x22}, KeySize) }

// newStore returns a Store on fx with test defaults (Secure, key 1, the
// fixture's clock); opts may change them.
func newStore(t *testing.T, fx *fixture, opts ...func(*Options)) *Store {
	t.Helper()
	o := Options{Keys: [][]byte{testKey1()}, Secure: true, Now: fx.clock.Now}
	for _, f := range opts {
		f(&o)
	}
	s, err := NewStore(fx.b, o)
	require.NoError(t, err)
	return s
}

func withKeys(keys ...[]byte) func(*Options) {
	return func(o *Options) { o.Keys = keys }
}

// Realistic token sizes: Okta access and ID tokens are JWTs of about a
// kilobyte, refresh tokens are short opaque strings.
func testRecord(user string) *Record {
	return &Record{
		UserID:   user,
		Issuer:   "https://example.okta.com",
		Login:    user + "@example.com",
		Name:     "Ada Lovelace",
		Email:    user + "@mail.example.com",
		Roles:    []string{"helpdesk"},
		AuthTime: time.Date(2026, 3, 2, 8, 59, 0, 0, time.UTC),
		Lang:     "de", PreferredLanguage: "ja", Locale: "ja_JP", Timezone: "Asia/Tokyo",
		Tokens: Tokens{
			Access:  "eyJhbGciOiJSUzI1NiJ9.ACCESS-" + strings.Repeat("a", 890),
			Refresh: "REFRESH-" + strings.Repeat("r", 32),
			ID:      "eyJhbGciOiJSUzI1NiJ9.IDTOKEN-" + strings.Repeat("i", 990),
			Expiry:  time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		},
	}
}

// request is a browser request carrying cookies.
func request(t *testing.T, cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://gatehouse.test/", nil)
	for _, c := range cookies {
		if c != nil {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return r
}

// setCookie returns the cookie called name that w set, or nil.
func setCookie(w *httptest.ResponseRecorder, name string) *http.Cookie {
	var found *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			found = c
		}
	}
	return found
}

// start signs a new session in for user and returns its record and cookie.
func start(t *testing.T, s *Store, user string) (*Record, *http.Cookie) {
	t.Helper()
	rec := testRecord(user)
	w := httptest.NewRecorder()
	require.NoError(t, s.Start(t.Context(), w, request(t), rec))
	c := setCookie(w, s.CookieName())
	require.NotNil(t, c, "Start must set the session cookie")
	return rec, c
}

// load is Load for a browser holding c.
func load(t *testing.T, s *Store, c *http.Cookie) *Record {
	t.Helper()
	rec, err := s.Load(request(t, c))
	require.NoError(t, err)
	return rec
}

// signedCookie forges a cookie for id that the store's keys verify: what an
// attacker would need a key for, used to show that a valid signature alone
// is not enough.
func signedCookie(t *testing.T, s *Store, id string) *http.Cookie {
	v, err := encodeID(s.kr.sessionCodecs, s.CookieName(), id)
	require.NoError(t, err)
	return &http.Cookie{Name: s.CookieName(), Value: v}
}

func indexMembers(t *testing.T, fx *fixture, user string) []string {
	m, err := fx.b.SetMembers(t.Context(), indexKey(user))
	require.NoError(t, err)
	return m
}

func rawRecord(t *testing.T, fx *fixture, id string) []byte {
	v, err := fx.b.Get(t.Context(), recordKey(id))
	require.NoError(t, err)
	return v
}
