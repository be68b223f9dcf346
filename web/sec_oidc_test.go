package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// callbackURL runs a sign-in up to the moment Okta redirects back, and returns that callback
// URL without following it.
func callbackURL(t *testing.T, env *webtest.Env, c *http.Client, login string) *url.URL {
	t.Helper()
	page := env.StartSignIn(t, c, "/login")
	res := webtest.SubmitSignIn(t, webtest.NoRedirects(c), page, login, webtest.DemoPassword)
	res.Body.Close()
	require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, res.StatusCode, "the emulator should redirect back after the password")
	u, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "/auth/callback", u.Path)
	return u
}

// assertFailedSignIn follows the callback and checks it ends on the failure page, with no
// session in the browser.
func assertFailedSignIn(t *testing.T, env *webtest.Env, c *http.Client, cb string) {
	t.Helper()
	res, err := webtest.NoRedirects(c).Get(cb)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "a failed callback redirects to a clean URL")
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	loc := res.Header.Get("Location")
	assert.True(t, strings.HasPrefix(loc, "/auth/error?reason="), "redirect to the error page, got %q", loc)
	assert.NotContains(t, loc, "code=", "the code must not travel on")
	for _, ck := range res.Cookies() {
		assert.False(t, ck.Name == "gatehouse" && ck.MaxAge >= 0 && ck.Value != "", "no session cookie is set")
	}

	res, doc := env.Page(t, c, loc)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Equal(t, 1, doc.Find("[data-testid=signin-failed]").Length(), "a clear sign-in failure page")
	assert.NotEmpty(t, strings.TrimSpace(doc.Find("[data-testid=alert-error]").Text()))

	res, doc = env.Page(t, c, "/")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 1, doc.Find("[data-testid=landing]").Length(), "no session: the landing page shows")
}

type failCase struct {
	name    string
	prepare func(t *testing.T, c *http.Client) string // returns the callback URL to visit with c
}

func runFailCases(t *testing.T, env *webtest.Env, cases []failCase, noTokenCall bool) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			c := env.Client()
			cb := tt.prepare(t, c)
			before := env.Okta.TokenRequests()
			assertFailedSignIn(t, env, c, cb)
			if noTokenCall {
				assert.Equal(t, before, env.Okta.TokenRequests(), "no token request for a callback that fails the transaction checks")
			}
		})
	}
}

func withQuery(u *url.URL, key, value string) string {
	q := u.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func TestSec01_LoginRedirect(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	start := func() url.Values {
		res, err := webtest.NoRedirects(env.Client()).Get(env.URL + "/login")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusFound, res.StatusCode)
		u, err := url.Parse(res.Header.Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, env.Okta.URL()+"/oauth2/v1/authorize", u.Scheme+"://"+u.Host+u.Path)
		return u.Query()
	}
	a, b := start(), start()
	assert.Equal(t, "code", a.Get("response_type"))
	assert.Equal(t, "S256", a.Get("code_challenge_method"))
	assert.Equal(t, env.URL+"/auth/callback", a.Get("redirect_uri"))
	// okta.myAccount.password.read because the org's discovery lists it (an Identity Engine
	// feature the emulator offers): the person's own password rules (docs/OKTA.md).
	assert.ElementsMatch(t, []string{"openid", "profile", "email", "offline_access", "okta.users.read.self", "okta.myAccount.password.read"}, strings.Fields(a.Get("scope")))
	for _, p := range []string{"state", "nonce"} {
		assert.GreaterOrEqual(t, len(a.Get(p))*5, 128, "%s carries at least 128 bits (base32 text)", p)
	}
	ch, err := base64.RawURLEncoding.DecodeString(a.Get("code_challenge"))
	require.NoError(t, err)
	assert.Len(t, ch, 32, "S256 challenge")
	for _, p := range []string{"state", "nonce", "code_challenge"} {
		assert.NotEqual(t, a.Get(p), b.Get(p), "%s differs between two sign-ins", p)
	}
}

