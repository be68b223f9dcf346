package web_test

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/redistest"
	"gatehouse/web/webtest"
)

// startRedis starts a private redis-server. It skips without one, unless
// GATEHOUSE_REQUIRE_REDIS is set (CI), where a missing server is a failure.
func startRedis(t *testing.T) *redistest.Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil && os.Getenv("GATEHOUSE_REQUIRE_REDIS") != "" {
		t.Fatal("GATEHOUSE_REQUIRE_REDIS is set but redis-server is not on PATH (apt-get install redis-server)")
	}
	return redistest.Start(t)
}

// failFastRedis is a client with the options cmd/gatehouse uses in production: a dead Redis
// costs about a second, not go-redis's default retries.
func failFastRedis(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: srv.Addr(), DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		PoolTimeout: time.Second, MaxRetries: 1, DialerRetries: 1, ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// instance starts one Gatehouse on the shared emulator and Redis, as another process would:
// its own Redis client, the same session keys.
func instance(t *testing.T, okta *oktatest.Server, srv *redistest.Server, keys [][]byte) *webtest.Env {
	t.Helper()
	rdb := failFastRedis(t, srv)
	return webtest.New(t, webtest.Options{Okta: okta, Configure: func(c *web.Config) {
		c.Redis = rdb
		c.SessionKeys = keys
		c.CacheTTL = 0
	}})
}

// get fetches url without following redirects and returns the status, the Location and the
// parsed page.
func get(t *testing.T, c *http.Client, u string) (int, string, string) {
	t.Helper()
	res, err := webtest.NoRedirects(c).Get(u)
	require.NoError(t, err)
	doc := webtest.Parse(t, res)
	return res.StatusCode, res.Header.Get("Location"), strings.TrimSpace(doc.Find("[data-testid=profile-name]").Text())
}

func readyz(t *testing.T, env *webtest.Env) int {
	t.Helper()
	res, err := http.Get(env.URL + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

// TestTwoInstancesShareRedis is DESIGN.md §9: two Gatehouse instances on one Redis behave as
// one portal. TestF6_RedisOutageTwoInstances (fault_session_test.go) takes the same pair
// through a Redis outage.
func TestTwoInstancesShareRedis(t *testing.T) {
	t.Parallel()
	top := t
	rds := startRedis(t)
	okta := oktatest.NewServer(oktatest.Config{})
	t.Cleanup(okta.Close)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keys := [][]byte{key}
	a := instance(t, okta, rds, keys)
	b := instance(t, okta, rds, keys)
	aliceID := okta.UserID("alice@example.com")
	require.NotEmpty(t, aliceID)

	// Cookies are host-scoped, not port-scoped: one jar on 127.0.0.1 is the same browser
	// talking to both instances through a load balancer.
	alice := a.SignInAs(t, "alice@example.com")

	t.Run("a session started on A is signed in on B", func(t *testing.T) {
		status, _, name := get(t, alice, b.URL+"/")
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "Alice Anderson", name, "B shows alice's dashboard from the session A created")
	})

	t.Run("clear sessions on B ends the session on A", func(t *testing.T) {
		ada := b.SignInAs(t, "ada@example.com")
		res := b.Do(t, ada, http.MethodPost, "/admin/users/"+aliceID+"/clear-sessions",
			url.Values{"confirm": {"yes"}, "reason": {"INC-7 two-instance test"}}, nil)
		res.Body.Close()
		require.Less(t, res.StatusCode, 400, "ada's clear-sessions on B should succeed")

		status, loc, _ := get(t, alice, a.URL+"/profile")
		assert.Equal(t, http.StatusFound, status, "alice's old session must not open /profile on A")
		assert.True(t, strings.HasPrefix(loc, "/login"), "alice is sent to sign in, got %q", loc)
		status, loc, _ = get(t, alice, b.URL+"/profile")
		assert.Equal(t, http.StatusFound, status, "nor on B")
		assert.True(t, strings.HasPrefix(loc, "/login"), "got %q", loc)
	})

	alice = a.SignInAs(t, "alice@example.com")

	t.Run("signing out everywhere on B ends the session on A", func(t *testing.T) {
		hal := a.SignInAs(t, "hal@example.com")
		res := b.Do(t, hal, http.MethodPost, "/signout-everywhere", url.Values{}, nil)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "sign out everywhere ends on the landing page")
		status, loc, _ := get(t, hal, a.URL+"/profile")
		assert.Equal(t, http.StatusFound, status)
		assert.True(t, strings.HasPrefix(loc, "/login"), "got %q", loc)
		status, _, name := get(t, alice, a.URL+"/")
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "Alice Anderson", name, "someone else's sign-out leaves alice signed in")
	})

	t.Run("restarting A loses no session", func(t *testing.T) {
		a.Server.Close()
		require.NoError(t, a.App.Close())
		a = instance(top, okta, rds, keys) // lives until the whole test ends
		status, _, name := get(t, alice, a.URL+"/")
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "Alice Anderson", name, "the new A finds alice's session in Redis")
	})
}
