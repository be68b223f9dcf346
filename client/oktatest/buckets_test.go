package oktatest_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// TestRateLimitBuckets checks Okta's bucket map (docs/OKTA.md "Rate limits"):
// each request reports the limit of its own endpoint family, at the figures of
// the org's tier; the metadata endpoints are not rate limited.
func TestRateLimitBuckets(t *testing.T) {
	alice := "alice@example.com"
	tests := []struct {
		name         string
		tier         string
		method, path string
		limit        string // X-Rate-Limit-Limit; "" = no rate-limit headers
	}{
		{name: "get a user by id or login", method: "GET", path: "/api/v1/users/" + alice, limit: "2000"},
		{name: "get the caller", method: "GET", path: "/api/v1/users/me", limit: "2000"},
		{name: "list users", method: "GET", path: "/api/v1/users?q=al", limit: "600"},
		{name: "update a user", method: "POST", path: "/api/v1/users/" + alice, limit: "600"},
		{name: "a user's groups: the rest of /api/v1", method: "GET", path: "/api/v1/users/" + alice + "/groups", limit: "1200"},
		{name: "lifecycle: the rest of /api/v1", method: "POST", path: "/api/v1/users/" + alice + "/lifecycle/reset_factors", limit: "1200"},
		{name: "policies: the rest of /api/v1", method: "GET", path: "/api/v1/policies?type=PASSWORD", limit: "1200"},
		{name: "list groups", method: "GET", path: "/api/v1/groups?q=Eng", limit: "500"},
		{name: "org authorization server", method: "GET", path: "/oauth2/v1/userinfo", limit: "2000"},
		{name: "JWKS is not rate limited", method: "GET", path: "/oauth2/v1/keys"},
		{name: "discovery is not rate limited", method: "GET", path: "/.well-known/openid-configuration"},
		{name: "enterprise: get a user", tier: oktatest.TierEnterprise, method: "GET", path: "/api/v1/users/" + alice, limit: "1000"},
		{name: "enterprise: the rest of /api/v1", tier: oktatest.TierEnterprise, method: "GET", path: "/api/v1/users/" + alice + "/groups", limit: "600"},
		{name: "integrator free: list users", tier: oktatest.TierIntegratorFree, method: "GET", path: "/api/v1/users?q=al", limit: "100"},
	}
	servers := map[string]*oktatest.Server{}
	for _, tt := range tests {
		if servers[tt.tier] == nil {
			// The whole share: the per-token ceiling is another test's subject.
			servers[tt.tier], _ = newServer(t, oktatest.Config{Seed: smallSeed(), RateTier: tt.tier, TokenSharePercent: 100})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := servers[tt.tier]
			var body any
			if tt.method == "POST" && tt.path == "/api/v1/users/"+alice {
				body = map[string]any{"profile": map[string]any{"title": "Engineer"}}
			}
			r := call(t, s, tt.method, tt.path, ssws(s), body)
			require.Less(t, r.status, 500, "body: %s", r.body)
			assert.Equal(t, tt.limit, r.header.Get("X-Rate-Limit-Limit"))
		})
	}
}

// TestRateLimitWindow checks a bucket's minute: the count, the reset and a new window.
func TestRateLimitWindow(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed(), RateLimitPerMinute: 3, TokenSharePercent: 100})
	windowEnd := clock.Now().Truncate(time.Minute).Add(time.Minute).Unix()
	for i := 1; i <= 3; i++ {
		r := call(t, s, "GET", "/api/v1/users?q=a", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.Equal(t, "3", r.header.Get("X-Rate-Limit-Limit"))
		assert.Equal(t, strconv.Itoa(3-i), r.header.Get("X-Rate-Limit-Remaining"))
		assert.Equal(t, strconv.FormatInt(windowEnd, 10), r.header.Get("X-Rate-Limit-Reset"))
	}
	r := call(t, s, "GET", "/api/v1/users?q=a", ssws(s), nil)
	e := assertOktaError(t, r, 429, "E0000047")
	assert.Equal(t, "API call exceeded rate limit due to too many requests.", e.ErrorSummary)
	assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
	assert.Equal(t, strconv.FormatInt(windowEnd, 10), r.header.Get("X-Rate-Limit-Reset"))
	date, err := http.ParseTime(r.header.Get("Date"))
	require.NoError(t, err)
	assert.Equal(t, clock.Now().Unix(), date.Unix(), "Date follows the emulator's clock")

	other := call(t, s, "GET", "/api/v1/users/me", ssws(s), nil)
	assert.Equal(t, 200, other.status, "another endpoint family has its own budget")
	assert.Equal(t, "2", other.header.Get("X-Rate-Limit-Remaining"))

	clock.Add(time.Minute)
	assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users?q=a", ssws(s), nil).status, "a new window")
}