func TestSec02_RedirectURIFromConfiguration(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	for _, h := range []map[string]string{{"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}} {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/login", nil)
		for k, v := range h {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		res, err := webtest.NoRedirects(env.Client()).Do(req)
		require.NoError(t, err)
		res.Body.Close()
		u, _ := url.Parse(res.Header.Get("Location"))
		assert.Equal(t, env.URL+"/auth/callback", u.Query().Get("redirect_uri"), "headers %v", h)
	}
}

func TestSec03_CallbackStateChecks(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	runFailCases(t, env, []failCase{
		{"missing state", func(t *testing.T, c *http.Client) string {
			return withQuery(callbackURL(t, env, c, "alice@example.com"), "state", "")
		}},
		{"wrong state", func(t *testing.T, c *http.Client) string {
			return withQuery(callbackURL(t, env, c, "alice@example.com"), "state", "not-the-state-we-sent")
		}},
		{"callback from another browser (login CSRF)", func(t *testing.T, c *http.Client) string {
			return callbackURL(t, env, env.Client(), "alice@example.com").String()
		}},
		{"no transaction at all", func(t *testing.T, c *http.Client) string {
			return env.URL + "/auth/callback?code=abc&state=def"
		}},
	}, true)
}

func TestSec04_TransactionSingleUseAndExpiry(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	env := webtest.New(t, webtest.Options{Now: clock.Now})
	runFailCases(t, env, []failCase{
		{"replayed callback", func(t *testing.T, c *http.Client) string {
			u := callbackURL(t, env, c, "alice@example.com")
			base, _ := url.Parse(env.URL)
			login := c.Jar.Cookies(base)
			res, err := c.Get(u.String())
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, env.URL+"/", res.Request.URL.String(), "the first use signs in")
			// Replay in a browser holding the same (spent) login cookie.
			fresh := env.Client()
			fresh.Jar.SetCookies(base, login)
			*c = *fresh
			return u.String()
		}},
		{"11 minutes after /login", func(t *testing.T, c *http.Client) string {
			u := callbackURL(t, env, c, "alice@example.com")
			clock.Advance(11 * time.Minute)
			return u.String()
		}},
	}, true)
}

func TestSec05_IDTokenValidation(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	tamper := func(tt oktatest.TokenTamper) func(*testing.T, *http.Client) string {
		return func(t *testing.T, c *http.Client) string {
			env.Okta.TamperNextIDToken(tt)
			return callbackURL(t, env, c, "alice@example.com").String()
		}
	}
	claim := func(key string, value any) func(*testing.T, *http.Client) string {
		return tamper(oktatest.TokenTamper{Claims: func(c map[string]any) { c[key] = value }})
	}
	runFailCases(t, env, []failCase{
		{"bad signature", tamper(oktatest.TokenTamper{WrongKey: true})},
		{"alg none", tamper(oktatest.TokenTamper{AlgNone: true})},
		{"HS256 signed with the public key", tamper(oktatest.TokenTamper{HS256WithPublicKey: true})},
		{"unknown kid", tamper(oktatest.TokenTamper{UnknownKid: true})},
		{"issuer not the configured one", claim("iss", "https://evil.example.com")},
		{"audience without our client id", claim("aud", "someone-else")},
		{"extra untrusted audience", claim("aud", []any{env.Okta.ClientID(), "someone-else"})},
		{"azp of another client", claim("azp", "someone-else")},
		{"expired", claim("exp", time.Now().Add(-3*time.Minute).Unix())},
		{"issued in the future", claim("iat", time.Now().Add(time.Hour).Unix())},
		{"nonce missing", func(t *testing.T, c *http.Client) string {
			return tamper(oktatest.TokenTamper{Claims: func(m map[string]any) { delete(m, "nonce") }})(t, c)
		}},
		{"nonce different", claim("nonce", "another-nonce")},
		{"at_hash wrong", claim("at_hash", "AAAAAAAAAAAAAAAAAAAAAA")},
		{"subject of another person", claim("sub", "00u0000000000000000x")},
	}, false)
}

