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

// TestHelpdeskCannotTouchPrivilegedAccounts: the helpdesk may reset an employee's password but
// never an administrator's or another helpdesk member's — that would be an account takeover.
func TestHelpdeskCannotTouchPrivilegedAccounts(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	hal := env.SignInAs(t, "hal@example.com")
	ada := env.Okta.UserID("ada@example.com")
	otherHelp := env.Okta.AddUser(oktatest.SeedUser{Profile: map[string]any{"login": "henry@example.com", "email": "henry@example.com", "firstName": "Henry", "lastName": "Help"}, Password: webtest.DemoPassword, Groups: []string{"Gatehouse Helpdesk"}})
	form := url.Values{"confirm": {"yes"}, "reason": {"TICKET-9"}, "delivery": {"link"}, "temp_password": {"yes"}}

	for _, target := range []string{ada, otherHelp} {
		for _, action := range []string{"reset-password", "expire-password", "reset-factors", "clear-sessions", "forgot-password", "unlock"} {
			t.Run(target+" "+action, func(t *testing.T) {
				env.Okta.ResetRequests()
				res := env.Do(t, hal, http.MethodPost, "/admin/users/"+target+"/"+action, form, nil)
				body := webtest.Parse(t, res)
				assert.Equal(t, http.StatusForbidden, res.StatusCode)
				assert.Zero(t, body.Find("[data-testid=secret-value]").Length(), "no one-time secret")
				assert.Zero(t, env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Method != http.MethodGet }), "no change at Okta")
			})
		}
		t.Run(target+" page offers nothing", func(t *testing.T) {
			res, doc := env.Page(t, hal, "/admin/users/"+target)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Zero(t, doc.Find("[data-testid=actions] a").Length())
			assert.Contains(t, doc.Find("[data-testid=no-actions]").Text(), "Only an administrator")
			res, _ = env.Page(t, hal, "/admin/users/"+target+"/confirm/reset-password")
			assert.Equal(t, http.StatusForbidden, res.StatusCode)
		})
	}
	t.Run("bulk skips them", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		env.Okta.SetStatus(ada, "LOCKED_OUT")
		defer env.Okta.SetStatus(ada, "ACTIVE")
		res := env.Do(t, hal, http.MethodPost, "/admin/bulk/run", url.Values{"id": {ada, bob}, "action": {"unlock"}, "reason": {"TICKET-9"}, "confirm": {"yes"}}, nil)
		doc := webtest.Parse(t, res)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "LOCKED_OUT", env.Okta.UserStatus(ada), "the admin was not touched")
		assert.Equal(t, "ACTIVE", env.Okta.UserStatus(bob), "the employee was unlocked")
		assert.True(t, strings.Contains(doc.Text(), "Only an administrator"))
	})
	t.Run("an admin may", func(t *testing.T) {
		adaC := env.SignInAs(t, "ada@example.com")
		res := env.Do(t, adaC, http.MethodPost, "/admin/users/"+otherHelp+"/clear-sessions", form, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
	})
}

// TestAdminDoneBannerNeedsTheAction: the success banner after a redirect comes from the
// one-time flash the action itself left; a crafted ?done= link shows none, and a reload shows
// it no more.
func TestAdminDoneBannerNeedsTheAction(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	bob := env.Okta.UserID("bob@example.com")
	_, doc := env.Page(t, ada, "/admin/users/"+bob+"?done=deactivate")
	assert.Zero(t, doc.Find("[data-testid=user-panel] [data-testid=alert-success]").Length(), "nothing was deactivated")
	res := env.Do(t, ada, http.MethodPost, "/admin/users/"+bob+"/unlock", url.Values{"confirm": {"yes"}}, nil)
	doc = webtest.Parse(t, res)
	assert.Equal(t, env.URL+"/admin/users/"+bob, res.Request.URL.String())
	assert.Equal(t, 1, doc.Find("[data-testid=user-panel] [data-testid=alert-success]").Length(), "the real unlock is confirmed")
	_, doc = env.Page(t, ada, "/admin/users/"+bob)
	assert.Zero(t, doc.Find("[data-testid=user-panel] [data-testid=alert-success]").Length(), "once")
}
