package handlers_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web/webtest"
)

// TestSec55_Finding8_HostileCharacters is the character part of finding 8 of issue 12:
// right-to-left overrides and control characters from Okta data or a reason were shown as
// they are (audit log, profile). Every page now shows them as visible codes.
func TestSec55_Finding8_HostileCharacters(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	const rlo = "\u202E"
	login := "eve." + uniq() + "@example.com"
	eve := env.Okta.AddUser(oktatest.SeedUser{
		Profile: map[string]any{"login": login, "email": login, "firstName": "Eve" + rlo + "nimda", "lastName": "Bell\x07\x1b[2J",
			"title": "Clerk\u2066hidden\u2069 \u0085next"},
		Password: webtest.DemoPassword, Groups: []string{"Finance " + rlo + "Team"},
	})
	env.Okta.SetStatus(eve, oktatest.StatusLockedOut)
	ada := env.SignInAs(t, "ada@example.com")
	res := env.Do(t, ada, http.MethodPost, "/admin/users/"+eve+"/unlock",
		url.Values{"confirm": {"yes"}, "reason": {"TICKET-1 " + rlo + "0001-TEKCIT"}}, nil)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	hostile := []string{rlo, "\u2066", "\u2069", "\x07", "\x1b", "\u0085"}
	pages := map[string]*http.Client{
		"/admin/users/" + eve:                      ada, // profile, groups, recent actions
		"/admin/users?q=eve":                       ada, // search results
		"/admin/audit":                             ada, // the audit log, reason included
		"/admin/users/" + eve + "/confirm/suspend": ada,
	}
	self := env.SignIn(t, login, webtest.DemoPassword)
	for _, p := range []string{"/", "/profile", "/groups"} {
		pages[p] = self
	}
	for path, c := range pages {
		t.Run(path, func(t *testing.T) {
			res := env.Do(t, c, http.MethodGet, path, nil, nil)
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode)
			for _, h := range hostile {
				assert.NotContains(t, string(body), h, "%q appears raw", h)
			}
			assert.Contains(t, string(body), "[U+202E]", "shown as a visible code instead")
		})
	}
	t.Run("the reason in the audit log", func(t *testing.T) {
		_, doc := env.Page(t, ada, "/admin/audit")
		assert.Contains(t, doc.Text(), "TICKET-1 [U+202E]0001-TEKCIT")
	})
	t.Run("htmx fragments too", func(t *testing.T) {
		res := env.Do(t, ada, http.MethodGet, "/admin/users?q=eve", nil, webtest.HTMX("user-results"))
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.NotContains(t, string(body), rlo)
		assert.True(t, strings.Contains(string(body), "Eve[U+202E]nimda"))
	})
}