func TestSec06_IssuerChecks(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	runFailCases(t, env, []failCase{
		{"iss parameter from another server", func(t *testing.T, c *http.Client) string {
			return withQuery(callbackURL(t, env, c, "alice@example.com"), "iss", "https://evil.example.com")
		}},
	}, true)
	t.Run("discovery issuer mismatch fails startup", func(t *testing.T) {
		okta := oktatest.NewServer(oktatest.Config{})
		defer okta.Close()
		okta.SetDiscoveryIssuer("https://evil.example.com")
		cfg := web.DefaultConfig()
		cfg.OktaOrgURL, cfg.ClientID, cfg.ClientSecret = okta.URL(), okta.ClientID(), okta.ClientSecret()
		cfg.APIToken, cfg.PublicURL, cfg.SessionKeys = okta.APIToken(), "http://127.0.0.1:1", [][]byte{make([]byte, 32)}
		cfg.AuditStore = webtest.AuditDB(t)
		app, err := web.NewApp(cfg)
		require.NoError(t, err)
		defer app.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.Error(t, app.Auth.Discover(ctx), "a discovery document naming another issuer is refused")
		assert.Error(t, app.Auth.Ready(), "and the instance is not ready")
	})
}

func TestSec07_CallbackErrorIsGenericAndClean(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	c := env.Client()
	env.StartSignIn(t, c, "/login").Body.Close()
	cb := env.URL + "/auth/callback?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=x"
	assertFailedSignIn(t, env, c, cb)
	res, err := c.Get(cb)
	require.NoError(t, err)
	doc := webtest.Parse(t, res)
	html, _ := doc.Html()
	assert.NotContains(t, html, "alert(1)", "Okta's error description is never echoed")
	assert.NotContains(t, res.Request.URL.String(), "error_description", "the browser ends on a clean URL")
}

func TestSec09_Logout(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	base, _ := url.Parse(env.URL)
	old := alice.Jar.Cookies(base)
	id := env.Okta.UserID("alice@example.com")
	tokensBefore := env.Okta.ActiveTokens(id)

	t.Run("GET /logout does nothing", func(t *testing.T) {
		res, err := webtest.NoRedirects(alice).Get(env.URL + "/logout")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
		res, _ = env.Page(t, webtest.NoRedirects(alice), "/profile")
		assert.Equal(t, http.StatusOK, res.StatusCode, "still signed in")
	})
	t.Run("cross-site POST /logout is refused", func(t *testing.T) {
		res := env.Do(t, webtest.NoRedirects(alice), http.MethodPost, "/logout", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"})
		res.Body.Close()
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	})

	res := env.Do(t, webtest.NoRedirects(alice), http.MethodPost, "/logout", url.Values{}, nil)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, env.Okta.URL()+"/oauth2/v1/logout", loc.Scheme+"://"+loc.Host+loc.Path)
	assert.NotEmpty(t, loc.Query().Get("id_token_hint"))
	assert.Equal(t, env.URL+"/", loc.Query().Get("post_logout_redirect_uri"))
	assert.NotEmpty(t, loc.Query().Get("state"))
	var expired bool
	for _, ck := range res.Cookies() {
		if ck.Name == "gatehouse" {
			expired = ck.MaxAge < 0 || ck.Value == ""
		}
	}
	assert.True(t, expired, "the session cookie is expired (Max-Age=0)")
	assert.Less(t, env.Okta.ActiveTokens(id), tokensBefore+1, "the refresh token was revoked (best effort)")

	// Okta sends the browser back with the state; a forged state shows no sign-out message.
	res, err = alice.Get(loc.String())
	require.NoError(t, err)
	doc := webtest.Parse(t, res)
	assert.Equal(t, env.URL+"/", res.Request.URL.Scheme+"://"+res.Request.URL.Host+res.Request.URL.Path)
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "signed out")
	_, doc = env.Page(t, alice, "/?state=forged")
	assert.Equal(t, 0, doc.Find("[data-testid=alert-success]").Length(), "a state we did not issue is ignored")

	replay := env.Client()
	replay.Jar.SetCookies(base, old)
	res, _ = env.Page(t, webtest.NoRedirects(replay), "/profile")
	assert.Equal(t, http.StatusFound, res.StatusCode, "the old cookie is worthless")
}
