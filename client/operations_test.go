package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

// TestOperations checks, for every operation, the request the fake Okta sees
// (method, escaped path, query, JSON body) and the decoded result.
func TestOperations(t *testing.T) {
	tests := []struct {
		name      string
		call      func(ctx context.Context, c *client.Client) (any, error)
		status    int
		respond   string
		method    string
		path      string
		query     map[string][]string
		body      string // expected JSON body; "" means no body
		check     func(t *testing.T, got any)
		noContent bool
	}{
		{
			name: "find users by prefix",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.FindUsers(ctx, "ada", 10)
			},
			respond: "[" + userJSON + "," + stagedUserJSON + "]",
			method:  http.MethodGet, path: "/api/v1/users",
			query: map[string][]string{"q": {"ada"}, "limit": {"10"}},
			check: func(t *testing.T, got any) {
				users := got.([]client.User)
				require.Len(t, users, 2)
				assert.Equal(t, userID, users[0].ID)
				assert.Equal(t, client.StatusStaged, users[1].Status)
			},
		},
		{
			name: "find users with no match gives an empty list",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.FindUsers(ctx, "zz", 0)
			},
			respond: "[]",
			method:  http.MethodGet, path: "/api/v1/users",
			query: map[string][]string{"q": {"zz"}},
			check: func(t *testing.T, got any) {
				assert.Empty(t, got.([]client.User))
			},
		},
		{
			name: "list users by status",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListUsers(ctx, client.ListUsersParams{Status: string(client.StatusLockedOut), Limit: 50})
			},
			respond: "[" + userJSON + "]",
			method:  http.MethodGet, path: "/api/v1/users",
			query: map[string][]string{"filter": {`status eq "LOCKED_OUT"`}, "limit": {"50"}},
			check: func(t *testing.T, got any) {
				page := got.(client.UserPage)
				require.Len(t, page.Users, 1)
				assert.Empty(t, page.NextAfter, "no Link next means last page")
			},
		},
		{
			name: "list users with raw filter, search and cursor",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListUsers(ctx, client.ListUsersParams{
					Filter: `lastUpdated gt "2024-01-01T00:00:00.000Z"`, Search: `profile.department eq "Sales"`, After: "00ud4tVDDXYVKPXKVLCO",
				})
			},
			respond: "[]",
			method:  http.MethodGet, path: "/api/v1/users",
			query: map[string][]string{
				"filter": {`lastUpdated gt "2024-01-01T00:00:00.000Z"`},
				"search": {`profile.department eq "Sales"`},
				"after":  {"00ud4tVDDXYVKPXKVLCO"},
			},
			check: func(t *testing.T, got any) { assert.Empty(t, got.(client.UserPage).Users) },
		},
		{
			name: "create active user with password, recovery question and groups",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateUser(ctx, client.NewUser{
					Profile: client.Profile{
						FirstName: "Ada", LastName: "Quinn", Email: "ada.quinn@example.org", Login: "ada.quinn@example.org",
						Extra: map[string]any{"badgeNumber": "B-1024"},
					},
					Password: "Tr1cky-Pa55", RecoveryQuestion: "Name of your first pet?", RecoveryAnswer: "Biscuit",
					GroupIDs: []string{"00g1portal0users0001"},
				}, true)
			},
			respond: userJSON,
			method:  http.MethodPost, path: "/api/v1/users",
			query: map[string][]string{"activate": {"true"}},
			body: `{ "profile": { "firstName": "Ada", "lastName": "Quinn", "email": "ada.quinn@example.org",
			         "login": "ada.quinn@example.org", "badgeNumber": "B-1024" },
			  "groupIds": ["00g1portal0users0001"],
			  "credentials": { "password": { "value": "Tr1cky-Pa55" },
			                   "recovery_question": { "question": "Name of your first pet?", "answer": "Biscuit" } } }`,
			check: func(t *testing.T, got any) {
				u := got.(client.User)
				assert.Equal(t, userID, u.ID)
				assert.Equal(t, client.StatusActive, u.Status)
			},
		},
		{
			name: "create staged user without credentials",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateUser(ctx, client.NewUser{Profile: client.Profile{
					FirstName: "Dave", LastName: "Stone", Email: "dave@example.com", Login: "dave@example.com",
				}}, false)
			},
			respond: stagedUserJSON,
			method:  http.MethodPost, path: "/api/v1/users",
			query: map[string][]string{"activate": {"false"}},
			body:  `{"profile":{"firstName":"Dave","lastName":"Stone","email":"dave@example.com","login":"dave@example.com"}}`,
			check: func(t *testing.T, got any) {
				u := got.(client.User)
				assert.Equal(t, client.StatusStaged, u.Status)
				assert.False(t, u.Credentials.HasPassword)
				assert.Nil(t, u.Activated)
			},
		},
		{
			name: "current user",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.GetCurrentUser(ctx)
			},
			respond: userJSON,
			method:  http.MethodGet, path: "/api/v1/users/me",
			check: func(t *testing.T, got any) { assert.Equal(t, userID, got.(client.User).ID) },
		},
		{
			name: "get user by id",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.GetUser(ctx, userID)
			},
			respond: userJSON,
			method:  http.MethodGet, path: "/api/v1/users/" + userID,
			check: func(t *testing.T, got any) { assert.Equal(t, "Ada", got.(client.User).Profile.FirstName) },
		},
		{
			name: "get user by login",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.GetUser(ctx, "ada+test@example.org")
			},
			respond: userJSON,
			method:  http.MethodGet, path: "/api/v1/users/ada+test@example.org",
		},
		{
			name: "an id with a slash and dots stays one path segment",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.GetUser(ctx, "../groups?x=1#y")
			},
			respond: userJSON,
			method:  http.MethodGet, path: "/api/v1/users/..%2Fgroups%3Fx=1%23y",
		},
		{
			name: "a dot-dot id is escaped so it is not a dot-segment",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListAppLinks(ctx, "..")
			},
			respond: "[]",
			method:  http.MethodGet, path: "/api/v1/users/%2E%2E/appLinks",
		},
		{
			name: "set recovery question as admin uses a partial POST",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.SetRecoveryQuestion(ctx, userID, "Name of your first pet?", "Biscuit")
			},
			respond: userJSON,
			method:  http.MethodPost, path: "/api/v1/users/" + userID,
			body: `{"credentials":{"recovery_question":{"question":"Name of your first pet?","answer":"Biscuit"}}}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, "Name of your first pet?", got.(client.User).Credentials.RecoveryQuestion)
			},
		},
		{
			name: "app links",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListAppLinks(ctx, "me")
			},
			respond: appLinksJSON,
			method:  http.MethodGet, path: "/api/v1/users/me/appLinks",
			check: func(t *testing.T, got any) {
				links := got.([]client.AppLink)
				require.Len(t, links, 2)
				assert.Equal(t, client.AppLink{
					ID: userID, Label: "Expense Tracker",
					LinkURL: "https://acme.okta.com/home/acme_expense/0oa11aa22BB33cc44DD5/aln5z7uhkbM6y7bMy0g7",
					LogoURL: "https://ok12static.oktacdn.com/assets/img/logos/default.png",
					AppName: "acme_expense", AppInstanceID: "0oa11aa22BB33cc44DD5",
					AppAssignmentID: "0ua55ee66FF77gg88HH9",
				}, links[0])
				assert.True(t, links[1].Hidden)
				assert.True(t, links[1].CredentialsSetup)
				assert.Equal(t, 3, links[1].SortOrder)
			},
		},
		{
			name: "user groups",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListUserGroups(ctx, userID)
			},
			respond: groupsJSON,
			method:  http.MethodGet, path: "/api/v1/users/" + userID + "/groups",
			check: func(t *testing.T, got any) {
				groups := got.([]client.Group)
				require.Len(t, groups, 2)
				assert.Equal(t, "Everyone", groups[0].Profile.Name)
				assert.Equal(t, "BUILT_IN", groups[0].Type)
				assert.Equal(t, "", groups[1].Profile.Description, "null description")
			},
		},
		{
			name: "search groups",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.SearchGroups(ctx, "Port", 20)
			},
			respond: groupsJSON,
			method:  http.MethodGet, path: "/api/v1/groups",
			query: map[string][]string{"q": {"Port"}, "limit": {"20"}},
			check: func(t *testing.T, got any) { assert.Len(t, got.([]client.Group), 2) },
		},
		{
			name: "change password",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ChangePassword(ctx, userID, "Old-Passw0rd", "New-Passw0rd", client.ChangePasswordOptions{})
			},
			respond: credsJSON,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/credentials/change_password",
			body: `{"oldPassword":{"value":"Old-Passw0rd"},"newPassword":{"value":"New-Passw0rd"},"revokeSessions":false}`,
			check: func(t *testing.T, got any) {
				creds := got.(client.UserCredentials)
				assert.True(t, creds.HasPassword)
				assert.NotNil(t, creds.Password)
				assert.Equal(t, "Name of your first pet?", creds.RecoveryQuestion)
				assert.Equal(t, client.Provider{Type: "OKTA", Name: "OKTA"}, creds.Provider)
			},
		},
		{
			name: "change password strictly, revoking sessions",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ChangePassword(ctx, "me", "Old-Passw0rd", "New-Passw0rd", client.ChangePasswordOptions{Strict: true, RevokeSessions: true})
			},
			respond: `{"password":{},"provider":{"type":"OKTA","name":"OKTA"}}`,
			method:  http.MethodPost, path: "/api/v1/users/me/credentials/change_password",
			query: map[string][]string{"strict": {"true"}},
			body:  `{"oldPassword":{"value":"Old-Passw0rd"},"newPassword":{"value":"New-Passw0rd"},"revokeSessions":true}`,
			check: func(t *testing.T, got any) {
				assert.Empty(t, got.(client.UserCredentials).RecoveryQuestion, "omitted when none is set")
			},
		},
		{
			name: "change recovery question",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ChangeRecoveryQuestion(ctx, userID, "Demo-Passw0rd-1", "Favourite colour?", "Ultramarine")
			},
			respond: `{"password":{},"recovery_question":{"question":"Favourite colour?"},"provider":{"type":"OKTA","name":"OKTA"}}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/credentials/change_recovery_question",
			body: `{"password":{"value":"Demo-Passw0rd-1"},"recovery_question":{"question":"Favourite colour?","answer":"Ultramarine"}}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, "Favourite colour?", got.(client.UserCredentials).RecoveryQuestion)
			},
		},
		{
			name: "forgot password without email returns the link",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ForgotPassword(ctx, userID, false)
			},
			respond: `{"resetPasswordUrl":"https://acme.okta.com/signin/reset-password/XE6wE17zmphl3KqAPFxO"}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/credentials/forgot_password",
			query: map[string][]string{"sendEmail": {"false"}},
			check: func(t *testing.T, got any) {
				assert.Equal(t, "https://acme.okta.com/signin/reset-password/XE6wE17zmphl3KqAPFxO", got.(client.ForgotPasswordResult).ResetPasswordURL)
			},
		},
		{
			name: "forgot password with email returns nothing",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ForgotPassword(ctx, userID, true)
			},
			respond: `{}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/credentials/forgot_password",
			query: map[string][]string{"sendEmail": {"true"}},
			check: func(t *testing.T, got any) { assert.Zero(t, withoutReceipt(got.(client.ForgotPasswordResult))) },
		},
		{
			name: "activate without email returns url and token",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.Activate(ctx, userID, false)
			},
			respond: `{"activationUrl":"https://acme.okta.com/welcome/JuldXoT8xS8whCzpskYQ","activationToken":"JuldXoT8xS8whCzpskYQ"}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/activate",
			query: map[string][]string{"sendEmail": {"false"}},
			check: func(t *testing.T, got any) {
				assert.Equal(t, client.ActivationResult{
					ActivationURL: "https://acme.okta.com/welcome/JuldXoT8xS8whCzpskYQ", ActivationToken: "JuldXoT8xS8whCzpskYQ",
				}, withoutReceipt(got.(client.ActivationResult)))
			},
		},
		{
			name: "activate without email tolerates a missing url",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.Activate(ctx, userID, false)
			},
			respond: `{"activationToken":"XE6wE17zmphl3KqAPFxO"}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/activate",
			query: map[string][]string{"sendEmail": {"false"}},
			check: func(t *testing.T, got any) {
				assert.Equal(t, client.ActivationResult{ActivationToken: "XE6wE17zmphl3KqAPFxO"}, withoutReceipt(got.(client.ActivationResult)))
			},
		},
		{
			name: "activate with email",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.Activate(ctx, userID, true)
			},
			respond: `{}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/activate",
			query: map[string][]string{"sendEmail": {"true"}},
			check: func(t *testing.T, got any) { assert.Zero(t, withoutReceipt(got.(client.ActivationResult))) },
		},
		{
			name: "deactivate",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.Deactivate(ctx, userID)
			},
			respond: `{}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/deactivate",
		},
		{
			name: "expire password returns the user",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ExpirePassword(ctx, userID)
			},
			respond: `{"id":"00u1a2b3c4D5e6F7g8h9","status":"PASSWORD_EXPIRED","profile":{"login":"ada.quinn@example.org"},"credentials":{"password":{}}}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/expire_password",
			query: map[string][]string{"tempPassword": {"false"}},
			check: func(t *testing.T, got any) {
				assert.Equal(t, client.StatusPasswordExpired, got.(client.User).Status)
			},
		},
		{
			name: "expire password with a temporary password",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ExpirePasswordWithTempPassword(ctx, userID)
			},
			respond: `{"tempPassword":"cW8kDao1"}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/expire_password_with_temp_password",
			query: map[string][]string{"revokeSessions": {"false"}},
			check: func(t *testing.T, got any) {
				assert.Equal(t, "cW8kDao1", got.(client.TempPasswordResult).TempPassword)
			},
		},
		{
			name: "reset factors with an empty body",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ResetFactors(ctx, userID)
			},
			respond: "",
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/reset_factors",
		},
		{
			name: "reset password without email returns the link",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ResetPassword(ctx, userID, false)
			},
			respond: `{"resetPasswordUrl":"https://acme.okta.com/reset_password/XE6wE17zmphl3KqAPFxO"}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/reset_password",
			query: map[string][]string{"sendEmail": {"false"}},
			check: func(t *testing.T, got any) {
				assert.Equal(t, "https://acme.okta.com/reset_password/XE6wE17zmphl3KqAPFxO", got.(client.ResetPasswordResult).ResetPasswordURL)
			},
		},
		{
			name: "reset password with email and an empty body",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ResetPassword(ctx, userID, true)
			},
			respond: "",
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/reset_password",
			query: map[string][]string{"sendEmail": {"true"}},
			check: func(t *testing.T, got any) { assert.Zero(t, withoutReceipt(got.(client.ResetPasswordResult))) },
		},
		{
			name: "suspend",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.Suspend(ctx, userID)
			},
			respond: `{}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/suspend",
		},
		{
			name: "unsuspend ignores an unexpected object",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.Unsuspend(ctx, userID)
			},
			respond: `{"status":"ACTIVE","something":"new"}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/unsuspend",
		},
		{
			name: "unlock",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.Unlock(ctx, userID)
			},
			respond: `{}`,
			method:  http.MethodPost, path: "/api/v1/users/" + userID + "/lifecycle/unlock",
		},
		{
			name: "clear sessions and revoke tokens",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ClearSessions(ctx, userID, true)
			},
			status: http.StatusNoContent, noContent: true,
			method: http.MethodDelete, path: "/api/v1/users/" + userID + "/sessions",
			query: map[string][]string{"oauthTokens": {"true"}},
		},
		{
			name: "clear sessions keeping tokens",
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.ClearSessions(ctx, "me", false)
			},
			status: http.StatusNoContent, noContent: true,
			method: http.MethodDelete, path: "/api/v1/users/me/sessions",
			query: map[string][]string{"oauthTokens": {"false"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := tt.status
			if status == 0 {
				status = http.StatusOK
			}
			f := newFake(t, always(status, tt.respond))
			c := newClient(t, f, nil)

			got, err := tt.call(t.Context(), c)

			require.NoError(t, err)
			reqs := f.requests()
			require.Len(t, reqs, 1, "exactly one request")
			r := reqs[0]
			assert.Equal(t, tt.method, r.Method)
			assert.Equal(t, tt.path, r.Path, "escaped path as sent")
			wantQuery := tt.query
			if wantQuery == nil {
				wantQuery = map[string][]string{}
			}
			assert.Equal(t, wantQuery, r.Query)
			assert.Equal(t, "application/json", r.Header.Get("Accept"))
			assert.Equal(t, "SSWS "+testToken, r.Header.Get("Authorization"))
			assert.Equal(t, "gatehouse/1 (+client)", r.Header.Get("User-Agent"))
			if tt.body == "" {
				assert.Empty(t, r.Body)
				assert.Empty(t, r.Header.Get("Content-Type"), "no body, no content type")
				if tt.method == http.MethodPost {
					assert.Equal(t, "0", r.Header.Get("Content-Length"), "a body-less POST sends Content-Length: 0")
				}
			} else {
				assert.JSONEq(t, tt.body, string(r.Body))
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// TestEmptyIDRefused checks that an empty id never becomes /api/v1/users/ (which
// would list users) and that nothing is sent.
func TestEmptyIDRefused(t *testing.T) {
	f := newFake(t, always(http.StatusOK, userJSON))
	c := newClient(t, f, nil)
	ctx := t.Context()
	calls := []struct {
		name string
		call func() error
	}{
		{"get user", func() error { _, err := c.GetUser(ctx, ""); return err }},
		{"app links", func() error { _, err := c.ListAppLinks(ctx, ""); return err }},
		{"groups", func() error { _, err := c.ListUserGroups(ctx, ""); return err }},
		{"suspend", func() error { return ok(c.Suspend(ctx, "")) }},
		{"clear sessions", func() error { return ok(c.ClearSessions(ctx, "", true)) }},
		{"change password", func() error {
			_, err := c.ChangePassword(ctx, "", "a", "b", client.ChangePasswordOptions{})
			return err
		}},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, client.ErrInvalid)
			assert.NotErrorIs(t, err, client.ErrUnavailable)
		})
	}
	assert.Zero(t, f.count(), "nothing may be sent")
}

