package client

import (
	"context"
	"net/http"
)

// Group membership (docs/OKTA.md "Group membership"). Okta changes memberships of
// OKTA_GROUPs only: an APP_GROUP (imported from a directory or an app) or the BUILT_IN
// Everyone group answers 403, which matches ErrMembershipRefused.

// AddUserToGroup adds a person to an Okta group (PUT /api/v1/groups/{groupId}/users/{userId};
// 204, also when they already are a member). Scope okta.groups.manage.
func (c *Client) AddUserToGroup(ctx context.Context, groupID, userID string) error {
	return c.membership(ctx, "addUserToGroup", http.MethodPut, groupID, userID)
}

// RemoveUserFromGroup removes a person from an Okta group (DELETE
// /api/v1/groups/{groupId}/users/{userId}; 204).
func (c *Client) RemoveUserFromGroup(ctx context.Context, groupID, userID string) error {
	return c.membership(ctx, "removeUserFromGroup", http.MethodDelete, groupID, userID)
}

func (c *Client) membership(ctx context.Context, op, method, groupID, userID string) error {
	if groupID == "" || userID == "" {
		return invalidArg(op, "empty group or user id")
	}
	path := groupsPath + "/" + escapeSegment(groupID) + "/users/" + escapeSegment(userID)
	_, err := c.call(ctx, request{op: op, method: method, path: path}, nil)
	return err
}
