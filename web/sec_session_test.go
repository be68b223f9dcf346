package web_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/redistest"
	"gatehouse/web/webtest"
)

func cookieValue(c *http.Client, base string, name string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func setCookie(c *http.Client, base, name, value string) {
	u, _ := url.Parse(base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func signedOutAt(t *testing.T, env *webtest.Env, c *http.Client) bool {
	t.Helper()
	res := env.Do(t, webtest.NoRedirects(c), http.MethodGet, "/profile", nil, nil)
	res.Body.Close()
	return res.StatusCode == http.StatusFound && strings.HasPrefix(res.Header.Get("Location"), "/login")
}

func TestSec11_CookieFlags(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{TLS: true})
	c := env.Client()
	res := env.Do(t, webtest.NoRedirects(c), http.MethodGet, "/login", nil, nil)
	res.Body.Close()
	check := func(t *testing.T, set []string, name string, maxAgeAtMost int) {
		t.Helper()
		var line string
		for _, l := range set {
			if strings.HasPrefix(l, name+"=") {
				line = l
			}
		}
		require.NotEmpty(t, line, "Set-Cookie for %s in %v", name, set)
		lower := strings.ToLower(line)
		assert.Contains(t, lower, "; path=/")
		assert.Contains(t, lower, "; httponly")
		assert.Contains(t, lower, "; secure")
		assert.Contains(t, lower, "; samesite=lax")
		assert.NotContains(t, lower, "domain=")
		value, _, _ := strings.Cut(strings.TrimPrefix(line, name+"="), ";")
		assert.Less(t, len(value), 200, "cookie values stay small (the record is server-side)")
		if maxAgeAtMost > 0 {
			ck, err := http.ParseSetCookie(line)
			require.NoError(t, err)
			assert.Positive(t, ck.MaxAge)
			assert.LessOrEqual(t, ck.MaxAge, maxAgeAtMost)
		}
	}
	check(t, res.Header.Values("Set-Cookie"), "__Host-gatehouse_login", 600)

	// The session cookie, set at the callback.
	page := env.StartSignIn(t, c, "/login")
	res = webtest.SubmitSignIn(t, webtest.NoRedirects(c), page, "alice@example.com", webtest.DemoPassword)
	res.Body.Close()
	res, err := webtest.NoRedirects(c).Get(res.Header.Get("Location"))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	check(t, res.Header.Values("Set-Cookie"), "__Host-gatehouse", 0)
	assert.Equal(t, "max-age=63072000; includeSubDomains", res.Header.Get("Strict-Transport-Security"))
}

func TestSec13_NewSessionIDAtSignIn(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	c := env.SignInAs(t, "alice@example.com")
	first := cookieValue(c, env.URL, "gatehouse")
	require.NotEmpty(t, first)
	// Signing in again in the same browser (Okta's session makes it instant).
	res, err := c.Get(env.URL + "/login")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, env.URL+"/", res.Request.URL.String())
	second := cookieValue(c, env.URL, "gatehouse")
	assert.NotEqual(t, first, second, "a sign-in issues a new session id")

	old := env.Client()
	setCookie(old, env.URL, "gatehouse", first)
	assert.True(t, signedOutAt(t, env, old), "the pre-login session no longer exists")
	assert.False(t, signedOutAt(t, env, c), "the new one works")
}

func TestSec14_StrictSessions(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	tests := []struct{ name, value string }{
		{"attacker-chosen", "attacker-chosen"},
		{"valid base64 but unsigned", "MTcwMDAwMDAwMHxhYmNkZWZ8YWJj"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.Client()
			setCookie(c, env.URL, "gatehouse", tt.value)
			assert.True(t, signedOutAt(t, env, c), "an id the server did not issue is anonymous")
		})
	}
	t.Run("a signed id whose session ended", func(t *testing.T) {
		c := env.SignInAs(t, "hal@example.com")
		ended := cookieValue(c, env.URL, "gatehouse")
		_, err := env.App.Sessions.DestroyUser(context.Background(), env.Okta.UserID("hal@example.com"), "")
		require.NoError(t, err)
		assert.True(t, signedOutAt(t, env, c))
		// Signing in from that browser never revives the old id.
		res, err := c.Get(env.URL + "/login")
		require.NoError(t, err)
		res.Body.Close()
		page := res
		if strings.HasPrefix(page.Request.URL.String(), env.Okta.URL()) {
			res = webtest.SubmitSignIn(t, c, env.StartSignIn(t, c, "/login"), "hal@example.com", webtest.DemoPassword)
			res.Body.Close()
		}
		now := cookieValue(c, env.URL, "gatehouse")
		assert.NotEqual(t, ended, now)
		replay := env.Client()
		setCookie(replay, env.URL, "gatehouse", ended)
		assert.True(t, signedOutAt(t, env, replay))
	})
}

