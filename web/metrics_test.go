package web_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// scrape GETs the metrics handler over real HTTP and returns every sample by its series
// (name{label="value",...} with labels sorted, as the text format writes them).
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "the scrape itself must succeed")
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		require.Positive(t, i, "malformed sample line %q", line)
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(t, err, "sample value in %q", line)
		out[line[:i]] = v
	}
	return out
}

// series spells a series the way the exposition format does.
func series(name string, labels map[string]string) string {
	if len(labels) == 0 {
		return name
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if k != "le" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if _, ok := labels["le"]; ok {
		keys = append(keys, "le") // histogram buckets put le last
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + `="` + labels[k] + `"`
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

func newMetrics(t *testing.T) *web.Metrics {
	t.Helper()
	m, err := web.NewMetrics(prometheus.NewRegistry())
	require.NoError(t, err)
	return m
}

// TestMetricsAfterTraffic drives a signed-in session, a 404, an Okta failure and a rate limit
// through a whole Gatehouse, then scrapes and checks every Gatehouse series.
func TestMetricsAfterTraffic(t *testing.T) {
	t.Parallel()
	m := newMetrics(t)
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) {
		c.Metrics = m
		c.CacheTTL = 0 // every page reaches the emulator
	}})
	aliceID := env.Okta.UserID("alice@example.com")
	alice := env.SignInAs(t, "alice@example.com")

	res, doc := env.Page(t, alice, "/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 1, doc.Find("[data-testid=profile-name]").Length(), "the dashboard loaded")
	for _, p := range []string{"/no-such-page/1", "/no-such-page/2"} {
		res, _ = env.Page(t, alice, p)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
	}
	env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/" + aliceID + "/groups", Status: http.StatusInternalServerError})
	res, _ = env.Page(t, alice, "/groups")
	require.Equal(t, http.StatusOK, res.StatusCode, "a failed section still renders the page")
	env.Okta.ClearFaults()

	// The login limit is 30 a minute per client: keep starting sign-ins until the portal
	// itself answers 429.
	anon := webtest.NoRedirects(env.Client())
	limited := false
	for range 40 {
		res, err := anon.Get(env.URL + "/login")
		require.NoError(t, err)
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	require.True(t, limited, "the login limit should answer 429 within 40 tries")

	got := scrape(t, m.Handler())
	positive := []struct {
		name   string
		series string
	}{
		{"dashboard requests", series("gatehouse_http_requests_total", map[string]string{"route": "/{$}", "method": "GET", "status": "200"})},
		{"404s under the catch-all route", series("gatehouse_http_requests_total", map[string]string{"route": "/", "method": "GET", "status": "404"})},
		{"the portal's own 429", series("gatehouse_http_requests_total", map[string]string{"route": "/login", "method": "GET", "status": "429"})},
		{"the sign-in callback", series("gatehouse_http_requests_total", map[string]string{"route": "/auth/callback", "method": "GET", "status": "303"})},
		{"dashboard latency histogram", series("gatehouse_http_request_duration_seconds_bucket", map[string]string{"route": "/{$}", "method": "GET", "le": "+Inf"})},
		{"dashboard latency count", series("gatehouse_http_request_duration_seconds_count", map[string]string{"route": "/{$}", "method": "GET"})},
		{"okta calls that worked", series("gatehouse_okta_requests_total", map[string]string{"operation": "getCurrentUser", "status": "200"})},
		{"okta calls that failed", series("gatehouse_okta_requests_total", map[string]string{"operation": "listUserGroups", "status": "500"})},
		{"okta latency histogram", series("gatehouse_okta_request_duration_seconds_bucket", map[string]string{"operation": "listAppLinks", "le": "+Inf"})},
		{"okta rate-limit ceiling", "gatehouse_okta_rate_limit_limit"},
		{"okta rate-limit headroom", "gatehouse_okta_rate_limit_remaining"},
		{"sessions", "gatehouse_sessions_active"},
		{"rate-limited requests", series("gatehouse_rate_limited_requests_total", map[string]string{"limit": "login"})},
		{"go collector", "go_goroutines"},
		{"process collector", "process_cpu_seconds_total"},
	}
	for _, tt := range positive {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := got[tt.series]
			require.True(t, ok, "series %s is missing", tt.series)
			assert.Positive(t, v, "%s should be > 0", tt.series)
		})
	}

	t.Run("build info", func(t *testing.T) {
		v, ok := got[series("gatehouse_build_info", map[string]string{"version": "devel", "goversion": runtime.Version()})]
		require.True(t, ok, "build info with version devel (a test binary has no module version)")
		assert.Equal(t, 1.0, v)
	})
	t.Run("rate-limit gauges follow the emulator's headers", func(t *testing.T) {
		rl := env.App.Okta.RateLimit()
		require.True(t, rl.Known, "the emulator sends X-Rate-Limit-* headers")
		assert.Equal(t, float64(rl.Remaining), got["gatehouse_okta_rate_limit_remaining"])
		assert.Equal(t, float64(rl.Limit), got["gatehouse_okta_rate_limit_limit"])
		assert.Less(t, got["gatehouse_okta_rate_limit_remaining"], got["gatehouse_okta_rate_limit_limit"], "traffic used some of the budget")
	})
	t.Run("histogram sum and count agree with the requests", func(t *testing.T) {
		count := got[series("gatehouse_http_request_duration_seconds_count", map[string]string{"route": "/", "method": "GET"})]
		assert.Equal(t, 2.0, count, "both 404s were timed")
		assert.GreaterOrEqual(t, got[series("gatehouse_http_request_duration_seconds_sum", map[string]string{"route": "/", "method": "GET"})], 0.0)
	})
	t.Run("metrics are not on the public listener", func(t *testing.T) {
		res, err := http.Get(env.URL + "/metrics")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
	})
	t.Run("labels never carry raw paths or user ids", func(t *testing.T) {
		for s := range got {
			assert.NotContains(t, s, "no-such-page", "route labels are patterns, not paths")
			assert.NotContains(t, s, aliceID, "no user id in any label")
		}
	})
}

