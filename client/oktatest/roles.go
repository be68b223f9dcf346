package oktatest

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"
)

// Okta's administrator roles (docs/OKTA.md "Admin roles"): standard roles are
// assigned to a user or to a group, and every member of a group holds the
// group's roles. Okta lists a user's roles with GET /api/v1/users/{id}/roles —
// those assigned to the user (assignmentType USER) and those the user holds
// through a group (assignmentType GROUP) — and changes them with POST and
// DELETE there and under /api/v1/groups/{groupId}/roles.

// Standard admin role types.
const (
	RoleSuperAdmin           = "SUPER_ADMIN"
	RoleOrgAdmin             = "ORG_ADMIN"
	RoleAppAdmin             = "APP_ADMIN"
	RoleUserAdmin            = "USER_ADMIN"
	RoleHelpDeskAdmin        = "HELP_DESK_ADMIN"
	RoleReadOnlyAdmin        = "READ_ONLY_ADMIN"
	RoleMobileAdmin          = "MOBILE_ADMIN"
	RoleAPIAccessMgmtAdmin   = "API_ACCESS_MANAGEMENT_ADMIN"
	RoleReportAdmin          = "REPORT_ADMIN"
	RoleGroupMembershipAdmin = "GROUP_MEMBERSHIP_ADMIN"
)

// Scopes of the role assignment endpoints (for WWW-Authenticate on a bearer
// token that lacks them).
const (
	scopeRolesRead   = "okta.roles.read"
	scopeRolesManage = "okta.roles.manage"
)

// Okta's code for assigning a role the principal already holds (409).
const codeDuplicateRole = "E0000090"

// Prefixes of role assignment ids, as in Okta's examples (ra1…, gra…).
const (
	prefixUserRole  = "ra1"
	prefixGroupRole = "gra"
)

// roleLabel is each standard role's label as Okta lists it; the types Okta's
// spec adds beyond these (the IAM-based roles and CUSTOM) answer with a
// different shape and are not modelled.
func roleLabel(typ string) (string, bool) {
	switch typ {
	case RoleSuperAdmin:
		return "Super Administrator", true
	case RoleOrgAdmin:
		return "Organizational Administrator", true
	case RoleAppAdmin:
		return "Application Administrator", true
	case RoleUserAdmin:
		return "Group Administrator", true
	case RoleHelpDeskAdmin:
		return "Help Desk Administrator", true
	case RoleReadOnlyAdmin:
		return "Read-Only Administrator", true
	case RoleMobileAdmin:
		return "Mobile Administrator", true
	case RoleAPIAccessMgmtAdmin:
		return "API Access Management Administrator", true
	case RoleReportAdmin:
		return "Report Administrator", true
	case RoleGroupMembershipAdmin:
		return "Group Membership Administrator", true
	}
	return "", false
}

// iamRoleTypes are role types Okta's spec accepts that the emulator does not
// model (their answers are shaped like custom roles).
func iamRoleTypes() []string {
	return []string{"WORKFLOWS_ADMIN", "ACCESS_CERTIFICATIONS_ADMIN", "ACCESS_REQUESTS_ADMIN", "CUSTOM"}
}

// roleAssignment is one standard role assigned to a user or a group.
type roleAssignment struct {
	id      string
	typ     string
	created time.Time
}

// roleBook holds the assignments, by user id and by group id. Guarded by
// Server.mu like the rest of the store.
type roleBook struct {
	users  map[string][]*roleAssignment
	groups map[string][]*roleAssignment
}

func newRoleBook() roleBook {
	return roleBook{users: map[string][]*roleAssignment{}, groups: map[string][]*roleAssignment{}}
}

// assign gives the principal (users or groups map, keyed by id) the role,
// unless it holds it already.
func assignRole(book map[string][]*roleAssignment, prefix, principal, typ string, now time.Time) (*roleAssignment, bool) {
	for _, ra := range book[principal] {
		if ra.typ == typ {
			return ra, false
		}
	}
	ra := &roleAssignment{id: derivedID(prefix, principal+"/"+typ), typ: typ, created: now}
	book[principal] = append(book[principal], ra)
	return ra, true
}

func unassignRole(book map[string][]*roleAssignment, principal, id string) bool {
	n := len(book[principal])
	book[principal] = slices.DeleteFunc(book[principal], func(ra *roleAssignment) bool { return ra.id == id })
	return len(book[principal]) < n
}

