package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/webtest"
)

// TestPasswordFormAfterAMistake (issue 17, defect 7): a wrong current password is a typo, not a
// failure — no support reference; with htmx the new passwords, which passed every check, stay
// in the browser's fields (hx-preserve: never sent back) and the checklist describes them;
// without htmx the fields come back empty and so is the checklist, never ticked.
func TestPasswordFormAfterAMistake(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	tests := []struct {
		name     string
		htmx     bool
		current  string
		next     string
		confirm  string
		wantKeep bool
		wantCode int
	}{
		{name: "wrong current password, htmx", htmx: true, current: "Not-My-Passw0rd", next: newPassword, confirm: newPassword, wantKeep: true, wantCode: http.StatusUnprocessableEntity},
		{name: "wrong current password, no JavaScript", current: "Not-My-Passw0rd", next: newPassword, confirm: newPassword, wantCode: http.StatusUnprocessableEntity},
		{name: "current password missing, htmx", htmx: true, next: newPassword, confirm: newPassword, wantKeep: true, wantCode: http.StatusUnprocessableEntity},
		{name: "everything empty, htmx", htmx: true, wantCode: http.StatusUnprocessableEntity},
		{name: "confirmation differs, htmx", htmx: true, current: webtest.DemoPassword, next: newPassword, confirm: newPassword + "x", wantCode: http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.SignInAs(t, "hal@example.com")
			var headers map[string]string
			if tt.htmx {
				headers = webtest.HTMX(views.PasswordFormID)
			}
			form := url.Values{"form_id": {passwordFormID(t, env, c)}, "current_password": {tt.current}, "new_password": {tt.next}, "confirm_password": {tt.confirm}}
			res := env.Do(t, c, http.MethodPost, "/password", form, headers)
			doc := webtest.Parse(t, res)
			assert.Equal(t, tt.wantCode, res.StatusCode)
			assert.Empty(t, doc.Find("[data-testid=request-id]").Nodes, "no support reference for a mistake")
			for _, name := range []string{"new_password", "confirm_password"} {
				_, kept := doc.Find("input[name=" + name + "]").Attr("hx-preserve")
				assert.Equal(t, tt.wantKeep, kept, name)
			}
			html, _ := doc.Html()
			for _, pw := range []string{tt.current, tt.next, tt.confirm} {
				if pw != "" {
					assert.NotContains(t, html, pw, "no password is rendered back")
				}
			}
			match := doc.Find("[data-testid=rule-match]").AttrOr("data-met", "")
			assert.Equal(t, tt.wantKeep, match == "true", "“Both new password fields match” is ticked only for fields that are kept and match")
		})
	}
}

// TestPasswordManagersSeeTheUsername (issue 17, defect 7): the password and recovery-question
// forms carry the account's username in a hidden field for password managers.
func TestPasswordManagersSeeTheUsername(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	for _, path := range []string{"/password", "/recovery-question"} {
		t.Run(path, func(t *testing.T) {
			_, doc := env.Page(t, alice, path)
			u := doc.Find("form input[data-testid=hidden-username]")
			require.Equal(t, 1, u.Length())
			assert.Equal(t, "alice@example.com", u.AttrOr("value", ""))
			assert.Equal(t, "username", u.AttrOr("autocomplete", ""))
			_, hidden := u.Attr("hidden")
			assert.True(t, hidden, "not shown, not in the tab order")
		})
	}
}

// TestPasswordStepUpSaysWhy (issue 17, defect 4): a password change submitted after the sign-in
// has grown too old changes nothing and says why on the form, with the way to sign in again and
// come back to it — instead of leaving for the sign-in page without a word.
func TestPasswordStepUpSaysWhy(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	env := webtest.New(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}})
	for _, htmx := range []bool{true, false} {
		t.Run(map[bool]string{true: "htmx", false: "no JavaScript"}[htmx], func(t *testing.T) {
			c := env.SignInAs(t, "hal@example.com")
			formID := passwordFormID(t, env, c)
			clock.Advance(16 * time.Minute)
			var headers map[string]string
			if htmx {
				headers = webtest.HTMX(views.PasswordFormID)
			}
			env.Okta.ResetRequests()
			res := env.Do(t, webtest.NoRedirects(c), http.MethodPost, "/password", url.Values{"form_id": {formID}, "current_password": {webtest.DemoPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}, headers)
			doc := webtest.Parse(t, res)
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
			assert.Empty(t, res.Header.Get("HX-Redirect"), "the page stays, and says why")
			assert.Contains(t, doc.Find("[data-testid=step-up-explained]").Text(), "Your password was not changed yet")
			assert.Equal(t, "/login?reauth=1&return=%2Fpassword", doc.Find("[data-testid=reauth]").AttrOr("href", ""), "back to the form after signing in")
			html, _ := doc.Html()
			assert.NotContains(t, html, newPassword)
			assert.Zero(t, env.Okta.CountRequests(func(r oktatest.Request) bool {
				return strings.HasPrefix(r.Path, "/api/v1/") && r.Method != http.MethodGet
			}), "nothing happened at Okta")
		})
	}
}
