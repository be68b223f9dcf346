package client_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		token   string
		opts    []client.Option
		wantURL string
		wantErr string
	}{
		{name: "https org", baseURL: "https://acme.okta.com", wantURL: "https://acme.okta.com"},
		{name: "trailing slash and upper case host", baseURL: "https://ACME.okta.com/", wantURL: "https://acme.okta.com"},
		{name: "custom domain with port", baseURL: "https://login.example.org:8443", wantURL: "https://login.example.org:8443"},
		{name: "http on 127.0.0.1", baseURL: "http://127.0.0.1:8081", wantURL: "http://127.0.0.1:8081"},
		{name: "http on ::1", baseURL: "http://[::1]:8081", wantURL: "http://[::1]:8081"},
		{name: "http on localhost", baseURL: "http://localhost:8081", wantURL: "http://localhost:8081"},
		{name: "http elsewhere", baseURL: "http://acme.okta.com", wantErr: "plain http is allowed only for loopback"},
		{name: "http on a lookalike", baseURL: "http://localhost.evil.example", wantErr: "plain http"},
		{name: "http on another loopback-ish name", baseURL: "http://127.0.0.1.nip.io", wantErr: "plain http"},
		{name: "other scheme", baseURL: "ftp://acme.okta.com", wantErr: "scheme must be https"},
		{name: "no scheme", baseURL: "acme.okta.com", wantErr: "no host"},
		{name: "empty", baseURL: "", wantErr: "no host"},
		{name: "with a path", baseURL: "https://acme.okta.com/api/v1", wantErr: "must be an origin"},
		{name: "with a query", baseURL: "https://acme.okta.com?x=1", wantErr: "must be an origin"},
		{name: "with userinfo", baseURL: "https://user:pw@acme.okta.com", wantErr: "must be an origin"},
		{name: "empty token", baseURL: "https://acme.okta.com", token: "-", wantErr: "API token is empty"},
		{name: "token with a newline", baseURL: "https://acme.okta.com", token: "abc\r\nX-Evil: 1", wantErr: "control characters"},
		{name: "non-positive call timeout", baseURL: "https://acme.okta.com", opts: []client.Option{client.WithCallTimeout(0)}, wantErr: "call timeout"},
		{name: "negative retry wait", baseURL: "https://acme.okta.com", opts: []client.Option{client.WithMaxRetryWait(-time.Second)}, wantErr: "max retry wait"},
		{name: "negative cap wait", baseURL: "https://acme.okta.com", opts: []client.Option{client.WithMaxInFlight(4, -1)}, wantErr: "in-flight wait"},
		{name: "breaker without cooldown", baseURL: "https://acme.okta.com", opts: []client.Option{client.WithBreaker(3, 0)}, wantErr: "breaker cooldown"},
		{
			name: "nil options keep defaults", baseURL: "https://acme.okta.com",
			opts: []client.Option{client.WithHTTPClient(nil), client.WithClock(nil, nil)}, wantURL: "https://acme.okta.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tt.token
			switch token {
			case "":
				token = testToken
			case "-":
				token = ""
			}
			c, err := client.New(tt.baseURL, token, tt.opts...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, c)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantURL, c.BaseURL())
			assert.False(t, c.BreakerOpen())
			assert.False(t, c.RateLimit().Known)
		})
	}
}

func TestNewHTTPClient(t *testing.T) {
	hc := client.NewHTTPClient()
	assert.Zero(t, hc.Timeout, "deadlines come from ctx")
	assert.NotSame(t, http.DefaultTransport, hc.Transport)
	tr, ok := hc.Transport.(*http.Transport)
	require.True(t, ok)
	assert.Equal(t, 5*time.Second, tr.TLSHandshakeTimeout)
	assert.Equal(t, 5*time.Second, tr.ResponseHeaderTimeout)
	assert.Equal(t, 90*time.Second, tr.IdleConnTimeout)
	assert.Equal(t, 512, tr.MaxIdleConns)
	assert.Equal(t, 256, tr.MaxIdleConnsPerHost)
	assert.True(t, tr.ForceAttemptHTTP2)
	require.NotNil(t, hc.CheckRedirect)
	assert.ErrorIs(t, hc.CheckRedirect(nil, nil), http.ErrUseLastResponse)
	assert.NotSame(t, hc.Transport, client.NewHTTPClient().Transport, "each call builds its own pool")
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	target := newFake(t, always(http.StatusOK, userJSON))
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL()+r.URL.Path, http.StatusFound)
	})
	c := newClient(t, f, nil)

	_, err := c.GetUser(t.Context(), userID)

	var oe *client.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, http.StatusFound, oe.StatusCode)
	assert.Zero(t, target.count(), "the credential is not sent to the redirect target")
	assert.Equal(t, 1, f.count())
}