// roleJSON is Okta's StandardRole.
type roleJSON struct {
	ID             string              `json:"id"`
	Label          string              `json:"label"`
	Type           string              `json:"type"`
	Status         string              `json:"status"`
	Created        string              `json:"created"`
	LastUpdated    string              `json:"lastUpdated"`
	AssignmentType string              `json:"assignmentType"`
	Links          map[string]linkJSON `json:"_links"`
}

func (s *Server) roleOut(ra *roleAssignment, assignmentType, assignee string) roleJSON {
	label, _ := roleLabel(ra.typ)
	return roleJSON{
		ID: ra.id, Label: label, Type: ra.typ, Status: "ACTIVE",
		Created: formatTime(ra.created), LastUpdated: formatTime(ra.created),
		AssignmentType: assignmentType,
		Links:          map[string]linkJSON{"assignee": {Href: s.abs(assignee)}},
	}
}

func userAssignee(id string) string  { return "/api/v1/users/" + url.PathEscape(id) }
func groupAssignee(id string) string { return "/api/v1/groups/" + url.PathEscape(id) }

// userRolesLocked lists everything the user holds: their own assignments, then
// those of their groups (Everyone included). s.mu must be held.
func (s *Server) userRolesLocked(u *user) []roleJSON {
	out := []roleJSON{}
	for _, ra := range s.st.roles.users[u.id] {
		out = append(out, s.roleOut(ra, "USER", userAssignee(u.id)))
	}
	gids := []string{s.st.everyoneID}
	for gid := range u.groups {
		gids = append(gids, gid)
	}
	sort.Strings(gids[1:])
	for _, gid := range gids {
		for _, ra := range s.st.roles.groups[gid] {
			out = append(out, s.roleOut(ra, "GROUP", groupAssignee(gid)))
		}
	}
	return out
}

func (s *Server) roleRoutes() []apiRoute {
	user := func(method, op, scope string, h apiHandler, rest ...string) apiRoute {
		return apiRoute{method: method, path: append([]string{"users", "{id}", "roles"}, rest...), op: op, access: adminOnly, scope: scope, h: h}
	}
	group := func(method, op, scope string, h apiHandler, rest ...string) apiRoute {
		return apiRoute{method: method, path: append([]string{"groups", "{id}", "roles"}, rest...), op: op, access: adminOnly, scope: scope, h: h}
	}
	return []apiRoute{
		user(http.MethodGet, "listAssignedRolesForUser", scopeRolesRead, s.listUserRoles),
		user(http.MethodPost, "assignRoleToUser", scopeRolesManage, s.assignUserRole),
		user(http.MethodGet, "getUserAssignedRole", scopeRolesRead, s.getUserRole, "{sub}"),
		user(http.MethodDelete, "unassignRoleFromUser", scopeRolesManage, s.unassignUserRole, "{sub}"),
		group(http.MethodGet, "listGroupAssignedRoles", scopeRolesRead, s.listGroupRoles),
		group(http.MethodPost, "assignRoleToGroup", scopeRolesManage, s.assignGroupRole),
		group(http.MethodDelete, "unassignRoleFromGroup", scopeRolesManage, s.unassignGroupRole, "{sub}"),
	}
}

// listUserRoles handles GET /api/v1/users/{id}/roles.
func (s *Server) listUserRoles(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userRolesLocked(u))
	return nil
}

// getUserRole handles GET /api/v1/users/{id}/roles/{roleAssignmentId}.
func (s *Server) getUserRole(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	for _, ro := range s.userRolesLocked(u) {
		if ro.ID == c.params["sub"] {
			writeJSON(w, http.StatusOK, ro)
			return nil
		}
	}
	return notFoundRole(c.params["sub"])
}

// roleBody is the request of a standard role assignment.
type roleBody struct {
	Type string `json:"type"`
}

// readRoleType reads and checks the requested role type.
func readRoleType(w http.ResponseWriter, r *http.Request) (string, error) {
	if _, err := boolParam(r, "disableNotifications", false); err != nil {
		return "", err
	}
	var body roleBody
	if err := readJSON(w, r, &body, false); err != nil {
		return "", err
	}
	if _, ok := roleLabel(body.Type); ok {
		return body.Type, nil
	}
	if slices.Contains(iamRoleTypes(), body.Type) {
		return "", &oktaError{status: http.StatusNotImplemented, code: codeUnsupported,
			summary: "Unsupported operation: the Okta emulator models standard roles only, not " + body.Type}
	}
	return "", validationError("type", "type: The role type is not valid.")
}

