package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

func TestSec44_NoDebugEndpoints(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	for _, p := range []string{"/debug/pprof/", "/debug/vars", "/metrics", "/debug/pprof/goroutine"} {
		res, err := env.Client().Get(env.URL + p)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
		assert.Empty(t, res.Header.Get("Server"), "no version banner")
	}
	// The http.Server timeouts are checked in cmd/gatehouse; the panic → 500 page in
	// TestSec24_SecurityHeadersEverywhere.
}

func TestSec46_ForwardedHeadersOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		trusted []netip.Prefix
		// limited reports whether 31 sign-in starts with 31 different X-Forwarded-For values
		// hit the per-client limit (they do when the header is ignored).
		limited bool
	}{
		{"untrusted peer: X-Forwarded-For ignored", nil, true},
		{"trusted proxy: each forwarded client counts alone", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.TrustedProxies = tt.trusted }})
			c := webtest.NoRedirects(env.Client())
			var last int
			for i := range 31 {
				res := env.Do(t, c, http.MethodGet, "/login", nil, map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i+1)})
				res.Body.Close()
				last = res.StatusCode
			}
			if tt.limited {
				assert.Equal(t, http.StatusTooManyRequests, last)
			} else {
				assert.Equal(t, http.StatusFound, last)
			}
			// The redirect URI never follows forwarded headers (requirement 2).
			res := env.Do(t, webtest.NoRedirects(env.Client()), http.MethodGet, "/login", nil, map[string]string{"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
			res.Body.Close()
			if res.StatusCode == http.StatusFound {
				u, _ := url.Parse(res.Header.Get("Location"))
				assert.Equal(t, env.URL+"/auth/callback", u.Query().Get("redirect_uri"))
			}
		})
	}
}

func TestSec47_RateLimitsBeforeOkta(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	// Sign everyone in first: the login-start limit below is per client, and every test
	// browser is 127.0.0.1.
	alice, hal, ada := env.SignInAs(t, "alice@example.com"), env.SignInAs(t, "hal@example.com"), env.SignInAs(t, "ada@example.com")
	oktaCalls := func() int {
		return env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/v1") })
	}
	expect429 := func(t *testing.T, res *http.Response) {
		t.Helper()
		res.Body.Close()
		assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
		assert.NotEmpty(t, res.Header.Get("Retry-After"))
	}
	t.Run("password change: 5 per 15 minutes per person", func(t *testing.T) {
		wrong := url.Values{"current_password": {"Wrong-Passw0rd"}, "new_password": {"Tr1cky-Pa55word"}, "confirm_password": {"Tr1cky-Pa55word"}}
		for range 5 {
			res := env.Do(t, alice, http.MethodPost, "/password", wrong, nil)
			res.Body.Close()
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		}
		env.Okta.ResetRequests()
		expect429(t, env.Do(t, alice, http.MethodPost, "/password", wrong, nil))
		assert.Zero(t, oktaCalls(), "no Okta call once limited")
	})
	t.Run("recovery question: 5 per 15 minutes per person", func(t *testing.T) {
		form := url.Values{"question": {"What was the make of your first car?"}, "answer": {"Volvo"}, "current_password": {"Wrong-Passw0rd"}}
		for range 5 {
			res := env.Do(t, hal, http.MethodPost, "/recovery-question", form, nil)
			res.Body.Close()
		}
		env.Okta.ResetRequests()
		expect429(t, env.Do(t, hal, http.MethodPost, "/recovery-question", form, nil))
		assert.Zero(t, oktaCalls())
	})
	t.Run("forgot password: 10 per hour per client", func(t *testing.T) {
		c := env.Client()
		for i := range 10 {
			res := env.Do(t, c, http.MethodPost, "/forgot-password", url.Values{"identifier": {fmt.Sprintf("someone%d@example.com", i)}}, nil)
			res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
		}
		// The lookups run after the answers, in the background: let them finish (Close drains
		// the queue) before counting what the limited request sends to Okta.
		env.App.Forgot.Close()
		env.Okta.ResetRequests()
		expect429(t, env.Do(t, c, http.MethodPost, "/forgot-password", url.Values{"identifier": {"another@example.com"}}, nil))
		assert.Zero(t, oktaCalls())
		// 3 per 15 minutes per identifier: handlers.TestForgotPassword, TestSec47_Finding7_….
	})
	t.Run("admin actions: 30 per minute per admin", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		for range 30 {
			res := env.Do(t, ada, http.MethodPost, "/admin/users/"+bob+"/unlock", url.Values{"confirm": {"yes"}}, nil)
			res.Body.Close()
		}
		env.Okta.ResetRequests()
		expect429(t, env.Do(t, ada, http.MethodPost, "/admin/users/"+bob+"/unlock", url.Values{"confirm": {"yes"}}, nil))
		assert.Zero(t, oktaCalls())
	})
	t.Run("login starts: 30 per minute per client", func(t *testing.T) {
		c := webtest.NoRedirects(env.Client())
		for range 27 { // three sign-ins above used three of the 30
			res := env.Do(t, c, http.MethodGet, "/login", nil, nil)
			res.Body.Close()
			require.Equal(t, http.StatusFound, res.StatusCode)
		}
		expect429(t, env.Do(t, c, http.MethodGet, "/login", nil, nil))
	})
}
