package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web/webtest"
)

// TestSec52_Finding4_CrossSessionReplay is finding 4 of issue 12: the double-submit cache gave
// one session's answer — and its rotated session cookie — to another session of the same
// person that replayed the same form id. Now the record is bound to the session that made it:
// the replay is handled as a submission of its own and learns nothing of the first.
func TestSec52_Finding4_CrossSessionReplay(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	base, err := url.Parse(env.URL)
	require.NoError(t, err)
	first := env.SignInAs(t, "alice@example.com")
	other := env.SignInAs(t, "alice@example.com") // another browser, same person
	otherBefore := sessionCookie(other, base)

	id := passwordFormID(t, env, first)
	form := url.Values{"form_id": {id}, "current_password": {webtest.DemoPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}
	res := env.Do(t, first, http.MethodPost, "/password", form, nil)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	rotated := sessionCookie(first, base)
	require.NotEmpty(t, rotated)

	res = env.Do(t, webtest.NoRedirects(other), http.MethodPost, "/password", form, nil)
	doc := webtest.Parse(t, res)
	for _, c := range res.Cookies() {
		assert.NotEqual(t, rotated, c.Value, "the first session's new cookie is never handed to another session")
	}
	assert.NotEqual(t, rotated, sessionCookie(other, base))
	assert.Equal(t, otherBefore, sessionCookie(other, base), "the replaying session keeps its own session")
	assert.Zero(t, doc.Find("[data-testid=alert-success]").Length(), "nor the first one's answer")
	assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "it ran as its own submission: the old password is no longer current")
	assert.Contains(t, doc.Find("[data-testid=error-current_password]").Text(), "not your current password")
}

// TestSec47_Finding5_OneGuessBudget is finding 5 of issue 12: /password and
// /recovery-question each allowed 5 wrong current passwords per 15 minutes, 10 in all. Now
// every form that checks the current password draws on one budget of 5 per person.
func TestSec47_Finding5_OneGuessBudget(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	password := url.Values{"current_password": {"Wrong-Passw0rd-1"}, "new_password": {newPassword}, "confirm_password": {newPassword}}
	recovery := url.Values{"question": {"What was the make of your first car?"}, "answer": {"Volvo"}, "current_password": {"Wrong-Passw0rd-2"}}
	guesses := func() int {
		return env.Okta.CountRequests(func(r oktatest.Request) bool {
			return strings.HasSuffix(r.Path, "/change_password") || strings.HasSuffix(r.Path, "/change_recovery_question")
		})
	}
	for i, form := range []struct {
		path string
		form url.Values
	}{{"/password", password}, {"/recovery-question", recovery}, {"/password", password}, {"/recovery-question", recovery}, {"/password", password}} {
		res := env.Do(t, alice, http.MethodPost, form.path, form.form, nil)
		res.Body.Close()
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "guess %d reaches Okta and is refused", i+1)
	}
	require.Equal(t, 5, guesses())
	for _, path := range []string{"/recovery-question", "/password"} {
		form := recovery
		if path == "/password" {
			form = password
		}
		res := env.Do(t, alice, http.MethodPost, path, form, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s: the budget is spent across both forms", path)
		assert.NotEmpty(t, res.Header.Get("Retry-After"))
	}
	assert.Equal(t, 5, guesses(), "no sixth guess reached Okta")
}
