package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// takeover is every form a helpdesk member could use to get into someone's account: a reset
// link shown on screen, a temporary password, new MFA, and the rest of their actions.
func takeoverForm() url.Values {
	return url.Values{"confirm": {"yes"}, "reason": {"TICKET-1"}, "delivery": {"link"}, "temp_password": {"yes"}}
}

var helpdeskActions = []string{"reset-password", "expire-password", "reset-factors", "clear-sessions", "forgot-password", "unlock"}

// oktaChanges counts the Okta calls since the last ResetRequests that could change something.
func oktaChanges(env *webtest.Env) int {
	return env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Method != http.MethodGet })
}

// TestSec49_Finding1_HelpdeskCannotTakeOverOktaAdmins is finding 1 of issue 12: the helpdesk
// took over the API token's owner, an Okta super administrator in no Gatehouse group, with a
// reset link and a temporary password. Now every Okta administrator — by a role assigned to
// them or to one of their groups — is refused, single and bulk, before any change at Okta,
// and no secret is ever shown; an administrator still may.
func TestSec49_Finding1_HelpdeskCannotTakeOverOktaAdmins(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	hal := env.SignInAs(t, "hal@example.com")
	owner := env.Okta.UserID(oktatest.DemoOktaAdmin)  // SUPER_ADMIN and the API token's owner
	oscar := env.Okta.UserID(oktatest.DemoGroupAdmin) // HELP_DESK_ADMIN, through a group
	// Another super administrator, in no Gatehouse group and not the token's owner.
	sam := adminTestUser(t, env.Okta, oktatest.StatusActive)
	env.Okta.AssignUserRole(sam, oktatest.RoleSuperAdmin)
	require.Contains(t, env.Okta.UserRoles(owner), oktatest.RoleSuperAdmin)
	require.Contains(t, env.Okta.UserRoles(oscar), oktatest.RoleHelpDeskAdmin)
	// The owner has a live Okta session that a "clear sessions" would end.
	env.SignInAs(t, oktatest.DemoOktaAdmin)
	sessions := env.Okta.SignInSessions(owner)
	require.Positive(t, sessions)

	for _, target := range []struct{ id, why string }{
		{owner, "owns the Okta API token"},
		{sam, "Okta administrator (Super Administrator)"},
		{oscar, "Okta administrator (Help Desk Administrator)"},
	} {
		for _, action := range helpdeskActions {
			t.Run(target.why+" "+action, func(t *testing.T) {
				env.Okta.ResetRequests()
				emails := len(env.Okta.Emails())
				res := env.Do(t, hal, http.MethodPost, "/admin/users/"+target.id+"/"+action, takeoverForm(), nil)
				doc := webtest.Parse(t, res)
				assert.Equal(t, http.StatusForbidden, res.StatusCode)
				assert.Contains(t, doc.Find("main").Text(), target.why)
				assert.Zero(t, doc.Find("[data-testid=secret-value]").Length(), "no reset link or temporary password")
				assert.Zero(t, oktaChanges(env), "nothing changed at Okta")
				assert.Len(t, env.Okta.Emails(), emails, "no email sent")
				assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(target.id))
			})
		}
		t.Run(target.why+" confirmation and page", func(t *testing.T) {
			res, doc := env.Page(t, hal, "/admin/users/"+target.id+"/confirm/expire-password")
			assert.Equal(t, http.StatusForbidden, res.StatusCode)
			assert.Zero(t, doc.Find("form[data-testid=confirm-form], #confirm-form").Length(), "no form to fill in")
			res, doc = env.Page(t, hal, "/admin/users/"+target.id)
			require.Equal(t, http.StatusOK, res.StatusCode, "the helpdesk may still look")
			assert.Zero(t, doc.Find("[data-testid=actions] a").Length(), "no action offered")
			assert.Contains(t, doc.Find("[data-testid=no-actions]").Text(), target.why)
		})
	}
	assert.Equal(t, sessions, env.Okta.SignInSessions(owner), "the owner's Okta sessions survived")
	env.SignInAs(t, oktatest.DemoOktaAdmin) // the password still works

	t.Run("bulk, row by row", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		for _, id := range []string{owner, sam, oscar} {
			env.Okta.SetStatus(id, oktatest.StatusLockedOut)
			defer env.Okta.SetStatus(id, oktatest.StatusActive)
		}
		form := url.Values{"id": {owner, sam, oscar, bob}, "action": {"unlock"}}
		res := env.Do(t, hal, http.MethodPost, "/admin/bulk/preview", form, nil)
		doc := webtest.Parse(t, res)
		require.Equal(t, http.StatusOK, res.StatusCode)
		for _, why := range []string{"owns the Okta API token", "Okta administrator (Super Administrator)", "Okta administrator (Help Desk Administrator)"} {
			assert.Contains(t, doc.Text(), why, "the preview says who is skipped and why")
		}
		assert.Contains(t, doc.Text(), "It applies to 1 of the 4 people selected.")

		env.Okta.ResetRequests()
		form.Set("reason", "TICKET-2")
		form.Set("confirm", "yes")
		res = env.Do(t, hal, http.MethodPost, "/admin/bulk/run", form, nil)
		doc = webtest.Parse(t, res)
		require.Equal(t, http.StatusOK, res.StatusCode)
		for _, id := range []string{owner, sam, oscar} {
			assert.Equal(t, oktatest.StatusLockedOut, env.Okta.UserStatus(id), "an Okta administrator was not touched")
		}
		assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(bob), "the employee was unlocked")
		assert.Equal(t, 1, mutations(env, ""), "one change at Okta: bob's unlock")
		assert.Contains(t, doc.Text(), "Done for 1 of the 4 people selected.")
		for _, id := range []string{owner, sam, oscar} {
			env.Okta.SetStatus(id, oktatest.StatusActive)
		}

		env.Okta.ResetRequests()
		res = env.Do(t, hal, http.MethodPost, "/admin/bulk/run", url.Values{"id": {owner, sam, oscar}, "action": {"clear-sessions"},
			"reason": {"TICKET-3"}, "confirm": {"yes"}}, nil)
		res.Body.Close()
		assert.Zero(t, oktaChanges(env), "bulk clear sessions skips Okta administrators")
		assert.Equal(t, sessions+1, env.Okta.SignInSessions(owner))
	})

	t.Run("an administrator may", func(t *testing.T) {
		ada := env.SignInAs(t, "ada@example.com")
		res := env.Do(t, ada, http.MethodPost, "/admin/users/"+oscar+"/reset-password", takeoverForm(), nil)
		doc := webtest.Parse(t, res)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, 1, doc.Find("[data-testid=secret-value]").Length(), "an admin gets the link")
	})
}