// TestMetricsObservers checks the mapping of each hook onto labels, one case at a time.
func TestMetricsObservers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		feed   func(m *web.Metrics)
		series string
		want   float64
	}{
		{
			name:   "method prefix of the pattern is dropped",
			feed:   func(m *web.Metrics) { m.ObserveRequest("POST /admin/users/{id}/unlock", "POST", 303, time.Millisecond) },
			series: series("gatehouse_http_requests_total", map[string]string{"route": "/admin/users/{id}/unlock", "method": "POST", "status": "303"}),
			want:   1,
		},
		{
			name:   "unknown methods share one label",
			feed:   func(m *web.Metrics) { m.ObserveRequest("unmatched", "BREW", 405, time.Millisecond) },
			series: series("gatehouse_http_requests_total", map[string]string{"route": "unmatched", "method": "other", "status": "405"}),
			want:   1,
		},
		{
			name: "an Okta call without a response is status error",
			feed: func(m *web.Metrics) {
				m.ObserveOkta(client.CallInfo{Op: "getUser", Err: client.ErrUnavailable, Duration: time.Second})
			},
			series: series("gatehouse_okta_requests_total", map[string]string{"operation": "getUser", "status": "error"}),
			want:   1,
		},
		{
			name: "a GET the budget guard did not send is status budget, not a failure",
			feed: func(m *web.Metrics) {
				m.ObserveOkta(client.CallInfo{Op: "getUser", Err: fmt.Errorf("refused: %w", client.ErrBudgetSpent)})
			},
			series: series("gatehouse_okta_requests_total", map[string]string{"operation": "getUser", "status": "budget"}),
			want:   1,
		},
		{
			name: "each attempt counts",
			feed: func(m *web.Metrics) {
				m.ObserveOkta(client.CallInfo{Op: "getUser", Status: 429, Attempt: 1})
				m.ObserveOkta(client.CallInfo{Op: "getUser", Status: 200, Attempt: 2})
			},
			series: series("gatehouse_okta_request_duration_seconds_count", map[string]string{"operation": "getUser"}),
			want:   2,
		},
		{
			name: "rate-limit gauges keep the last known headers",
			feed: func(m *web.Metrics) {
				m.ObserveOkta(client.CallInfo{Op: "getUser", Status: 200, RateLimit: client.RateLimit{Limit: 600, Remaining: 42, Known: true}})
				m.ObserveOkta(client.CallInfo{Op: "getUser", Status: 0})
			},
			series: "gatehouse_okta_rate_limit_remaining",
			want:   42,
		},
		{
			name: "rate-limited requests by limit",
			feed: func(m *web.Metrics) {
				m.RateLimited("password-user")
				m.RateLimited("password-user")
				m.RateLimited("login")
			},
			series: series("gatehouse_rate_limited_requests_total", map[string]string{"limit": "password-user"}),
			want:   2,
		},
		{
			name: "the latest session counter wins",
			feed: func(m *web.Metrics) {
				m.CountSessionsWith(func(context.Context) (int, error) { return 3, nil })
				m.CountSessionsWith(func(context.Context) (int, error) { return 7, nil })
			},
			series: "gatehouse_sessions_active",
			want:   7,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics(t)
			tt.feed(m)
			got := scrape(t, m.Handler())
			v, ok := got[tt.series]
			require.True(t, ok, "series %s is missing", tt.series)
			assert.Equal(t, tt.want, v)
		})
	}
}

