package client

import (
	"context"
	"net/http"
	"net/url"
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

// ListGroupsParams selects a page of groups for ListGroups.
type ListGroupsParams struct {
	// Search is an Okta search expression over groups: profile attributes, id, type,
	// created, lastUpdated, lastMembershipUpdated and source.id, with eq, sw and co (co on
	// profile.name and profile.description only), e.g. `type eq "OKTA_GROUP" and profile.name
	// sw "Eng"`. Build quoted values with QuoteSearchValue.
	Search string
	// Filter is a filter expression on id, type, lastUpdated and lastMembershipUpdated; Okta
	// refuses it together with Search.
	Filter string
	// SortBy is the attribute a Search sorts by (e.g. "profile.name"); SortDescending
	// reverses it.
	SortBy         string
	SortDescending bool
	// After is the cursor from a previous page's NextAfter; Limit the page size (0: Okta's).
	After string
	Limit int
}

// GroupPage is one page of ListGroups.
type GroupPage struct {
	Groups []Group
	// NextAfter is the cursor of the next page; "" on the last page.
	NextAfter string
}

// ListGroups returns one page of groups (GET /api/v1/groups?search=&filter=&after=&limit=).
// For an auto-complete by name, SearchGroups (q=) is Okta's intended call.
func (c *Client) ListGroups(ctx context.Context, p ListGroupsParams) (GroupPage, error) {
	const op = "listGroups"
	if p.Search != "" && p.Filter != "" {
		return GroupPage{}, invalidArg(op, "set Search or Filter, not both")
	}
	query := url.Values{}
	if p.Search != "" {
		query.Set("search", p.Search)
		if p.SortBy != "" {
			query.Set("sortBy", p.SortBy)
			if p.SortDescending {
				query.Set("sortOrder", "desc")
			}
		}
	}
	if p.Filter != "" {
		query.Set("filter", p.Filter)
	}
	if p.After != "" {
		query.Set("after", p.After)
	}
	setLimit(query, p.Limit)
	var page GroupPage
	h, err := c.call(ctx, request{op: op, method: http.MethodGet, path: groupsPath, query: query}, &page.Groups)
	if err != nil {
		return GroupPage{}, err
	}
	if next := c.nextLink(h); next != nil {
		page.NextAfter = next.Query().Get("after")
	}
	return page, nil
}
