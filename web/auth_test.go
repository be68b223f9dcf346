package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
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

	res, doc := env.Page(t, c, loc)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Equal(t, 1, doc.Find("[data-testid=signin-failed]").Length(), "a clear sign-in failure page")
	assert.NotEmpty(t, strings.TrimSpace(doc.Find("[data-testid=alert-error]").Text()))

	res, doc = env.Page(t, c, "/")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 1, doc.Find("[data-testid=landing]").Length(), "no session: the landing page shows")
}

func TestSignInFailures(t *testing.T) {
	clock := webtest.NewClock()
	env := webtest.New(t, webtest.Options{Now: clock.Now})

	tamper := func(tt oktatest.TokenTamper) func(*testing.T, *http.Client) string {
		return func(t *testing.T, c *http.Client) string {
			env.Okta.TamperNextIDToken(tt)
			return callbackURL(t, env, c, "alice@example.com").String()
		}
	}
	claim := func(key string, value any) func(*testing.T, *http.Client) string {
		return tamper(oktatest.TokenTamper{Claims: func(c map[string]any) { c[key] = value }})
	}
	tests := []struct {
		name string
		// prepare returns the callback URL to visit with c.
		prepare func(t *testing.T, c *http.Client) string
	}{
		{"missing state", func(t *testing.T, c *http.Client) string {
			u := callbackURL(t, env, c, "alice@example.com")
			q := u.Query()
			q.Del("state")
			u.RawQuery = q.Encode()
			return u.String()
		}},
		{"wrong state", func(t *testing.T, c *http.Client) string {
			u := callbackURL(t, env, c, "alice@example.com")
			q := u.Query()
			q.Set("state", "not-the-state-we-sent")
			u.RawQuery = q.Encode()
			return u.String()
		}},
		{"callback from another browser (login CSRF)", func(t *testing.T, c *http.Client) string {
			other := env.Client()
			return callbackURL(t, env, other, "alice@example.com").String()
		}},
		{"replayed callback", func(t *testing.T, c *http.Client) string {
			first := env.Client()
			u := callbackURL(t, env, first, "alice@example.com")
			// Give the replay the first browser's cookies: even the same browser cannot use a
			// callback twice.
			base, _ := url.Parse(env.URL)
			c.Jar.SetCookies(base, first.Jar.Cookies(base))
			res, err := first.Get(u.String())
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, env.URL+"/", res.Request.URL.String(), "the first use signs in")
			// The replay runs in a fresh browser holding only the spent login cookie.
			fresh := env.Client()
			for _, ck := range first.Jar.Cookies(base) {
				if strings.HasSuffix(ck.Name, "_login") {
					fresh.Jar.SetCookies(base, []*http.Cookie{ck})
				}
			}
			*c = *fresh
			return u.String()
		}},
		{"expired transaction (11 minutes)", func(t *testing.T, c *http.Client) string {
			u := callbackURL(t, env, c, "alice@example.com")
			clock.Advance(11 * time.Minute)
			return u.String()
		}},
		{"wrong nonce", claim("nonce", "another-nonce")},
		{"wrong issuer", claim("iss", "https://evil.example.com")},
		{"wrong audience", claim("aud", "someone-else")},
		{"extra untrusted audience", func(t *testing.T, c *http.Client) string {
			return tamper(oktatest.TokenTamper{Claims: func(m map[string]any) { m["aud"] = []any{env.Okta.ClientID(), "someone-else"} }})(t, c)
		}},
		{"expired id token", claim("exp", time.Now().Add(-time.Hour).Unix())},
		{"issued in the future", claim("iat", time.Now().Add(time.Hour).Unix())},
		{"wrong at_hash", claim("at_hash", "AAAAAAAAAAAAAAAAAAAAAA")},
		{"bad signature", tamper(oktatest.TokenTamper{WrongKey: true})},
		{"unknown key id", tamper(oktatest.TokenTamper{UnknownKid: true})},
		{"alg none", tamper(oktatest.TokenTamper{AlgNone: true})},
		{"HS256 signed with the public key", tamper(oktatest.TokenTamper{HS256WithPublicKey: true})},
		{"okta error with markup", func(t *testing.T, c *http.Client) string {
			env.StartSignIn(t, c, "/login").Body.Close()
			return env.URL + "/auth/callback?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=x"
		}},
		{"issuer parameter from another server", func(t *testing.T, c *http.Client) string {
			u := callbackURL(t, env, c, "alice@example.com")
			q := u.Query()
			q.Set("iss", "https://evil.example.com")
			u.RawQuery = q.Encode()
			return u.String()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.Client()
			cb := tt.prepare(t, c)
			tokenCalls := env.Okta.TokenRequests()
			assertFailedSignIn(t, env, c, cb)
			if strings.Contains(tt.name, "state") || strings.Contains(tt.name, "browser") || strings.Contains(tt.name, "replayed") || strings.Contains(tt.name, "expired transaction") {
				assert.Equal(t, tokenCalls, env.Okta.TokenRequests(), "no token request may be made for a callback that fails the state check")
			}
		})
	}
}

// TestSignInErrorIsEscaped checks Okta's error text never reaches the page.
func TestSignInErrorIsEscaped(t *testing.T) {
	env := webtest.New(t, webtest.Options{})
	c := env.Client()
	env.StartSignIn(t, c, "/login").Body.Close()
	res, err := c.Get(env.URL + "/auth/callback?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	require.NoError(t, err)
	doc := webtest.Parse(t, res)
	html, _ := doc.Html()
	assert.NotContains(t, html, "<script>alert(1)")
	assert.NotContains(t, html, "alert(1)", "Okta's error description is not echoed at all")
}