// TestMetricsSessionCountFailure: with the store down the sessions series is left out (never
// a made-up 0) and the rest of the scrape still works.
func TestMetricsSessionCountFailure(t *testing.T) {
	t.Parallel()
	m := newMetrics(t)
	m.CountSessionsWith(func(context.Context) (int, error) { return 0, errors.New("redis: connection refused") })
	got := scrape(t, m.Handler())
	_, ok := got["gatehouse_sessions_active"]
	assert.False(t, ok, "a failed count must not be reported as a value")
	assert.Contains(t, got, series("gatehouse_build_info", map[string]string{"version": "devel", "goversion": runtime.Version()}))
}

// TestMetricsOwnRegistry: two Metrics in one process do not collide (no global registry), and
// the same registry refuses a second set.
func TestMetricsOwnRegistry(t *testing.T) {
	t.Parallel()
	newMetrics(t)
	newMetrics(t)
	reg := prometheus.NewRegistry()
	_, err := web.NewMetrics(reg)
	require.NoError(t, err)
	_, err = web.NewMetrics(reg)
	assert.Error(t, err, "registering twice on one registry is reported")
}

// TestMetricsCountServiceAppTokenRequests: the service app's token requests are counted as
// operation getServiceToken (the DPoP handshake's two 400s and the 200), and not passed to
// Config.OktaObserver, which sees Users API calls only.
func TestMetricsCountServiceAppTokenRequests(t *testing.T) {
	t.Parallel()
	m := newMetrics(t)
	var ops []string
	var mu sync.Mutex
	env := webtest.New(t, webtest.Options{Credential: webtest.ServiceAppDPoP, Configure: func(c *web.Config) {
		c.Metrics = m
		c.OktaObserver = func(ci client.CallInfo) {
			mu.Lock()
			defer mu.Unlock()
			ops = append(ops, ci.Op)
		}
	}})
	alice := env.SignInAs(t, "alice@example.com")
	res, _ := env.Page(t, alice, "/groups")
	require.Equal(t, http.StatusOK, res.StatusCode)

	got := scrape(t, m.Handler())
	token := func(status string) float64 {
		return got[series("gatehouse_okta_requests_total", map[string]string{"operation": "getServiceToken", "status": status})]
	}
	assert.Equal(t, 2.0, token("400"), "the DPoP handshake: DPoP required, then its nonce")
	assert.Equal(t, 1.0, token("200"), "one token")
	mu.Lock()
	defer mu.Unlock()
	assert.NotEmpty(t, ops)
	assert.NotContains(t, ops, "getServiceToken")
}
