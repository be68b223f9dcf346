package oktatest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

func TestBearerScopes(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	ada := s.UserID("ada@example.com")
	readSelf := login(t, s, "alice@example.com", "openid okta.users.read.self").AccessToken
	manageSelf := login(t, s, "alice@example.com", "openid okta.users.read.self okta.users.manage.self").AccessToken
	openidOnly := login(t, s, "alice@example.com", "openid").AccessToken
	cp := changePW(demoPassword, demoPassword) // a policy failure proves the call got through

	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{name: "me", method: "GET", path: "/api/v1/users/me", token: readSelf, status: 200},
		{name: "own id", method: "GET", path: "/api/v1/users/" + alice, token: readSelf, status: 200},
		{name: "own login", method: "GET", path: "/api/v1/users/alice@example.com", token: readSelf, status: 200},
		{name: "own app links", method: "GET", path: "/api/v1/users/me/appLinks", token: readSelf, status: 200},
		{name: "own groups", method: "GET", path: "/api/v1/users/me/groups", token: readSelf, status: 200},
		{name: "someone else", method: "GET", path: "/api/v1/users/" + ada, token: readSelf, status: 403, code: "E0000006"},
		{name: "someone else's apps", method: "GET", path: "/api/v1/users/" + ada + "/appLinks", token: readSelf, status: 403, code: "E0000006"},
		{name: "list users lists only the caller", method: "GET", path: "/api/v1/users?q=a", token: readSelf, status: 200},
		{name: "list users without read.self", method: "GET", path: "/api/v1/users?q=a", token: openidOnly, status: 403, code: "E0000006"},
		{name: "groups", method: "GET", path: "/api/v1/groups", token: manageSelf, status: 403, code: "E0000006"},
		{name: "own lifecycle", method: "POST", path: "/api/v1/users/me/lifecycle/reset_factors", token: manageSelf, status: 403, code: "E0000006"},
		{name: "own sessions", method: "DELETE", path: "/api/v1/users/me/sessions", token: manageSelf, status: 403, code: "E0000006"},
		{name: "change password without manage.self", method: "POST", path: "/api/v1/users/me/credentials/change_password", token: readSelf, body: cp, status: 403, code: "E0000006"},
		{name: "change password with manage.self", method: "POST", path: "/api/v1/users/me/credentials/change_password", token: manageSelf, body: cp, status: 403, code: "E0000014"},
		{name: "recovery question with manage.self", method: "POST", path: "/api/v1/users/me/credentials/change_recovery_question", token: manageSelf,
			body: map[string]any{"password": map[string]string{"value": demoPassword}, "recovery_question": map[string]string{"question": "Favourite colour?", "answer": "Turquoise"}}, status: 200},
		{name: "profile update with manage.self", method: "POST", path: "/api/v1/users/me", token: manageSelf, body: map[string]any{"profile": map[string]any{"mobilePhone": "+1 503 555 0100"}}, status: 200},
		{name: "credential update via profile route", method: "POST", path: "/api/v1/users/me", token: manageSelf,
			body: map[string]any{"credentials": map[string]any{"password": map[string]string{"value": newPass}}}, status: 403, code: "E0000006"},
		{name: "me without read.self", method: "GET", path: "/api/v1/users/me", token: openidOnly, status: 403, code: "E0000006"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, tt.method, tt.path, bearer(tt.token), tt.body)
			if tt.code == "" {
				require.Equal(t, tt.status, r.status, "body: %s", r.body)
				assertAPIHeaders(t, r, true)
				return
			}
			assertOktaError(t, r, tt.status, tt.code)
			if tt.code == "E0000006" {
				h := r.header.Get("WWW-Authenticate")
				assert.Contains(t, h, "Bearer ")
				assert.Contains(t, h, `error="insufficient_scope"`)
				assert.Contains(t, h, `error_description="The access token provided does not contain the required scopes."`)
			}
		})
	}

	t.Run("list users with read.self shows only the caller", func(t *testing.T) {
		for _, path := range []string{"/api/v1/users", "/api/v1/users?q=a", `/api/v1/users?filter=status+eq+%22ACTIVE%22`} {
			r := call(t, s, "GET", path, bearer(readSelf), nil)
			require.Equal(t, 200, r.status, "%s: %s", path, r.body)
			var users []struct {
				ID string `json:"id"`
			}
			r.json(t, &users)
			require.Len(t, users, 1, path)
			assert.Equal(t, alice, users[0].ID, path)
		}
		r := call(t, s, "GET", "/api/v1/users?q=bob", bearer(readSelf), nil)
		require.Equal(t, 200, r.status)
		assert.JSONEq(t, "[]", string(r.body), "the caller does not match q")
	})

	t.Run("self credential scopes can be denied", func(t *testing.T) {
		s, _ := newServer(t, oktatest.Config{Seed: smallSeed(), DenySelfCredentialScopes: true})
		tok := login(t, s, "alice@example.com", "openid okta.users.read.self okta.users.manage.self").AccessToken
		r := call(t, s, "POST", "/api/v1/users/me/credentials/change_password", bearer(tok), changePW(demoPassword, newPass))
		assertOktaError(t, r, 403, "E0000006")
		s.SetSelfCredentialScopes(true)
		r = call(t, s, "POST", "/api/v1/users/me/credentials/change_password", bearer(tok), changePW(demoPassword, newPass))
		assert.Equal(t, 200, r.status, "body: %s", r.body)
	})
}

func TestRequestLog(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	tok := login(t, s, "alice@example.com", "openid okta.users.read.self").AccessToken
	s.ResetRequests()
	call(t, s, "GET", "/api/v1/users/me?x=1", bearer(tok), nil)
	call(t, s, "GET", "/api/v1/users/"+alice+"/groups", ssws(s), nil)
	call(t, s, "GET", "/api/v1/users/nobody", ssws(s), nil)
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, oktatest.Request{Time: clock.Now(), Method: "GET", Path: "/api/v1/users/me", RawQuery: "x=1",
		Auth: "Bearer", Subject: alice, Status: 200, Op: "getUser"}, reqs[0])
	assert.Equal(t, "SSWS", reqs[1].Auth)
	assert.Empty(t, reqs[1].Subject)
	assert.Equal(t, "listUserGroups", reqs[1].Op)
	assert.Equal(t, 404, reqs[2].Status)
	assert.Equal(t, 2, s.CountRequests(func(r oktatest.Request) bool { return r.Auth == "SSWS" }))
	s.ResetRequests()
	assert.Empty(t, s.Requests())
}

func TestMintTokens(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	tk, err := s.MintTokens("ada@example.com")
	require.NoError(t, err)
	r := call(t, s, "GET", "/api/v1/users/me", bearer(tk.AccessToken), nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, s.UserID("ada@example.com"), r.object(t)["id"])
	assert.Empty(t, tk.RefreshToken)
	claims, err := verifyJWT(t, s, tk.IDToken)
	require.NoError(t, err)
	assert.Equal(t, s.UserID("ada@example.com"), claims["sub"])
	assert.Equal(t, 0, s.SignInSessions(s.UserID("ada@example.com")))

	withRefresh, err := s.MintTokens("ada@example.com", "openid", "offline_access")
	require.NoError(t, err)
	assert.NotEmpty(t, withRefresh.RefreshToken)

	_, err = s.MintTokens("carol@example.com")
	assert.Error(t, err, "a suspended user cannot get tokens")
	_, err = s.MintTokens("nobody@example.com")
	assert.Error(t, err)
}
