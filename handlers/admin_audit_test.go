package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

func TestAdminAuditPage(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	hal := env.SignInAs(t, "hal@example.com")
	bob, carol := env.Okta.UserID("bob@example.com"), env.Okta.UserID("carol@example.com")

	_, body := get(t, env, hal, "/admin/audit", nil)
	assert.Contains(t, parseHTML(t, body).Find("[data-testid=empty-state]").Text(), "Nothing recorded yet")

	res, _ := post(t, env, hal, personPath(bob)+"/unlock", actionForm("unlock"), nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = post(t, env, ada, personPath(carol)+"/unsuspend", actionForm("unsuspend"), nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	tests := []struct {
		name, query string
		want        []string // actions listed, newest first
	}{
		{name: "everything, newest first", query: "", want: []string{"unsuspend", "unlock"}},
		{name: "by actor login", query: "actor=hal", want: []string{"unlock"}},
		{name: "by target id", query: "target=" + carol, want: []string{"unsuspend"}},
		{name: "nothing matches", query: "actor=nobody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, env, hal, "/admin/audit?"+tt.query, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			doc := parseHTML(t, body)
			var got []string
			doc.Find("[data-testid=audit-row]").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-action", "")) })
			assert.Equal(t, tt.want, got)
			if len(tt.want) == 0 {
				assert.Contains(t, doc.Find("[data-testid=empty-state]").Text(), "No actions match")
			}
		})
	}

	t.Run("columns: words, not keys, and five at most", func(t *testing.T) {
		_, body := get(t, env, hal, "/admin/audit?actor=hal", nil)
		doc := parseHTML(t, body)
		var heads []string
		doc.Find("[data-testid=audit-table] th[scope=col]").Each(func(_ int, s *goquery.Selection) { heads = append(heads, s.Text()) })
		assert.Equal(t, []string{"When", "Done by", "Action", "Person", "Outcome"}, heads)
		cells := doc.Find("[data-testid=audit-row] td")
		assert.Equal(t, "hal@example.com (helpdesk)", strings.TrimSpace(cells.Eq(1).Text()))
		assert.Contains(t, cells.Eq(2).Text(), "Unlock")
		assert.Equal(t, "bob@example.com", strings.TrimSpace(cells.Eq(3).Text()))
		assert.Contains(t, cells.Eq(4).Text(), "Succeeded")
		assert.Contains(t, cells.Eq(4).Text(), "Ref ", "the Gatehouse request id is recorded")
		assert.Contains(t, doc.Text(), "Every action taken through Gatehouse", "the page says it lists self-service actions too")
	})

	t.Run("junk filters are refused", func(t *testing.T) {
		res, _ := get(t, env, hal, "/admin/audit?actor="+url.QueryEscape(strings.Repeat("a", 101)), nil)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	})

	t.Run("the console starts at finding people", func(t *testing.T) {
		res, _ := get(t, env, hal, "/admin/", nil)
		assert.Equal(t, http.StatusSeeOther, res.StatusCode)
		assert.Equal(t, "/admin/users", res.Header.Get("Location"))
	})
}

// TestAdminOktaRefusal: when Okta refuses an action the portal thought applied (someone else
// acted meanwhile), the person reads plain words, and the audit entry keeps Okta's request id.
func TestAdminOktaRefusal(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	id := adminTestUser(t, env.Okta, oktatest.StatusActive)
	env.Okta.Inject(oktatest.Fault{Method: http.MethodPost, Path: "/api/v1/users/" + id + "/lifecycle/suspend", Status: http.StatusForbidden, ErrorCode: "E0000038", Times: 1})

	res, body := post(t, env, ada, personPath(id)+"/suspend", actionForm("suspend"), webtest.HTMX(views.UserPanelID))
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.Equal(t, "#"+views.AlertsID, res.Header.Get("HX-Retarget"), "the message goes to the alerts region")
	text := parseHTML(t, body).Find("[data-testid=alert-error]").Text()
	assert.Contains(t, text, "Okta refused")
	assert.NotContains(t, text, "E0000038", "never Okta's own text")
	entries := auditFor(t, env, id)
	require.Len(t, entries, 1)
	assert.Equal(t, audit.ResultFailure, entries[0].Result)
	assert.Equal(t, "E0000038", entries[0].Detail)
	assert.NotEmpty(t, entries[0].OktaRequestID, "Okta's request id is kept for support")
	assert.NotEmpty(t, entries[0].RequestID)
	assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(id))
}

// TestAdminEscapesOktaData: names from Okta are text, never markup or attributes.
func TestAdminEscapesOktaData(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	evil := `<script>alert(1)</script>`
	id := env.Okta.AddUser(oktatest.SeedUser{Status: oktatest.StatusLockedOut, Password: webtest.DemoPassword, Profile: map[string]any{
		"login": "mallory@example.com", "email": "mallory@example.com", "firstName": "Mallory", "lastName": "Evil",
		"displayName": evil, "title": `" hx-get="/admin/x`,
	}})
	for _, path := range []string{personPath(id), "/admin/users?status=LOCKED_OUT", personPath(id) + "/confirm/unlock"} {
		_, body := get(t, env, ada, path, nil)
		assert.NotContains(t, body, evil, path)
		assert.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;", path)
		assert.NotContains(t, body, `hx-get="/admin/x`, path)
	}
}
