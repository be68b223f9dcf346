package web_test

import (
	"context"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

func meCalls(env *webtest.Env) int {
	return env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Path == "/api/v1/users/me" })
}

func TestSec38_HungOktaGetsAnAnswer(t *testing.T) {
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.OktaTimeout = time.Second }})
	alice := env.SignInAs(t, "alice@example.com")
	baseline := runtime.NumGoroutine()
	env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/me", Hang: true})
	defer env.Okta.ClearFaults()
	start := time.Now()
	res, doc := env.Page(t, alice, "/profile")
	took := time.Since(start)
	assert.Equal(t, http.StatusOK, res.StatusCode, "the page renders with the section's error")
	assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), "took too long")
	assert.Less(t, took, 5*time.Second, "the per-call deadline (1s here, 8s by default) bounds the wait")
	env.Okta.ClearFaults()
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= baseline+10 }, 5*time.Second, 50*time.Millisecond, "goroutines return to baseline")
}

func TestSec39_RateLimitedByOkta(t *testing.T) {
	clock := &offsetClock{}
	env := webtest.New(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}})
	alice := env.SignInAs(t, "alice@example.com")
	ada := env.SignInAs(t, "ada@example.com")
	t.Run("a GET is retried once when the wait fits", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		env.Okta.ResetRequests()
		// Okta's reset is a whole second and the wait is reset − Date + 1 s, so a limit that
		// ends within the current second means a 2 s wait: the longest the client accepts. The
		// limit lasts 800 ms of that second, so a slow machine still meets it with the first
		// call, and is over when the retry comes. An admin page waits for the retry; the
		// person's own pages never do (next case).
		clock.alignTo(100 * time.Millisecond)
		env.Okta.ForceRateLimit("/api/v1/users/"+bob, 800*time.Millisecond)
		res, doc := env.Page(t, ada, "/admin/users/"+bob)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		// The forced limit covers bob's sub-resources too (factors, app links: another bucket,
		// read after the retry); whether their own retry fits depends on the machine's speed, so
		// only bob himself is judged here.
		assert.Equal(t, 0, doc.Find("#"+views.UserPanelID+" [data-testid=alert-error]").Length(), "the retry succeeded: %s", doc.Find("[data-testid=alert-error]").Text())
		assert.NotEmpty(t, strings.TrimSpace(doc.Find("[data-testid=person-name]").Text()), "bob himself is on the page")
		assert.Equal(t, 2, env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Path == "/api/v1/users/"+bob }), "one 429 and one retry")
		env.Okta.ClearFaults()
	})
	t.Run("the dashboard never waits on a 429: the section says it will appear shortly", func(t *testing.T) {
		env.Okta.ResetRequests()
		clock.alignTo(100 * time.Millisecond)
		env.Okta.ForceRateLimit("/api/v1/users/me", 800*time.Millisecond)
		res, doc := env.Page(t, alice, "/")
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, 1, doc.Find("#"+views.ProfileCardID+" [data-testid=section-pending]").Length(), "the profile polls instead of waiting")
		assert.Equal(t, 0, doc.Find("[data-testid=alert-error]").Length(), "no error box for a rate limit")
		assert.Equal(t, 1, meCalls(env), "one 429, no retry from a page")
		env.Okta.ClearFaults()
	})
	t.Run("a mutation is never retried", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		env.Okta.ResetRequests()
		env.Okta.ForceRateLimit("/api/v1/users/"+bob+"/lifecycle", 30*time.Second)
		res := env.Do(t, webtest.NoRedirects(ada), http.MethodPost, "/admin/users/"+bob+"/unlock", url.Values{"confirm": {"yes"}}, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
		assert.NotEmpty(t, res.Header.Get("Retry-After"), "the person is told when to retry")
		assert.Equal(t, 1, env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasSuffix(r.Path, "/unlock") }))
		assert.Equal(t, "LOCKED_OUT", env.Okta.UserStatus(bob))
		env.Okta.ClearFaults()
	})
}