// assignUserRole handles POST /api/v1/users/{id}/roles.
func (s *Server) assignUserRole(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	typ, err := readRoleType(w, r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	ra, added := assignRole(s.st.roles.users, prefixUserRole, u.id, typ, s.now())
	if !added {
		return duplicateRole()
	}
	writeJSON(w, http.StatusCreated, s.roleOut(ra, "USER", userAssignee(u.id)))
	return nil
}

// unassignUserRole handles DELETE /api/v1/users/{id}/roles/{roleAssignmentId}.
// A role the user holds through a group is unassigned from the group, not here.
func (s *Server) unassignUserRole(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	if !unassignRole(s.st.roles.users, u.id, c.params["sub"]) {
		return notFoundRole(c.params["sub"])
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// targetGroup resolves the {id} of a group route (a group id). s.mu must be held.
func (s *Server) targetGroup(c *apiCall) (*group, error) {
	if g := s.st.groups[c.id]; g != nil {
		return g, nil
	}
	return nil, &oktaError{status: http.StatusNotFound, code: codeNotFound,
		summary: "Not found: Resource not found: " + c.id + " (UserGroup)"}
}

// listGroupRoles handles GET /api/v1/groups/{groupId}/roles.
func (s *Server) listGroupRoles(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.targetGroup(c)
	if err != nil {
		return err
	}
	out := []roleJSON{}
	for _, ra := range s.st.roles.groups[g.id] {
		out = append(out, s.roleOut(ra, "GROUP", groupAssignee(g.id)))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// assignGroupRole handles POST /api/v1/groups/{groupId}/roles.
func (s *Server) assignGroupRole(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	typ, err := readRoleType(w, r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.targetGroup(c)
	if err != nil {
		return err
	}
	ra, added := assignRole(s.st.roles.groups, prefixGroupRole, g.id, typ, s.now())
	if !added {
		return duplicateRole()
	}
	writeJSON(w, http.StatusCreated, s.roleOut(ra, "GROUP", groupAssignee(g.id)))
	return nil
}

// unassignGroupRole handles DELETE /api/v1/groups/{groupId}/roles/{roleAssignmentId}.
func (s *Server) unassignGroupRole(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.targetGroup(c)
	if err != nil {
		return err
	}
	if !unassignRole(s.st.roles.groups, g.id, c.params["sub"]) {
		return notFoundRole(c.params["sub"])
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func notFoundRole(id string) *oktaError {
	return &oktaError{status: http.StatusNotFound, code: codeNotFound,
		summary: "Not found: Resource not found: " + id + " (Role)"}
}

// duplicateRole is Okta's answer to assigning a role the principal already has
// (error codes reference: E0000090, 409).
func duplicateRole() *oktaError {
	return &oktaError{status: http.StatusConflict, code: codeDuplicateRole,
		summary: "The role specified is already assigned to the user."}
}

// AssignUserRole gives the user a standard admin role directly (assignmentType
// USER), as POST /api/v1/users/{id}/roles would; it returns the assignment id.
// It panics on an unknown user or role type, which is a bug in the test.
func (s *Server) AssignUserRole(userID, roleType string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.users[userID] == nil {
		panic("oktatest: AssignUserRole: no user " + userID)
	}
	if _, ok := roleLabel(roleType); !ok {
		panic("oktatest: AssignUserRole: unknown role type " + roleType)
	}
	ra, _ := assignRole(s.st.roles.users, prefixUserRole, userID, roleType, s.now())
	return ra.id
}

// AssignGroupRole gives the named group (see GroupID) a standard admin role:
// every member holds it, listed with assignmentType GROUP.
func (s *Server) AssignGroupRole(groupName, roleType string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupForMember(groupName)
	if _, ok := roleLabel(roleType); !ok {
		panic("oktatest: AssignGroupRole: unknown role type " + roleType)
	}
	ra, _ := assignRole(s.st.roles.groups, prefixGroupRole, g.id, roleType, s.now())
	return ra.id
}

// UserRoles returns the role types the user holds, directly or through groups.
func (s *Server) UserRoles(userID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userID]
	if u == nil {
		return nil
	}
	var out []string
	for _, ro := range s.userRolesLocked(u) {
		if !slices.Contains(out, ro.Type) {
			out = append(out, ro.Type)
		}
	}
	return out
}
