package web_test

// F6 and F9 of SECURITY.md §3: the session store under a Redis outage and under concurrent
// token refreshes. The shared helpers are in fault_test.go and multiinstance_test.go.

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web"
	"gatehouse/web/redistest"
	"gatehouse/web/webtest"
)

// TestF6_RedisOutageTwoInstances is SECURITY.md §3 F6: two instances share one Redis, which
// stops and comes back. /readyz turns 503 within 5 s; signed-in requests fail closed (503,
// never shown as signed in, never signed out, never handed a new session); within 10 s of the
// restart both instances serve again without being restarted. Redis is down for a few seconds
// rather than the table's 30: a stopped Redis refuses connections at once, so only the number
// of failed requests grows with the length of the outage.
func TestF6_RedisOutageTwoInstances(t *testing.T) {
	t.Parallel()
	rds := startRedis(t)
	okta := oktatest.NewServer(oktatest.Config{})
	t.Cleanup(okta.Close)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	a := instance(t, okta, rds, [][]byte{key})
	b := instance(t, okta, rds, [][]byte{key})
	envs := []*webtest.Env{a, b}
	people := map[string]*http.Client{
		"Alice Anderson": a.SignInAs(t, "alice@example.com"),
		"Hal Hughes":     b.SignInAs(t, "hal@example.com"),
	}
	cookies := map[string]string{}
	for name, c := range people {
		for _, env := range envs {
			status, _, shown := get(t, c, env.URL+"/")
			require.Equal(t, http.StatusOK, status)
			require.NotEmpty(t, shown, "%s is signed in on %s before the outage", name, env.URL)
		}
		cookies[name] = cookieValue(c, a.URL, "gatehouse")
	}

	t.Run("readiness turns 503 within 5 s of Redis stopping, liveness stays", func(t *testing.T) {
		rds.Stop()
		stopped := time.Now()
		for _, env := range envs {
			for readyz(t, env) != http.StatusServiceUnavailable {
				require.Less(t, time.Since(stopped), 5*time.Second, "%s still ready 5 s after Redis stopped", env.URL)
				time.Sleep(50 * time.Millisecond)
			}
		}
		t.Logf("both instances reported not ready %v after Redis stopped (target 5 s)", time.Since(stopped).Round(time.Millisecond))
		for _, env := range envs {
			res, err := http.Get(env.URL + "/healthz")
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusOK, res.StatusCode, "liveness does not depend on Redis: the process needs no restart")
		}
	})

	t.Run("signed-in requests fail closed", func(t *testing.T) {
		requests := []struct {
			name    string
			method  string
			path    string
			form    url.Values
			headers map[string]string
		}{
			{name: "dashboard", method: http.MethodGet, path: "/"},
			{name: "profile", method: http.MethodGet, path: "/profile"},
			{name: "apps", method: http.MethodGet, path: "/apps"},
			{name: "htmx section", method: http.MethodGet, path: "/dashboard/profile", headers: webtest.HTMX(views.ProfileCardID)},
			{name: "sign out everywhere", method: http.MethodPost, path: "/signout-everywhere", form: url.Values{}},
		}
		for name, c := range people {
			for _, env := range envs {
				for _, rq := range requests {
					res := env.Do(t, webtest.NoRedirects(c), rq.method, rq.path, rq.form, rq.headers)
					doc := webtest.Parse(t, res)
					html, _ := doc.Html()
					what := name + ": " + rq.method + " " + rq.path + " on " + env.URL
					assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s must be 503, not a redirect, a 401 or a page", what)
					assert.Empty(t, res.Header.Get("HX-Redirect"), "%s must not send htmx to sign in", what)
					assert.Empty(t, res.Header.Values("Set-Cookie"), "%s must not touch the session cookie", what)
					assert.NotContains(t, html, name, "%s must not show the person's data", what)
					assert.Zero(t, doc.Find("[data-testid=landing]").Length(), "%s must not be treated as signed out", what)
					if rq.headers == nil {
						assert.Equal(t, 1, doc.Find("[data-testid=error-page]").Length(), "%s shows the friendly error page", what)
					}
				}
			}
			assert.Equal(t, cookies[name], cookieValue(c, a.URL, "gatehouse"), "%s keeps the session cookie through the outage", name)
		}
	})

	t.Run("within 10 s of the restart both instances serve again", func(t *testing.T) {
		// The restarted server is empty (no persistence in tests): the old sessions are gone,
		// so they read as signed out, which is the truth, and people sign in again.
		rds.Restart()
		restarted := time.Now()
		const within = 10 * time.Second
		for _, env := range envs {
			for readyz(t, env) != http.StatusOK {
				require.Less(t, time.Since(restarted), within, "%s not ready 10 s after Redis came back", env.URL)
				time.Sleep(50 * time.Millisecond)
			}
		}
		ready := time.Since(restarted)
		for name, c := range people {
			status, _, shown := get(t, c, a.URL+"/")
			assert.Equal(t, http.StatusOK, status, "%s's lost session reads as signed out, not as an error", name)
			assert.Empty(t, shown)
		}
		alice := b.SignInAs(t, "alice@example.com")
		status, _, shown := get(t, alice, a.URL+"/")
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "Alice Anderson", shown, "a session started on B after the outage works on A")
		recovered := time.Since(restarted)
		assert.Less(t, recovered, within, "full recovery")
		t.Logf("ready %v and signing in across instances %v after Redis restarted (target 10 s)", ready.Round(time.Millisecond), recovered.Round(time.Millisecond))
	})
}