// TestSec49_TokenOwnerAndProtectedGroups: the API token's owner stays protected without any
// admin role, and so do the members of GATEHOUSE_PROTECTED_GROUPS.
func TestSec49_TokenOwnerAndProtectedGroups(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) {
		c.ProtectedGroups = []string{"Sales"}
	}})
	owner := env.Okta.UserID(oktatest.DemoOktaAdmin)
	// Take the owner's role away through Okta's own endpoint: ownership alone protects them.
	roles := env.Okta.UserRoles(owner)
	require.Equal(t, []string{oktatest.RoleSuperAdmin}, roles)
	id := env.Okta.AssignUserRole(owner, oktatest.RoleSuperAdmin) // the existing assignment's id
	req, err := http.NewRequest(http.MethodDelete, env.Okta.URL()+"/api/v1/users/"+owner+"/roles/"+id, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "SSWS "+env.Okta.APIToken())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	require.Empty(t, env.Okta.UserRoles(owner))

	hal := env.SignInAs(t, "hal@example.com")
	carol := env.Okta.UserID("carol@example.com") // in Sales, a protected group
	bob := env.Okta.UserID("bob@example.com")     // in Sales too
	alice := env.Okta.UserID("alice@example.com")
	tests := []struct {
		name, target, action string
		status               int
		says                 string
	}{
		{name: "the token's owner", target: owner, action: "clear-sessions", status: http.StatusForbidden, says: "owns the Okta API token"},
		{name: "a protected group's member", target: bob, action: "unlock", status: http.StatusForbidden, says: "protected group “Sales”"},
		{name: "another protected member", target: carol, action: "reset-factors", status: http.StatusForbidden, says: "protected group"},
		{name: "anyone else", target: alice, action: "clear-sessions", status: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Okta.ResetRequests()
			res := env.Do(t, hal, http.MethodPost, "/admin/users/"+tt.target+"/"+tt.action, takeoverForm(), nil)
			doc := webtest.Parse(t, res)
			assert.Equal(t, tt.status, res.StatusCode)
			if tt.says != "" {
				assert.Contains(t, doc.Text(), tt.says)
				assert.Zero(t, oktaChanges(env))
			}
		})
	}
}

