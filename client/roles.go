package client

import (
	"context"
	"net/http"
)

// Role is an administrator role a user holds in Okta (the spec's StandardRole
// or CustomRole), assigned to the user or to one of their groups.
type Role struct {
	ID    string `json:"id"`
	Type  string `json:"type"` // SUPER_ADMIN, ORG_ADMIN, HELP_DESK_ADMIN, …, CUSTOM
	Label string `json:"label"`
	// Status is ACTIVE or INACTIVE.
	Status string `json:"status"`
	// AssignmentType says how the user holds it: USER (directly) or GROUP
	// (through a group they are in).
	AssignmentType string `json:"assignmentType"`
}

// ListUserRoles returns every administrator role the user holds, directly or
// through a group (GET /api/v1/users/{id}/roles, operation
// listAssignedRolesForUser, scope okta.roles.read). An empty list means the
// user is no Okta administrator.
func (c *Client) ListUserRoles(ctx context.Context, id string) ([]Role, error) {
	const op = "listAssignedRolesForUser"
	path, err := userPath(op, id, "/roles")
	if err != nil {
		return nil, err
	}
	var roles []Role
	if _, err := c.call(ctx, request{op: op, method: http.MethodGet, path: path}, &roles); err != nil {
		return nil, err
	}
	return roles, nil
}
