package web_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// TestReadiness is SECURITY.md 45: /readyz reflects OIDC discovery with its JWKS, Redis and
// draining, while /healthz depends on none of them.
func TestReadiness(t *testing.T) {
	t.Parallel()
	okta := oktatest.NewServer(oktatest.Config{})
	t.Cleanup(okta.Close)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: time.Second, MaxRetries: -1, DialerRetries: 1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = dead.Close() })

	tests := []struct {
		name      string
		redis     func(t *testing.T) redis.UniversalClient
		jwksDown  bool
		discover  bool
		drain     bool
		auditDown bool
		wantReady int
		wantBody  string
	}{
		{name: "before discovery", discover: false, wantReady: http.StatusServiceUnavailable},
		{name: "discovery failed on the JWKS", discover: true, jwksDown: true, wantReady: http.StatusServiceUnavailable},
		{name: "discovered, memory store", discover: true, wantReady: http.StatusOK, wantBody: "ready\n"},
		{name: "discovered, Redis answers", discover: true, redis: func(t *testing.T) redis.UniversalClient { return failFastRedis(t, startRedis(t)) }, wantReady: http.StatusOK},
		{name: "discovered, Redis unreachable", discover: true, redis: func(*testing.T) redis.UniversalClient { return dead }, wantReady: http.StatusServiceUnavailable},
		// The audit database down is reported on each admin action, not by readiness: an
		// instance that cannot record still serves everything else (web/app.go says why).
		{name: "discovered, audit database closed", discover: true, auditDown: true, wantReady: http.StatusOK, wantBody: "ready\n"},
		{name: "draining", discover: true, drain: true, wantReady: http.StatusServiceUnavailable, wantBody: "draining\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := web.DefaultConfig()
			cfg.OktaOrgURL, cfg.ClientID, cfg.ClientSecret = okta.URL(), okta.ClientID(), okta.ClientSecret()
			cfg.APIToken, cfg.PublicURL, cfg.SessionKeys = okta.APIToken(), "http://127.0.0.1", [][]byte{key}
			db := webtest.AuditDB(t)
			cfg.AuditStore = db
			if tt.auditDown {
				require.NoError(t, db.Close())
			}
			if tt.redis != nil {
				cfg.Redis = tt.redis(t) // the Redis-backed cases skip without redis-server
			}
			app, err := web.NewApp(cfg)
			require.NoError(t, err)
			t.Cleanup(func() { _ = app.Close() })
			okta.SetJWKSDown(tt.jwksDown)
			t.Cleanup(func() { okta.SetJWKSDown(false) })
			if tt.discover {
				err := app.Auth.Discover(t.Context())
				require.Equal(t, tt.jwksDown, err != nil, "discovery fails exactly when the JWKS is down: %v", err)
			}
			if tt.drain {
				app.Server.Drain()
			}
			srv := httptest.NewServer(app.Server)
			t.Cleanup(srv.Close)

			res, err := http.Get(srv.URL + "/readyz")
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			assert.Equal(t, tt.wantReady, res.StatusCode)
			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, string(body))
			}

			res, err = http.Get(srv.URL + "/healthz")
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusOK, res.StatusCode, "liveness never depends on Okta, Redis or draining")
		})
	}
}
