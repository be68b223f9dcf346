package oktatest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

type roleOut struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Label          string `json:"label"`
	Status         string `json:"status"`
	AssignmentType string `json:"assignmentType"`
	Links          struct {
		Assignee struct {
			Href string `json:"href"`
		} `json:"assignee"`
	} `json:"_links"`
}

func listRoles(t *testing.T, s *oktatest.Server, userID string) []roleOut {
	t.Helper()
	r := call(t, s, http.MethodGet, "/api/v1/users/"+userID+"/roles", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var roles []roleOut
	r.json(t, &roles)
	return roles
}

// TestDemoAdminRoles: the demo org's Okta administrators are who DESIGN.md says: the API
// token's owner is a super administrator assigned directly, a member of the "Okta Help
// Desk" group holds Help Desk Administrator through it, and nobody else holds a role.
func TestDemoAdminRoles(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{})
	owner := s.UserID(oktatest.DemoOktaAdmin)

	r := call(t, s, http.MethodGet, "/api/v1/users/me", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, owner, r.object(t)["id"], "/users/me with the API token answers its owner")
	assert.Equal(t, oktatest.StatusActive, s.UserStatus(owner))

	roles := listRoles(t, s, owner)
	require.Len(t, roles, 1)
	assert.Equal(t, "SUPER_ADMIN", roles[0].Type)
	assert.Equal(t, "Super Administrator", roles[0].Label)
	assert.Equal(t, "USER", roles[0].AssignmentType)
	assert.Equal(t, "ACTIVE", roles[0].Status)
	assert.Equal(t, s.URL()+"/api/v1/users/"+owner, roles[0].Links.Assignee.Href)

	oscar := s.UserID(oktatest.DemoGroupAdmin)
	roles = listRoles(t, s, oscar)
	require.Len(t, roles, 1)
	assert.Equal(t, "HELP_DESK_ADMIN", roles[0].Type)
	assert.Equal(t, "GROUP", roles[0].AssignmentType)
	assert.Equal(t, s.URL()+"/api/v1/groups/"+s.GroupID(oktatest.GroupOktaHelpDesk), roles[0].Links.Assignee.Href)

	for _, login := range []string{"alice@example.com", "ada@example.com", "hal@example.com", oktatest.DemoImported} {
		assert.Empty(t, listRoles(t, s, s.UserID(login)), "%s holds no Okta admin role", login)
	}
}

// TestAppGroupSharesAName: the demo's directory-imported APP_GROUP has the same name as the
// helpdesk OKTA_GROUP; both exist with their own ids and types, and Nina is in the APP_GROUP
// only.
func TestAppGroupSharesAName(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{})
	okta := s.GroupIDOfType(oktatest.GroupHelpdesk, "OKTA_GROUP")
	app := s.GroupIDOfType(oktatest.GroupHelpdesk, "APP_GROUP")
	require.NotEmpty(t, okta)
	require.NotEmpty(t, app)
	assert.NotEqual(t, okta, app)
	assert.Equal(t, okta, s.GroupID(oktatest.GroupHelpdesk), "by name, the Okta-mastered group wins")

	r := call(t, s, http.MethodGet, "/api/v1/users/"+s.UserID(oktatest.DemoImported)+"/groups", ssws(s), nil)
	var groups []struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
	}
	r.json(t, &groups)
	require.Len(t, groups, 2)
	assert.Equal(t, "BUILT_IN", groups[0].Type, "Everyone")
	assert.Equal(t, app, groups[1].ID)
	assert.Equal(t, "APP_GROUP", groups[1].Type)
	assert.Equal(t, oktatest.GroupHelpdesk, groups[1].Profile.Name)
}

// TestRoleAssignmentAPI drives assignment and unassignment through Okta's endpoints.
func TestRoleAssignmentAPI(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	base := "/api/v1/users/" + alice + "/roles"

	r := call(t, s, http.MethodPost, base, ssws(s), map[string]string{"type": "USER_ADMIN"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var ra roleOut
	r.json(t, &ra)
	assert.Equal(t, "Group Administrator", ra.Label, "Okta labels USER_ADMIN Group Administrator")
	assert.Equal(t, "USER", ra.AssignmentType)

	r = call(t, s, http.MethodPost, base, ssws(s), map[string]string{"type": "USER_ADMIN"})
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "E0000090", r.oktaError(t).ErrorCode)

	r = call(t, s, http.MethodPost, base, ssws(s), map[string]string{"type": "WIZARD"})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "E0000001", r.oktaError(t).ErrorCode)

	r = call(t, s, http.MethodGet, base+"/"+ra.ID, ssws(s), nil)
	assert.Equal(t, http.StatusOK, r.status)

	// A group's role reaches its members and goes when they leave it.
	s.AddUserToGroup(alice, "Ops")
	r = call(t, s, http.MethodPost, "/api/v1/groups/"+s.GroupID("Ops")+"/roles", ssws(s), map[string]string{"type": "ORG_ADMIN"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	assert.ElementsMatch(t, []string{"USER_ADMIN", "ORG_ADMIN"}, s.UserRoles(alice))
	var groupRA roleOut
	r.json(t, &groupRA)
	r = call(t, s, http.MethodDelete, base+"/"+groupRA.ID, ssws(s), nil)
	assert.Equal(t, http.StatusNotFound, r.status, "a group's role is unassigned from the group, not the user")
	s.RemoveUserFromGroup(alice, "Ops")
	assert.Equal(t, []string{"USER_ADMIN"}, s.UserRoles(alice))

	r = call(t, s, http.MethodDelete, base+"/"+ra.ID, ssws(s), nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, listRoles(t, s, alice))

	toks, err := s.MintTokens("alice@example.com", "okta.users.read.self")
	require.NoError(t, err)
	r = call(t, s, http.MethodGet, base, bearer(toks.AccessToken), nil)
	assert.Equal(t, http.StatusForbidden, r.status, "a self-scoped token cannot read roles")
	assert.Contains(t, r.header.Get("WWW-Authenticate"), `scope="okta.roles.read"`)
}