// TestF9_ConcurrentRefresh is SECURITY.md §3 F9, heavier than TestSec20: two sessions of the
// same person, both with expired access tokens, get 50 requests at once (spread over two
// instances when Redis is there); each session is refreshed exactly once, every request is
// answered as that person, and the next expiry is handled the same way. The whole suite runs
// under -race in CI, which is the other half of F9.
func TestF9_ConcurrentRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		redis bool
	}{
		{name: "one instance, memory sessions"},
		{name: "two instances sharing Redis", redis: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rds *redistest.Server
			if tt.redis {
				rds = startRedis(t)
			}
			clock := webtest.NewClock()
			okta := oktatest.NewServer(oktatest.Config{Now: clock.Now})
			t.Cleanup(okta.Close)
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			newEnv := func() *webtest.Env {
				return webtest.New(t, webtest.Options{Okta: okta, Now: clock.Now, Configure: func(c *web.Config) {
					c.SessionIdle = 3 * time.Hour // the test moves the clock by hours
					c.SessionKeys = [][]byte{key}
					if rds != nil {
						c.Redis = failFastRedis(t, rds)
					}
				}})
			}
			envs := []*webtest.Env{newEnv()}
			if tt.redis {
				envs = append(envs, newEnv())
			}
			sessions := []*http.Client{envs[0].SignInAs(t, "alice@example.com"), envs[len(envs)-1].SignInAs(t, "alice@example.com")}
			require.NotEqual(t, cookieValue(sessions[0], envs[0].URL, "gatehouse"), cookieValue(sessions[1], envs[0].URL, "gatehouse"), "two browsers, two sessions")

			type call struct {
				path    string
				headers map[string]string
				want    string // a sign that alice's own data loaded
			}
			calls := []call{
				{path: "/", want: "alice@example.com"},
				{path: "/profile", want: "Alice Anderson"},
				{path: "/apps", want: "Google Workspace"},
				{path: "/groups", want: "Engineering"},
				{path: "/dashboard/profile", headers: webtest.HTMX(views.ProfileCardID), want: "Alice Anderson"},
			}
			const parallel = 50
			for round := 1; round <= 2; round++ {
				clock.Advance(61 * time.Minute) // both access tokens (1 h) have expired
				before := okta.RefreshCount()
				okta.ResetRequests()
				pages := make([]page, parallel)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range parallel {
					wg.Go(func() {
						cl := calls[i%len(calls)]
						env := envs[(i/2)%len(envs)]
						req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, env.URL+cl.path, nil)
						for k, v := range cl.headers {
							req.Header.Set(k, v)
						}
						<-start
						pages[i] = fetch(webtest.NoRedirects(sessions[i%2]), req)
					})
				}
				close(start)
				wg.Wait()
				var failed []string // path: why, for every request that did not load alice's data
				for i, p := range pages {
					require.NoError(t, p.err, "round %d request %d", round, i)
					cl := calls[i%len(calls)]
					switch {
					case p.status != http.StatusOK:
						failed = append(failed, fmt.Sprintf("%s: status %d", cl.path, p.status))
					case !strings.Contains(p.body, cl.want):
						failed = append(failed, fmt.Sprintf("%s: no %q", cl.path, cl.want))
					case p.text("[data-testid=alert-error]") != "":
						failed = append(failed, fmt.Sprintf("%s: %.60s", cl.path, p.text("[data-testid=alert-error]")))
					}
				}
				assert.Empty(t, failed, "round %d: %d of %d requests did not load alice's data with a fresh token", round, len(failed), parallel)
				assert.Zero(t, okta.CountRequests(func(r oktatest.Request) bool { return r.Status == http.StatusUnauthorized }), "round %d: no Okta call went out with an expired token", round)
				assert.Equal(t, 2, okta.RefreshCount()-before, "round %d: exactly one refresh per session for %d concurrent requests", round, parallel)
			}

			t.Run("the dashboard alone renews an expired token", func(t *testing.T) {
				// The smallest form of what the rounds above check for "/": the home page is the
				// first page a returning person sees.
				clock.Advance(61 * time.Minute)
				before := okta.RefreshCount()
				_, doc := envs[0].Page(t, sessions[0], "/")
				assert.Equal(t, "alice@example.com", strings.TrimSpace(doc.Find("[data-testid=profile-login]").Text()), "the profile loads")
				assert.Empty(t, strings.TrimSpace(doc.Find("[data-testid=alert-error]").Text()))
				assert.Equal(t, 1, okta.RefreshCount()-before, "one refresh")
			})
		})
	}
}