// TestSec49_UnknownFailsClosed: when Okta cannot say whether the person holds an admin role
// (down, busy, or refusing Gatehouse the read), the helpdesk's action is refused before any
// change and shows no secret.
func TestSec49_UnknownFailsClosed(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	hal := env.SignInAs(t, "hal@example.com")
	alice := env.Okta.UserID("alice@example.com")
	tests := []struct {
		name   string
		status int // Okta's answer to the roles read
		want   int
	}{
		{name: "token may not read roles", status: http.StatusForbidden, want: http.StatusBadGateway},
		{name: "Okta busy", status: http.StatusTooManyRequests, want: http.StatusServiceUnavailable},
		// Last: the retried 5xx answers open the circuit breaker for what follows.
		{name: "Okta down", status: http.StatusServiceUnavailable, want: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Okta.ClearFaults()
			defer env.Okta.ClearFaults()
			env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/" + alice + "/roles", Status: tt.status})
			env.Okta.ResetRequests()
			res := env.Do(t, hal, http.MethodPost, "/admin/users/"+alice+"/reset-password", takeoverForm(), nil)
			doc := webtest.Parse(t, res)
			assert.Equal(t, tt.want, res.StatusCode)
			assert.Contains(t, doc.Text(), "could not confirm with Okta")
			assert.Zero(t, doc.Find("[data-testid=secret-value]").Length())
			assert.Zero(t, oktaChanges(env))

			_, page := env.Page(t, hal, "/admin/users/"+alice)
			assert.Zero(t, page.Find("[data-testid=actions] a").Length(), "the page offers nothing it cannot vouch for")
		})
	}
}

// TestSec50_HelpdeskScope: with GATEHOUSE_HELPDESK_SCOPE_GROUPS set, the helpdesk acts only on
// members of those groups; the search still shows everyone but offers no selection outside
// the scope. Administrators are not scoped.
func TestSec50_HelpdeskScope(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) {
		c.HelpdeskScopeGroups = []string{"Engineering"}
	}})
	hal := env.SignInAs(t, "hal@example.com")
	alice := env.Okta.UserID("alice@example.com") // Engineering
	erin := env.Okta.UserID("erin@example.com")   // Engineering
	bob := env.Okta.UserID("bob@example.com")     // Sales

	res := env.Do(t, hal, http.MethodPost, "/admin/users/"+bob+"/unlock", url.Values{"confirm": {"yes"}}, nil)
	doc := webtest.Parse(t, res)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, doc.Text(), "outside the groups your helpdesk role covers")
	assert.Equal(t, oktatest.StatusLockedOut, env.Okta.UserStatus(bob))

	_, doc = env.Page(t, hal, "/admin/users/"+bob)
	assert.Zero(t, doc.Find("[data-testid=actions] a").Length())
	assert.Contains(t, doc.Find("[data-testid=no-actions]").Text(), "outside the groups your helpdesk role covers")

	_, doc = env.Page(t, hal, "/admin/users/"+alice)
	assert.Positive(t, doc.Find("[data-testid=actions] a").Length(), "in scope: actions offered")

	row := func(q, id string) *goquery.Selection {
		t.Helper()
		_, doc := env.Page(t, hal, "/admin/users?q="+q)
		r := doc.Find(`[data-testid=user-row][data-user-id="` + id + `"]`)
		require.Equal(t, 1, r.Length(), "%s is listed", q)
		return r
	}
	r := row("erin", erin)
	assert.Equal(t, 1, r.Find("[data-testid=row-select]").Length(), "erin is in scope: selectable")
	r = row("bob", bob)
	assert.Zero(t, r.Find("[data-testid=row-select]").Length(), "bob is outside the scope: listed, not selectable")
	assert.Equal(t, "Outside your helpdesk scope", r.Find("[data-testid=row-no-action]").Text())

	ada := env.SignInAs(t, "ada@example.com")
	_, doc = env.Page(t, ada, "/admin/users?q=bob")
	assert.Equal(t, 1, doc.Find("[data-testid=row-select]").Length(), "administrators are not scoped")
	assert.Zero(t, doc.Find("[data-testid=row-no-action]").Length())
	res = env.Do(t, ada, http.MethodPost, "/admin/users/"+bob+"/unlock", url.Values{"confirm": {"yes"}}, nil)
	res.Body.Close()
	assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(bob))
}
