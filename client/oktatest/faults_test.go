package oktatest_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// freshClient never reuses connections, so Go's transport cannot silently
// retry a request whose connection the emulator dropped.
func freshClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func rawGet(ctx context.Context, s *oktatest.Server, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "SSWS "+s.APIToken())
	res, err := freshClient().Do(req)
	if err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	return res, err
}

func TestFaultStatusAndTimes(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	tests := []struct {
		name     string
		fault    oktatest.Fault
		wantCode string
	}{
		{name: "500 defaults to E0000009", fault: oktatest.Fault{Path: "/api/v1/users/me", Status: 500, Times: 2}, wantCode: "E0000009"},
		{name: "503 defaults to E0000010", fault: oktatest.Fault{Path: "/api/v1/users/me", Status: 503, Times: 2}, wantCode: "E0000010"},
		{name: "409 defaults to E0000112", fault: oktatest.Fault{Path: "/api/v1/users/me", Status: 409, Times: 2}, wantCode: "E0000112"},
		{name: "429 defaults to E0000047", fault: oktatest.Fault{Path: "/api/v1/users/me", Status: 429, Times: 2}, wantCode: "E0000047"},
		{name: "custom code", fault: oktatest.Fault{Path: "/api/v1/users/me", Status: 403, ErrorCode: "E0000006", Times: 2}, wantCode: "E0000006"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Inject(tt.fault)
			for range 2 {
				r := call(t, s, "GET", "/api/v1/users/me", ssws(s), nil)
				require.Equal(t, tt.fault.Status, r.status)
				assert.Equal(t, tt.wantCode, r.oktaError(t).ErrorCode)
				assert.NotEmpty(t, r.header.Get("X-Okta-Request-Id"))
				for _, h := range []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
					assert.NotEmpty(t, r.header.Get(h), "an injected answer carries %s", h)
				}
				if tt.fault.Status == http.StatusTooManyRequests {
					assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
				}
			}
			assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status, "Times is honoured")
		})
	}
	t.Run("method and path must match", func(t *testing.T) {
		s.Inject(oktatest.Fault{Method: "POST", Path: "/api/v1/users/", Status: 500})
		t.Cleanup(s.ClearFaults)
		assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status)
		r := call(t, s, "POST", "/api/v1/users/me/lifecycle/reset_factors", ssws(s), nil)
		assert.Equal(t, 500, r.status)
		assert.Equal(t, 500, call(t, s, "POST", "/api/v1/users/me/lifecycle/reset_factors", ssws(s), nil).status, "Times 0 lasts until ClearFaults")
		s.ClearFaults()
		assert.Equal(t, 200, call(t, s, "POST", "/api/v1/users/me/lifecycle/reset_factors", ssws(s), nil).status)
	})
}

func TestFaultDelay(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	t.Run("short delay then normal service", func(t *testing.T) {
		s.Inject(oktatest.Fault{Path: "/api/v1/users/me", Delay: 20 * time.Millisecond, Times: 1})
		assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status)
	})
	t.Run("delay stops when the client goes away", func(t *testing.T) {
		s.Inject(oktatest.Fault{Path: "/api/v1/users/me", Delay: time.Hour, Times: 1})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := rawGet(ctx, s, "/api/v1/users/me")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Eventually(t, func() bool { return s.InFlight() == 0 }, 10*time.Second, 10*time.Millisecond,
			"the delayed handler ends when its client goes away")
	})
}

func TestFaultDropAndHang(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	t.Run("drop", func(t *testing.T) {
		s.Inject(oktatest.Fault{Path: "/api/v1/users/me", Drop: true, Times: 1})
		s.ResetRequests()
		_, err := rawGet(t.Context(), s, "/api/v1/users/me")
		require.Error(t, err, "the connection is closed without an answer")
		reqs := s.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 0, reqs[0].Status)
		assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status)
	})
	t.Run("hang until cancelled", func(t *testing.T) {
		s.Inject(oktatest.Fault{Path: "/api/v1/users/me", Hang: true, Times: 1})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := rawGet(ctx, s, "/api/v1/users/me")
			done <- err
		}()
		require.Eventually(t, func() bool { return s.InFlight() == 1 }, 10*time.Second, 10*time.Millisecond)
		select {
		case err := <-done:
			t.Fatalf("the hung request returned early: %v", err)
		default:
		}
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		require.Eventually(t, func() bool { return s.InFlight() == 0 }, 10*time.Second, 10*time.Millisecond)
	})
	t.Run("close ends hung requests", func(t *testing.T) {
		s2, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
		s2.Inject(oktatest.Fault{Hang: true})
		done := make(chan error, 1)
		go func() {
			_, err := rawGet(t.Context(), s2, "/api/v1/users/me")
			done <- err
		}()
		require.Eventually(t, func() bool { return s2.InFlight() == 1 }, 10*time.Second, 10*time.Millisecond)
		s2.Close()
		require.Error(t, <-done)
		assert.Equal(t, 0, s2.InFlight())
	})
}