func TestSec41_CircuitBreakerFailsFast(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	env.Okta.Inject(oktatest.Fault{Path: "/api/v1/", Status: http.StatusServiceUnavailable})
	defer env.Okta.ClearFaults()
	for range 3 {
		res, _ := env.Page(t, alice, "/groups")
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	env.Okta.ResetRequests()
	res, doc := env.Page(t, alice, "/groups")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), "cannot reach Okta")
	assert.Zero(t, env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/v1") }), "an open breaker sends nothing to Okta")
	html, _ := doc.Html()
	assert.NotContains(t, html, "goroutine")
	// The half-open probe and the 30 s cooldown are tested with a fake clock in package client.
}

func TestSec42_CancellationAndConcurrencyCap(t *testing.T) {
	t.Parallel()
	t.Run("a client that goes away cancels the Okta call", func(t *testing.T) {
		env := webtest.New(t, webtest.Options{})
		alice := env.SignInAs(t, "alice@example.com")
		env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/me", Hang: true})
		defer env.Okta.ClearFaults()
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.URL+"/profile", nil)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if res, err := alice.Do(req); err == nil {
				res.Body.Close()
			}
		}()
		require.Eventually(t, func() bool { return env.Okta.InFlight() > 0 }, 5*time.Second, 5*time.Millisecond)
		cancel()
		<-done
		require.Eventually(t, func() bool { return env.Okta.InFlight() == 0 }, time.Second, 5*time.Millisecond, "the Okta call ends with the request")
	})
	t.Run("past the cap, requests get 503 instead of queueing", func(t *testing.T) {
		env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.OktaMaxInFlight = 2 }})
		alice := env.SignInAs(t, "alice@example.com")
		env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/" + env.Okta.UserID("alice@example.com") + "/groups", Hang: true})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.URL+"/groups", nil)
				if res, err := alice.Do(req); err == nil {
					res.Body.Close()
				}
			})
		}
		require.Eventually(t, func() bool { return env.Okta.InFlight() == 2 }, 5*time.Second, 5*time.Millisecond)
		_, doc := env.Page(t, alice, "/groups")
		assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), "very busy")
		cancel()
		wg.Wait()
		env.Okta.ClearFaults()
	})
}

func TestSec43_NoCrossUserCaching(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.CacheTTL = 30 * time.Second }})
	alice := env.SignInAs(t, "alice@example.com")
	hal := env.SignInAs(t, "hal@example.com")
	for range 3 {
		_, doc := env.Page(t, alice, "/")
		assert.Equal(t, "alice@example.com", strings.TrimSpace(doc.Find("[data-testid=profile-login]").Text()))
		_, doc = env.Page(t, hal, "/")
		assert.Equal(t, "hal@example.com", strings.TrimSpace(doc.Find("[data-testid=profile-login]").Text()))
	}
}

func TestSec48_OktaBudgetGuard(t *testing.T) {
	t.Parallel()
	t.Run("one person reloading costs a handful of calls", func(t *testing.T) {
		env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.CacheTTL = 30 * time.Second }})
		alice := env.SignInAs(t, "alice@example.com")
		env.Okta.ResetRequests()
		for range 100 {
			res, _ := env.Page(t, alice, "/")
			require.Equal(t, http.StatusOK, res.StatusCode)
		}
		n := env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/v1") })
		assert.LessOrEqual(t, n, 10, "100 reloads cost %d Okta calls", n)
		t.Logf("100 dashboard reloads → %d Okta calls", n)
	})
	t.Run("an empty bucket is not hammered", func(t *testing.T) {
		env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.OktaMaxInFlight = 64 }})
		alice := env.SignInAs(t, "alice@example.com")
		env.Okta.ForceRateLimit("/api/v1/users/me", 30*time.Second)
		env.Okta.ResetRequests()
		for range 20 {
			res, _ := env.Page(t, alice, "/profile")
			require.Equal(t, http.StatusOK, res.StatusCode)
		}
		assert.LessOrEqual(t, meCalls(env), 1, "after Okta reports the bucket empty, GETs fail fast until it resets")
		env.Okta.ClearFaults()
	})
}
