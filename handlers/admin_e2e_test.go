package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web/webtest"
)

// adminClickAction does what an admin does in a browser without JavaScript: open the person's
// page, follow the action's button to the confirmation page, fill it in and submit it. It
// returns the page the browser ends on.
func adminClickAction(t *testing.T, env *webtest.Env, c *http.Client, id, action string, values map[string]string) *goquery.Document {
	t.Helper()
	res, doc := env.Page(t, c, personPath(id))
	require.Equal(t, http.StatusOK, res.StatusCode)
	href, ok := doc.Find("[data-testid=action-" + action + "]").Attr("href")
	require.True(t, ok, "the person page offers %s", action)
	res, doc = env.Page(t, c, href)
	require.Equal(t, http.StatusOK, res.StatusCode)
	form := doc.Find("form[data-testid=confirm-form]")
	require.Equal(t, 1, form.Length(), "the confirmation has a form")
	res = webtest.SubmitForm(t, c, res.Request.URL, form, values)
	require.Equal(t, http.StatusOK, res.StatusCode)
	return webtest.Parse(t, res)
}

// TestAdminEndToEnd is the story: a person locked out by five wrong passwords is
// unlocked by an admin and signs in; a signed-in person is suspended, loses their open
// Gatehouse session at once, and signs in again after being unsuspended.
func TestAdminEndToEnd(t *testing.T) {
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")

	t.Run("unlock after five wrong passwords", func(t *testing.T) {
		id, login := adminTestPerson(t, env, oktatest.StatusActive)
		c := env.Client()
		page := env.StartSignIn(t, c, "/login")
		for range 5 {
			page = webtest.SubmitSignIn(t, c, page, login, "Wrong-Passw0rd")
			require.Equal(t, http.StatusUnauthorized, page.StatusCode)
		}
		require.Equal(t, oktatest.StatusLockedOut, env.Okta.UserStatus(id))
		page = webtest.SubmitSignIn(t, c, page, login, webtest.DemoPassword)
		assert.Equal(t, http.StatusUnauthorized, page.StatusCode, "the right password does not help while locked out")
		page.Body.Close()

		doc := adminClickAction(t, env, ada, id, "unlock", nil)
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "is unlocked")
		assert.Equal(t, "ACTIVE", doc.Find("#user-panel [data-testid=status-badge]").AttrOr("data-status", ""))

		c = env.SignIn(t, login, webtest.DemoPassword)
		res, _ := get(t, env, c, "/profile", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode, "signed in again")
	})

	t.Run("demo bob is unlocked and signs in", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		adminClickAction(t, env, ada, bob, "unlock", nil)
		env.SignInAs(t, "bob@example.com")
	})

	t.Run("suspend ends the open session, unsuspend lets her back", func(t *testing.T) {
		alice := env.Okta.UserID("alice@example.com")
		ca := env.SignInAs(t, "alice@example.com")
		res, _ := get(t, env, ca, "/profile", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)

		doc := adminClickAction(t, env, ada, alice, "suspend", map[string]string{"reason": "HR-1234"})
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Alice Anderson is suspended")
		assert.Equal(t, oktatest.StatusSuspended, env.Okta.UserStatus(alice))

		res, _ = get(t, env, ca, "/profile", nil)
		assert.Equal(t, http.StatusFound, res.StatusCode, "alice's next request is anonymous")
		assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login"), res.Header.Get("Location"))
		page := env.StartSignIn(t, env.Client(), "/login")
		page = webtest.SubmitSignIn(t, env.Client(), page, "alice@example.com", webtest.DemoPassword)
		assert.NotEqual(t, env.URL+"/", page.Request.URL.String(), "a suspended person cannot sign in")
		page.Body.Close()

		adminClickAction(t, env, ada, alice, "unsuspend", nil)
		assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(alice))
		ca = env.SignInAs(t, "alice@example.com")
		res, _ = get(t, env, ca, "/profile", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode)

		var actions []string
		for _, e := range auditFor(t, env, alice) {
			actions = append(actions, e.Action+":"+e.Result)
		}
		assert.Equal(t, []string{"unsuspend:success", "suspend:success"}, actions, "newest first, one entry each")
	})
}
