package oktatest

import (
	"net/http"
)

// Group membership (docs/OKTA.md "Group membership"): PUT and DELETE
// /api/v1/groups/{groupId}/users/{userId} (assignUserToGroup, unassignUserFromGroup, scope
// okta.groups.manage). "You only can modify memberships for groups of the OKTA_GROUP type.
// App imports are responsible for managing group memberships for groups of the APP_GROUP
// type" (Okta's spec); Okta answers a change to an APP_GROUP or the BUILT_IN Everyone
// group with 403 E0000006 (recorded by okta/terraform-provider-okta#118, which had to skip
// such groups "even as SUPER_ADMIN"). Both operations are idempotent: adding a member or
// removing a non-member answers 204 (Unconfirmed for the removal).

func (s *Server) membershipRoutes() []apiRoute {
	path := []string{"groups", "{groupId}", "users", "{id}"}
	return []apiRoute{
		{method: http.MethodPut, path: path, op: "assignUserToGroup", scope: scopeGroupsManage, h: s.assignUserToGroup},
		{method: http.MethodDelete, path: path, op: "unassignUserFromGroup", scope: scopeGroupsManage, h: s.unassignUserFromGroup},
	}
}

// membershipTarget resolves the group and the user of the path. Unlike the Users API, the
// user segment is a user id (Okta's pathUserId). s.mu must be held.
func (s *Server) membershipTarget(c *apiCall) (*group, *user, error) {
	gid := c.params["groupId"]
	g := s.st.groups[gid]
	if g == nil {
		return nil, nil, &oktaError{status: http.StatusNotFound, code: codeNotFound, summary: "Not found: Resource not found: " + gid + " (UserGroup)"}
	}
	u := s.st.users[c.id]
	if u == nil {
		return nil, nil, notFoundUser(c.id)
	}
	if g.typ != GroupOkta {
		return nil, nil, apiError(http.StatusForbidden, codeForbidden)
	}
	return g, u, nil
}

// assignUserToGroup handles PUT /api/v1/groups/{groupId}/users/{userId}.
func (s *Server) assignUserToGroup(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, u, err := s.membershipTarget(c)
	if err != nil {
		return err
	}
	if !u.groups[g.id] {
		u.groups[g.id] = true
		g.lastMembershipUpdated = s.now()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// unassignUserFromGroup handles DELETE /api/v1/groups/{groupId}/users/{userId}.
func (s *Server) unassignUserFromGroup(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, u, err := s.membershipTarget(c)
	if err != nil {
		return err
	}
	if u.groups[g.id] {
		delete(u.groups, g.id)
		g.lastMembershipUpdated = s.now()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// GroupMembers returns the ids of the group's members (every user for Everyone), for tests.
func (s *Server) GroupMembers(groupID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.st.order {
		if groupID == s.st.everyoneID || s.st.users[id].groups[groupID] {
			out = append(out, id)
		}
	}
	return out
}