func TestLatency(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed(), Latency: time.Hour})
	quick := func(path string) error {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := rawGet(ctx, s, path)
		return err
	}
	assert.ErrorIs(t, quick("/api/v1/users/me"), context.DeadlineExceeded, "Config.Latency applies to /api/v1")
	assert.NoError(t, quick("/.well-known/openid-configuration"), "but not to OIDC endpoints")
	s.SetLatency("", 0)
	assert.NoError(t, quick("/api/v1/users/me"))
	s.SetLatency("/api/v1/users/me", time.Hour)
	assert.ErrorIs(t, quick("/api/v1/users/me"), context.DeadlineExceeded)
	assert.NoError(t, quick("/api/v1/users/alice@example.com"), "per-route latency is by prefix")
	s.SetLatency("/oauth2/v1/token", time.Hour)
	assert.ErrorIs(t, quick("/oauth2/v1/token"), context.DeadlineExceeded, "per-route latency works outside /api/v1 too")
	s.SetLatency("/api/v1/users/me", 0)
	assert.NoError(t, quick("/api/v1/users/me"))
	require.Eventually(t, func() bool { return s.InFlight() == 0 }, 10*time.Second, 10*time.Millisecond)
}

func TestControlAPI(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	call(t, s, "GET", "/api/v1/users/me", ssws(s), nil)
	call(t, s, "GET", "/api/v1/users/me", ssws(s), nil)
	call(t, s, "GET", "/api/v1/groups", ssws(s), nil)
	call(t, s, "GET", "/nowhere", "", nil)

	tests := []struct {
		name, method, path, auth string
		status                   int
	}{
		{name: "no token", method: "GET", path: "/_emulator/stats", status: 401},
		{name: "wrong token", method: "GET", path: "/_emulator/stats", auth: "SSWS x", status: 401},
		{name: "unknown", method: "GET", path: "/_emulator/nope", auth: ssws(s), status: 404},
		{name: "bad latency", method: "POST", path: "/_emulator/latency?d=soon", auth: ssws(s), status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.status, call(t, s, tt.method, tt.path, tt.auth, nil).status)
		})
	}

	var stats struct {
		Requests map[string]int `json:"requests"`
		Total    int            `json:"total"`
	}
	r := call(t, s, "GET", "/_emulator/stats", ssws(s), nil)
	require.Equal(t, 200, r.status)
	r.json(t, &stats)
	assert.Equal(t, map[string]int{"getUser": 2, "listGroups": 1}, stats.Requests)
	assert.Equal(t, 4, stats.Total, "control calls are not counted")

	assert.Equal(t, 204, call(t, s, "POST", "/_emulator/reset-stats", ssws(s), nil).status)
	var after struct {
		Requests map[string]int `json:"requests"`
		Total    int            `json:"total"`
	}
	call(t, s, "GET", "/_emulator/stats", ssws(s), nil).json(t, &after)
	assert.Empty(t, after.Requests)
	assert.Zero(t, after.Total)
	assert.Empty(t, s.Requests())

	assert.Equal(t, 204, call(t, s, "POST", "/_emulator/latency?d=1h", ssws(s), nil).status)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := rawGet(ctx, s, "/api/v1/users/me")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 204, call(t, s, "POST", "/_emulator/latency?d=0s", ssws(s), nil).status)
	assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status)

	t.Run("fault control", func(t *testing.T) {
		assert.Equal(t, 204, call(t, s, "POST", "/_emulator/fault?path=/api/v1/users&status=429&count=2", ssws(s), nil).status)
		for range 2 {
			r := call(t, s, "GET", "/api/v1/users/me", ssws(s), nil)
			e := assertOktaError(t, r, 429, "E0000047")
			assert.Equal(t, "API call exceeded rate limit due to too many requests.", e.ErrorSummary)
			assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
		}
		assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status, "count=2 is spent")
		assert.Equal(t, 204, call(t, s, "POST", "/_emulator/fault?path=/api/v1/groups&status=503&method=get", ssws(s), nil).status)
		assertOktaError(t, call(t, s, "GET", "/api/v1/groups", ssws(s), nil), 503, "E0000010")
		assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status, "only the prefix")
		assert.Equal(t, 204, call(t, s, "POST", "/_emulator/fault?path=/api/v1/users/me&status=403&code=E0000006&count=1", ssws(s), nil).status)
		assertOktaError(t, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil), 403, "E0000006")
		for _, bad := range []string{"status=200", "status=abc", "count=0&status=500", "delay=soon", "path=api&status=500", "", "drop=maybe"} {
			r := call(t, s, "POST", "/_emulator/fault?"+bad, ssws(s), nil)
			assert.Equal(t, 400, r.status, bad)
			assert.Equal(t, "E0000001", r.oktaError(t).ErrorCode, bad)
		}
		assert.Equal(t, 204, call(t, s, "POST", "/_emulator/clear-faults", ssws(s), nil).status)
		assert.Equal(t, 200, call(t, s, "GET", "/api/v1/groups", ssws(s), nil).status)
	})

	s.Inject(oktatest.Fault{Status: 500})
	assert.Equal(t, 200, call(t, s, "GET", "/_emulator/stats", ssws(s), nil).status, "faults never hit the control API")
	assert.Equal(t, 204, call(t, s, "POST", "/_emulator/clear-faults", ssws(s), nil).status)
	assert.Equal(t, 200, call(t, s, "GET", "/api/v1/users/me", ssws(s), nil).status)

	call(t, s, "POST", "/api/v1/users/alice@example.com/credentials/forgot_password", ssws(s), nil)
	var emails []map[string]any
	call(t, s, "GET", "/_emulator/emails", ssws(s), nil).json(t, &emails)
	require.Len(t, emails, 1)
	assert.Equal(t, "forgot_password", emails[0]["kind"])
}
