package client

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBucketOf holds bucketOf to Okta's published buckets (docs/OKTA.md "Rate limits"): the
// most specific entry wins, and the rest of /api/v1 shares one bucket.
func TestBucketOf(t *testing.T) {
	tests := []struct {
		name, method, path, want string
	}{
		{name: "list users", method: http.MethodGet, path: "/api/v1/users", want: "GET|POST /api/v1/users"},
		{name: "create a user", method: http.MethodPost, path: "/api/v1/users", want: "GET|POST /api/v1/users"},
		{name: "get a user by id", method: http.MethodGet, path: "/api/v1/users/00u1a2b3c4D5e6F7g8h9", want: "GET /api/v1/users/{idOrLogin}"},
		{name: "users/me is a user by id", method: http.MethodGet, path: "/api/v1/users/me", want: "GET /api/v1/users/{idOrLogin}"},
		{name: "update a user", method: http.MethodPost, path: "/api/v1/users/00u1a2b3c4D5e6F7g8h9", want: "POST|PUT|DELETE /api/v1/users/{id}"},
		{name: "a person's app links are the rest of /api/v1", method: http.MethodGet, path: "/api/v1/users/00u1/appLinks", want: "/api/v1"},
		{name: "so are their groups", method: http.MethodGet, path: "/api/v1/users/me/groups", want: "/api/v1"},
		{name: "and their roles", method: http.MethodGet, path: "/api/v1/users/00u1/roles", want: "/api/v1"},
		{name: "and lifecycle operations", method: http.MethodPost, path: "/api/v1/users/00u1/lifecycle/unlock", want: "/api/v1"},
		{name: "and sessions of a user", method: http.MethodDelete, path: "/api/v1/users/00u1/sessions", want: "/api/v1"},
		{name: "search groups", method: http.MethodGet, path: "/api/v1/groups", want: "/api/v1/groups"},
		{name: "a group", method: http.MethodGet, path: "/api/v1/groups/00g1", want: "/api/v1/groups/{id}"},
		{name: "a group's members", method: http.MethodGet, path: "/api/v1/groups/00g1/users", want: "/api/v1"},
		{name: "apps", method: http.MethodGet, path: "/api/v1/apps", want: "/api/v1/apps"},
		{name: "an app", method: http.MethodGet, path: "/api/v1/apps/0oa1", want: "/api/v1/apps/{id}"},
		{name: "an app's users", method: http.MethodGet, path: "/api/v1/apps/0oa1/users", want: "/api/v1/apps"},
		{name: "system log", method: http.MethodGet, path: "/api/v1/logs", want: "/api/v1/logs"},
		{name: "policies", method: http.MethodGet, path: "/api/v1/policies", want: "/api/v1"},
		{name: "MyAccount", method: http.MethodGet, path: "/idp/myaccount/password/complexity-requirements", want: "/idp/myaccount"},
		{name: "not the API", method: http.MethodGet, path: "/oauth2/v1/keys", want: ""},
		{name: "a look-alike prefix", method: http.MethodGet, path: "/idp/myaccounts", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, bucketOf(tt.method, tt.path))
		})
	}
}