func TestWithHTTPClientIsUsed(t *testing.T) {
	f := newFake(t, always(http.StatusOK, userJSON))
	var used bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newClient(t, f, nil, client.WithHTTPClient(hc))
	_, err := c.GetUser(t.Context(), userID)
	require.NoError(t, err)
	assert.True(t, used)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestWithBearer(t *testing.T) {
	clock := newFakeClock()
	f := newFake(t, always(http.StatusOK, userJSON))
	svc := newClient(t, f, nil, client.WithBreaker(2, time.Minute), client.WithClock(clock.Now, nil))
	user := svc.WithBearer("eyJhbGciOiJSUzI1NiJ9.user-access-token")

	_, err := user.GetCurrentUser(t.Context())
	require.NoError(t, err)
	_, err = svc.GetUser(t.Context(), userID)
	require.NoError(t, err)

	reqs := f.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "Bearer eyJhbGciOiJSUzI1NiJ9.user-access-token", reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "/api/v1/users/me", reqs[0].Path)
	assert.Equal(t, "SSWS "+testToken, reqs[1].Header.Get("Authorization"), "the original keeps its credential")
	assert.Equal(t, svc.BaseURL(), user.BaseURL())

	t.Run("the breaker is shared", func(t *testing.T) {
		f.setHandler(always(http.StatusInternalServerError, ""))
		_ = ok(user.Suspend(t.Context(), "me"))
		_ = ok(user.Suspend(t.Context(), "me"))
		assert.True(t, user.BreakerOpen())
		assert.True(t, svc.BreakerOpen(), "failures through the copy open the original's breaker")
		assert.ErrorIs(t, ok(svc.Suspend(t.Context(), userID)), client.ErrCircuitOpen)
		assert.Equal(t, 4, f.count())
	})
	t.Run("an unusable token is refused locally", func(t *testing.T) {
		clock.Advance(time.Hour)
		f.setHandler(always(http.StatusOK, userJSON))
		before := f.count()
		for _, tok := range []string{"", "abc\nX-Evil: 1"} {
			_, err := svc.WithBearer(tok).GetCurrentUser(t.Context())
			assert.ErrorIs(t, err, client.ErrUnauthorized)
			assert.NotErrorIs(t, err, client.ErrUnavailable)
		}
		assert.Equal(t, before, f.count())
		_, err := svc.WithBearer("").WithBearer("fresh-token").GetCurrentUser(t.Context())
		require.NoError(t, err, "a good token replaces a refused one")
		_, err = svc.GetUser(t.Context(), userID)
		require.NoError(t, err)
		assert.False(t, svc.BreakerOpen(), "refused tokens do not count as Okta failures")
	})
}

func TestObserverSeesNetworkErrors(t *testing.T) {
	f := newFake(t, hang(nil, nil))
	var got []client.CallInfo
	c := newClient(t, f, nil, client.WithCallTimeout(30*time.Millisecond), client.WithObserver(func(ci client.CallInfo) {
		got = append(got, ci) // one call, so one goroutine
	}))
	_, _ = c.GetUser(t.Context(), userID)
	require.Len(t, got, 1)
	assert.Zero(t, got[0].Status)
	assert.ErrorIs(t, got[0].Err, client.ErrUnavailable)
	assert.ErrorIs(t, got[0].Err, context.DeadlineExceeded)
	assert.Equal(t, "getUser", got[0].Op)
	assert.Equal(t, 1, got[0].Attempt)
}

// TestMutationsReturnOktaRequestIDs: every call that changes something hands back the id Okta
// gave its answer, so an audit record names that very call whatever else the request did.
func TestMutationsReturnOktaRequestIDs(t *testing.T) {
	n := 0
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		switch {
		case strings.HasSuffix(r.URL.Path, "/lifecycle/activate"):
			reply(w, http.StatusOK, `{"activationUrl":"https://x/welcome/t","activationToken":"t"}`, "X-Okta-Request-Id", fmt.Sprintf("req%d", n))
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/users"):
			reply(w, http.StatusOK, `{"id":"00u1a2b3c4D5e6F7g8h9","status":"STAGED","profile":{"login":"a@example.com"}}`, "X-Okta-Request-Id", fmt.Sprintf("req%d", n))
		default:
			reply(w, http.StatusOK, `{}`, "X-Okta-Request-Id", fmt.Sprintf("req%d", n))
		}
	})
	c := newClient(t, f, nil)
	ctx := t.Context()
	suspended, err := c.Suspend(ctx, "00u1a2b3c4D5e6F7g8h9")
	require.NoError(t, err)
	unsuspended, err := c.Unsuspend(ctx, "00u1a2b3c4D5e6F7g8h9")
	require.NoError(t, err)
	activated, err := c.Activate(ctx, "00u1a2b3c4D5e6F7g8h9", false)
	require.NoError(t, err)
	created, err := c.CreateUser(ctx, client.NewUser{Profile: client.Profile{Login: "a@example.com"}}, false)
	require.NoError(t, err)
	assert.Equal(t, "req1", suspended.RequestID)
	assert.Equal(t, "req2", unsuspended.RequestID)
	assert.Equal(t, "req3", activated.RequestID)
	assert.Equal(t, "https://x/welcome/t", activated.ActivationURL)
	assert.Equal(t, "req4", created.RequestID)
}