func TestListUsersRejectsBadParams(t *testing.T) {
	f := newFake(t, always(http.StatusOK, "[]"))
	c := newClient(t, f, nil)
	tests := []struct {
		name string
		p    client.ListUsersParams
	}{
		{name: "unknown status", p: client.ListUsersParams{Status: "ACTIVE\" or status eq \"SUSPENDED"}},
		{name: "status and filter together", p: client.ListUsersParams{Status: "ACTIVE", Filter: `status eq "SUSPENDED"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.ListUsers(t.Context(), tt.p)
			assert.ErrorIs(t, err, client.ErrInvalid)
		})
	}
	assert.Zero(t, f.count())
}

// TestExpirePasswordWithTempPasswordNeedsTheValue guards against the SDK bug of
// USERS-API.md §4.11: an answer without tempPassword must not pass as success.
func TestExpirePasswordWithTempPasswordNeedsTheValue(t *testing.T) {
	f := newFake(t, always(http.StatusOK, userJSON))
	c := newClient(t, f, nil)
	res, err := c.ExpirePasswordWithTempPassword(t.Context(), userID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tempPassword")
	assert.Zero(t, res)
}

// withoutReceipt drops the answer's request id from a result, so it compares equal to the
// object Okta sent (TestMutationsReturnOktaRequestIDs checks the ids).
func withoutReceipt[T interface {
	client.ActivationResult | client.ResetPasswordResult | client.ForgotPasswordResult
}](r T) T {
	switch v := any(&r).(type) {
	case *client.ActivationResult:
		v.Receipt = client.Receipt{}
	case *client.ResetPasswordResult:
		v.Receipt = client.Receipt{}
	case *client.ForgotPasswordResult:
		v.Receipt = client.Receipt{}
	}
	return r
}