// TestRateLimitTokenShare checks the default 50% ceiling per API token or
// OAuth app: one credential runs out while the org still has room for another.
func TestRateLimitTokenShare(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed(), RateLimitPerMinute: 4})
	tok, err := s.MintTokens("alice@example.com")
	require.NoError(t, err)
	path := "/api/v1/users/me"

	for i := 1; i <= 2; i++ {
		r := call(t, s, "GET", path, ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.Equal(t, "2", r.header.Get("X-Rate-Limit-Limit"), "the API token's half of the bucket")
		assert.Equal(t, strconv.Itoa(2-i), r.header.Get("X-Rate-Limit-Remaining"))
	}
	r := call(t, s, "GET", path, ssws(s), nil)
	assertOktaError(t, r, 429, "E0000047")
	assert.Equal(t, "2", r.header.Get("X-Rate-Limit-Limit"))
	assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))

	r = call(t, s, "GET", path, bearer(tok.AccessToken), nil)
	require.Equal(t, 200, r.status, "the OAuth app has its own half")
	r = call(t, s, "GET", path, bearer(tok.AccessToken), nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
	r = call(t, s, "GET", path, bearer(tok.AccessToken), nil)
	assertOktaError(t, r, 429, "E0000047")
}

// TestConcurrencyLimit checks the org-wide limit on requests in flight: over
// it, Okta answers 429 with X-Rate-Limit-Limit and -Remaining 0.
func TestConcurrencyLimit(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed(), ConcurrencyLimit: 2})
	s.Inject(oktatest.Fault{Path: "/api/v1/users/me", Hang: true, Times: 2})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, "GET", s.URL()+"/api/v1/users/me", nil)
			if err != nil {
				return
			}
			req.Header.Set("Authorization", ssws(s))
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		})
	}
	require.Eventually(t, func() bool { return s.InFlight() == 2 }, 5*time.Second, 5*time.Millisecond)

	r := call(t, s, "GET", "/api/v1/users/alice@example.com", ssws(s), nil)
	assertOktaError(t, r, 429, "E0000047")
	assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Limit"), "a concurrency 429 reports limit 0")
	assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
	assert.NotEmpty(t, r.header.Get("X-Rate-Limit-Reset"), "an estimate of when a slot frees up")
	assert.Equal(t, 200, call(t, s, "GET", "/oauth2/v1/keys", "", nil).status, "metadata endpoints are not counted")

	cancel()
	wg.Wait()
	require.Eventually(t, func() bool { return s.InFlight() == 0 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/alice@example.com", ssws(s), nil).status, "a slot is free again")
}

// TestConcurrencyLimitDefaults checks the tiers' concurrency limits and that a
// negative limit turns it off.
func TestConcurrencyLimitDefaults(t *testing.T) {
	tests := []struct {
		name  string
		cfg   oktatest.Config
		holds int  // requests that may be in flight
		over  bool // whether one more is refused
	}{
		{name: "integrator free", cfg: oktatest.Config{RateTier: oktatest.TierIntegratorFree}, holds: 35, over: true},
		{name: "workforce", cfg: oktatest.Config{}, holds: 75, over: true},
		{name: "no limit", cfg: oktatest.Config{ConcurrencyLimit: -1}, holds: 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Seed = &oktatest.Seed{}
			s, _ := newServer(t, tt.cfg)
			s.Inject(oktatest.Fault{Path: "/api/v1/users/me", Hang: true, Times: tt.holds})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()
			for range tt.holds {
				wg.Go(func() {
					req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/api/v1/users/me", nil)
					req.Header.Set("Authorization", ssws(s))
					if res, err := http.DefaultClient.Do(req); err == nil {
						res.Body.Close()
					}
				})
			}
			// Every held request has entered the limit (InFlight counts them a little earlier,
			// on arrival: on a busy machine the next call could otherwise slip in first).
			require.Eventually(t, func() bool { return s.InFlight() == tt.holds && s.Admitted() == tt.holds }, 10*time.Second, 5*time.Millisecond)
			r := call(t, s, "GET", "/api/v1/users/okta-admin@example.com", ssws(s), nil)
			if !tt.over {
				assert.Equal(t, 200, r.status)
				return
			}
			assert.Equal(t, 429, r.status)
			assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Limit"))
		})
	}
	t.Run("unknown tier", func(t *testing.T) {
		_, err := oktatest.Listen("127.0.0.1:0", oktatest.Config{RateTier: "platinum"})
		assert.ErrorContains(t, err, "unknown rate tier")
	})
}

// TestForceRateLimit checks the test hook that empties a bucket for a path prefix.
func TestForceRateLimit(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	s.ForceRateLimit("/api/v1/users/me", 30*time.Second)
	r := call(t, s, "GET", "/api/v1/users/me", ssws(s), nil)
	assertOktaError(t, r, 429, "E0000047")
	assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
	assert.Equal(t, "2000", r.header.Get("X-Rate-Limit-Limit"), "the bucket's own limit")
	assert.Equal(t, strconv.FormatInt(clock.Now().Add(30*time.Second).Unix(), 10), r.header.Get("X-Rate-Limit-Reset"))
	assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/alice@example.com", ssws(s), nil).status, "other paths are unaffected")

	clock.Add(29 * time.Second)
	assert.Equal(t, 429, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status)
	clock.Add(2 * time.Second)
	assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status)

	t.Run("on the token endpoint", func(t *testing.T) {
		s.ForceRateLimit("/oauth2/v1/token", time.Minute)
		r := tokenCall(t, s, nil)
		assert.Equal(t, 429, r.status)
		s.ClearFaults()
		assert.NotEqual(t, 429, tokenCall(t, s, nil).status)
	})
}
