package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// TestSec53_Finding6_StrayStateChangesNothing is finding 6 of issue 12: GET /?state=anything
// (a cross-site top-level link is enough) cancelled a pending sign-in. Only the callback
// consumes a sign-in transaction now; a stray state elsewhere changes nothing.
func TestSec53_Finding6_StrayStateChangesNothing(t *testing.T) {
	env := webtest.New(t, webtest.Options{})
	for _, stray := range []string{"/?state=anything", "/?state=", "/?state=anything&code=x"} {
		t.Run(stray, func(t *testing.T) {
			c := env.Client()
			page := env.StartSignIn(t, c, "/login") // a sign-in is pending in this browser
			base, _ := url.Parse(env.URL)
			before := c.Jar.Cookies(base)

			res, err := c.Get(env.URL + stray) // e.g. a link on another site
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusOK, res.StatusCode)
			for _, ck := range res.Cookies() {
				assert.False(t, ck.MaxAge < 0, "the stray request expired no cookie (%s)", ck.Name)
			}
			assert.Equal(t, before, c.Jar.Cookies(base))

			res = webtest.SubmitSignIn(t, c, page, "alice@example.com", webtest.DemoPassword)
			res.Body.Close()
			assert.Equal(t, env.URL+"/", res.Request.URL.String(), "the pending sign-in completes")
			res, _ = env.Page(t, webtest.NoRedirects(c), "/profile")
			assert.Equal(t, http.StatusOK, res.StatusCode, "signed in")
		})
	}
}