func TestSec15_IdleAndAbsoluteTimeouts(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		clock := webtest.NewClock()
		env := webtest.New(t, webtest.Options{Now: clock.Now})
		c := env.SignInAs(t, "alice@example.com")
		clock.Advance(29 * time.Minute)
		require.False(t, signedOutAt(t, env, c), "29 minutes idle is fine")
		clock.Advance(31 * time.Minute)
		assert.True(t, signedOutAt(t, env, c), "31 minutes idle ends the session")
		res := env.Do(t, webtest.NoRedirects(c), http.MethodGet, "/apps?q=x", nil, webtest.HTMX("app-results"))
		res.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		assert.True(t, strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login"))
	})
	t.Run("absolute", func(t *testing.T) {
		clock := webtest.NewClock()
		env := webtest.New(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}})
		c := env.SignInAs(t, "alice@example.com")
		for i := 0; i < 59; i++ { // 9 h 50 min of constant activity
			clock.Advance(10 * time.Minute)
			require.False(t, signedOutAt(t, env, c), "still signed in after %d minutes of activity", (i+1)*10)
		}
		clock.Advance(11 * time.Minute)
		assert.True(t, signedOutAt(t, env, c), "10 hours after sign-in the session ends whatever the activity")
	})
}

func TestSec16_CredentialChangesRotateSession(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	c := env.SignInAs(t, "alice@example.com")
	before := cookieValue(c, env.URL, "gatehouse")
	_, doc := env.Page(t, c, "/recovery-question")
	res := env.Do(t, c, http.MethodPost, "/recovery-question", url.Values{"form_id": {doc.Find("input[name=form_id]").AttrOr("value", "")}, "question": {"What was the first concert you attended?"}, "answer": {"Nina Simone"}, "current_password": {webtest.DemoPassword}}, nil)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	after := cookieValue(c, env.URL, "gatehouse")
	assert.NotEqual(t, before, after, "a recovery-question change issues a new session id")
	old := env.Client()
	setCookie(old, env.URL, "gatehouse", before)
	assert.True(t, signedOutAt(t, env, old))
	// The password change is covered with the offer to sign out other sessions in
	// handlers.TestPasswordJourney.
}

func redisFor(t *testing.T) *redistest.Server {
	t.Helper()
	if os.Getenv("GATEHOUSE_REQUIRE_REDIS") == "" {
		if _, err := exec.LookPath("redis-server"); err != nil {
			t.Skip("redis-server not installed; skipping the Redis test")
		}
	}
	return redistest.Start(t)
}

func TestSec18_TokensEncryptedAtRest(t *testing.T) {
	t.Parallel()
	srv := redisFor(t)
	rdb := srv.Client(t)
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.Redis = rdb; c.RedisPrefix = "sec18:" }})
	c := env.SignInAs(t, "alice@example.com")
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/", nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	rec, err := env.App.Sessions.Load(req)
	require.NoError(t, err)
	require.NotNil(t, rec)
	secrets := map[string]string{"access token": rec.Tokens.Access, "refresh token": rec.Tokens.Refresh, "id token": rec.Tokens.ID, "email": rec.Email}
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "sec18:*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		var raw string
		switch rdb.Type(ctx, k).Val() {
		case "string":
			raw = rdb.Get(ctx, k).Val()
		case "set":
			raw = strings.Join(rdb.SMembers(ctx, k).Val(), ",")
		}
		for name, s := range secrets {
			require.NotEmpty(t, s)
			assert.NotContains(t, raw, s, "%s stored in clear under %s", name, k)
			if len(s) > 40 {
				assert.NotContains(t, raw, s[:40], "%s (prefix) stored in clear under %s", name, k)
			}
		}
		assert.NotContains(t, k, cookieValue(c, env.URL, "gatehouse"), "keys do not reveal the cookie")
	}
}

