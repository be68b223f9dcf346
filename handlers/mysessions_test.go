package handlers_test

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/redistest"
	"gatehouse/web/webtest"
)

// withUA is a browser identifying itself as ua.
type withUA struct {
	ua   string
	next http.RoundTripper
}

func (u withUA) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	next := u.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

const (
	uaMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaFirefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
)

// signInWith signs alice in on env with a browser sending ua.
func signInWith(t *testing.T, env *webtest.Env, ua string) *http.Client {
	t.Helper()
	c := env.Client()
	c.Transport = withUA{ua: ua, next: c.Transport}
	res := env.StartSignIn(t, c, "/login")
	res = webtest.SubmitSignIn(t, c, res, "alice@example.com", webtest.DemoPassword)
	res.Body.Close()
	require.Equal(t, env.URL+"/", res.Request.URL.String())
	return c
}

// TestMySessions: alice, signed in on two browsers, sees both on /sessions with their
// devices and "this device"; she ends the other one, which then gets the sign-in page at once
// — on another instance too, when the sessions live in Redis.
func TestMySessions(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			envA := webtest.New(t, webtest.Options{})
			envB := envA
			if backend == "redis" {
				if _, err := exec.LookPath("redis-server"); err != nil && os.Getenv("GATEHOUSE_REQUIRE_REDIS") != "" {
					t.Fatal("GATEHOUSE_REQUIRE_REDIS is set but redis-server is not on PATH")
				}
				rds := redistest.Start(t)
				okta := oktatest.NewServer(oktatest.Config{})
				t.Cleanup(okta.Close)
				keys := [][]byte{[]byte(strings.Repeat("k", 32))}
				inst := func() *webtest.Env {
					return webtest.New(t, webtest.Options{Okta: okta, Configure: func(c *web.Config) {
						c.Redis, c.SessionKeys = rds.Client(t), keys
					}})
				}
				envA, envB = inst(), inst()
			}
			mac := signInWith(t, envA, uaMac)
			firefox := signInWith(t, envB, uaFirefox)

			_, doc := envA.Page(t, mac, "/sessions")
			rows := doc.Find("[data-testid=session-row]")
			require.Equal(t, 2, rows.Length())
			current := doc.Find("[data-testid=session-row][data-current]")
			require.Equal(t, 1, current.Length())
			assert.Contains(t, current.Text(), "Chrome on macOS")
			assert.Contains(t, current.Text(), "This device")
			assert.Contains(t, current.Text(), "127.0.0.1", "the client address")
			assert.Zero(t, current.Find("[data-testid=end-session]").Length(), "this device is ended by signing out")
			other := rows.Not("[data-current]")
			assert.Contains(t, other.Text(), "Firefox on Linux")
			end := other.Find("[data-testid=end-session]").AttrOr("href", "")
			require.NotEmpty(t, end)

			// A GET only asks; the POST ends it.
			res, doc := envA.Page(t, mac, end)
			require.Equal(t, http.StatusOK, res.StatusCode)
			res, _ = envB.Page(t, webtest.NoRedirects(firefox), "/sessions")
			assert.Equal(t, http.StatusOK, res.StatusCode, "the confirmation ended nothing")

			base, _ := url.Parse(envA.URL + end)
			res = webtest.SubmitForm(t, mac, base, doc.Find("[data-testid=end-form]"), nil)
			doc = webtest.Parse(t, res)
			require.Equal(t, "/sessions", res.Request.URL.Path, "post/redirect/get")
			assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "The session has ended")
			assert.Equal(t, 1, doc.Find("[data-testid=session-row]").Length())

			res, _ = envB.Page(t, webtest.NoRedirects(firefox), "/sessions")
			assert.Equal(t, http.StatusFound, res.StatusCode, "the ended session is signed out at once")
			assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login"), res.Header.Get("Location"))
			res, _ = envA.Page(t, webtest.NoRedirects(mac), "/sessions")
			assert.Equal(t, http.StatusOK, res.StatusCode, "this one goes on")
		})
	}
}

// TestEndOtherSessions: "end all other sessions" keeps this one and ends the rest; a handle
// that is not one of the person's ends nothing.
func TestEndOtherSessions(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	a := signInWith(t, env, uaMac)
	b := signInWith(t, env, uaFirefox)
	c := signInWith(t, env, uaFirefox)
	kate := env.SignInAs(t, "kate@example.com") // another person

	// Kate cannot end alice's session with its handle.
	_, doc := env.Page(t, a, "/sessions")
	end := doc.Find("[data-testid=session-row]:not([data-current]) [data-testid=end-session]").First().AttrOr("href", "")
	require.NotEmpty(t, end)
	res := env.Do(t, webtest.NoRedirects(kate), http.MethodPost, end, url.Values{}, nil)
	res.Body.Close()
	_, doc = env.Page(t, a, "/sessions")
	assert.Equal(t, 3, doc.Find("[data-testid=session-row]").Length(), "kate ended nothing of alice's")

	res, doc = env.Page(t, a, "/sessions/end-others")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, doc.Find("h1").Text(), "2 other sessions")
	base, _ := url.Parse(env.URL + "/sessions/end-others")
	res = webtest.SubmitForm(t, a, base, doc.Find("[data-testid=end-form]"), nil)
	doc = webtest.Parse(t, res)
	assert.Equal(t, "/sessions", res.Request.URL.Path)
	assert.Equal(t, 1, doc.Find("[data-testid=session-row]").Length())
	assert.Equal(t, 1, doc.Find("[data-testid=only-this]").Length())
	for _, ended := range []*http.Client{b, c} {
		res, _ := env.Page(t, webtest.NoRedirects(ended), "/")
		assert.Zero(t, res.Header.Get("Location"), "home is public")
	}
	res, _ = env.Page(t, webtest.NoRedirects(b), "/sessions")
	assert.Equal(t, http.StatusFound, res.StatusCode)
	res, _ = env.Page(t, webtest.NoRedirects(kate), "/sessions")
	assert.Equal(t, http.StatusOK, res.StatusCode, "kate's session is untouched")
}