func TestSec19_SessionKeyRotation(t *testing.T) {
	t.Parallel()
	srv := redisFor(t)
	rdb := srv.Client(t)
	okta := oktatest.NewServer(oktatest.Config{})
	t.Cleanup(okta.Close)
	k1, k2 := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(k1)
	_, _ = rand.Read(k2)
	withKeys := func(keys ...[]byte) *webtest.Env {
		return webtest.New(t, webtest.Options{Okta: okta, Configure: func(c *web.Config) { c.Redis = rdb; c.SessionKeys = keys; c.RedisPrefix = "sec19:" }})
	}
	a := withKeys(k1)
	b := withKeys(k2, k1)
	cOnly := withKeys(k2)
	c := a.SignInAs(t, "alice@example.com")
	value := cookieValue(c, a.URL, "gatehouse")

	onB := b.Client()
	setCookie(onB, b.URL, "gatehouse", value)
	assert.False(t, signedOutAt(t, b, onB), "a cookie signed with the previous key still works when the new key is first")

	onC := cOnly.Client()
	setCookie(onC, cOnly.URL, "gatehouse", value)
	res := cOnly.Do(t, webtest.NoRedirects(onC), http.MethodGet, "/profile", nil, nil)
	res.Body.Close()
	assert.Equal(t, http.StatusFound, res.StatusCode, "once the old key is gone the cookie is anonymous, never a 500")
}

func TestSec20_OneRefreshForManyRequests(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	env := webtest.New(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}, Configure: func(c *web.Config) {
		c.SessionIdle = 3 * time.Hour
		c.OktaTimeout = 500 * time.Millisecond
	}})
	c := env.SignInAs(t, "alice@example.com")
	clock.Advance(61 * time.Minute) // the access token (1 h) has expired

	before := env.Okta.RefreshCount()
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, env.URL+"/profile", nil)
			res, err := webtest.NoRedirects(c).Do(req)
			if err == nil {
				codes[i] = res.StatusCode
				res.Body.Close()
			}
		})
	}
	wg.Wait()
	for i, code := range codes {
		assert.Equal(t, http.StatusOK, code, "request %d", i)
	}
	assert.Equal(t, 1, env.Okta.RefreshCount()-before, "exactly one refresh for 20 concurrent requests")

	t.Run("a refresh that times out keeps the session and answers 503", func(t *testing.T) {
		clock.Advance(61 * time.Minute)
		env.Okta.Inject(oktatest.Fault{Path: "/oauth2/v1/token", Hang: true, Times: 1})
		res := env.Do(t, webtest.NoRedirects(c), http.MethodGet, "/profile", nil, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
		env.Okta.ClearFaults()
		assert.False(t, signedOutAt(t, env, c), "the session survived; the next request refreshes")
	})
	t.Run("invalid_grant ends the session", func(t *testing.T) {
		clock.Advance(61 * time.Minute)
		id := env.Okta.UserID("alice@example.com")
		// Okta revokes her tokens (an admin cleared her sessions in Okta itself).
		res := revokeAtOkta(t, env, id)
		res.Body.Close()
		assert.True(t, signedOutAt(t, env, c), "a rejected refresh destroys the session and sends her to sign in")
	})
}

func revokeAtOkta(t *testing.T, env *webtest.Env, userID string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, env.Okta.URL()+"/api/v1/users/"+userID+"/sessions?oauthTokens=true", nil)
	req.Header.Set("Authorization", "SSWS "+env.Okta.APIToken())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	return res
}

// TestRefreshErrorsOtherThanInvalidGrantKeepTheSession: a 429 or an invalid_client from the
// token endpoint fails the request with a 503 but never signs the person out.
func TestRefreshErrorsOtherThanInvalidGrantKeepTheSession(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	env := webtest.New(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}, Configure: func(c *web.Config) { c.SessionIdle = 3 * time.Hour }})
	c := env.SignInAs(t, "alice@example.com")
	for _, f := range []oktatest.Fault{
		{Path: "/oauth2/v1/token", Status: http.StatusTooManyRequests, Times: 1},
		{Path: "/oauth2/v1/token", Status: http.StatusUnauthorized, ErrorCode: "invalid_client", Times: 1},
	} {
		clock.Advance(61 * time.Minute)
		env.Okta.Inject(f)
		res := env.Do(t, webtest.NoRedirects(c), http.MethodGet, "/profile", nil, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "status %d from the token endpoint", f.Status)
		env.Okta.ClearFaults()
		assert.False(t, signedOutAt(t, env, c), "the session survives a %d", f.Status)
	}
}
