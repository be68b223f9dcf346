package oktatest_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

type providerLite struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type userWithCreds struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Credentials struct {
		Password *struct{}    `json:"password"`
		Provider providerLite `json:"provider"`
	} `json:"credentials"`
	Links map[string]any `json:"_links"`
}

func getUserWithCreds(t *testing.T, s *oktatest.Server, id string) userWithCreds {
	t.Helper()
	r := call(t, s, http.MethodGet, "/api/v1/users/"+id, ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var u userWithCreds
	r.json(t, &u)
	return u
}

func linkRels(u userWithCreds) []string {
	var out []string
	for k := range u.Links {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCreateUserWithProvider(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	fed := func(login string) map[string]any {
		return map[string]any{"profile": newProfile(login), "credentials": map[string]any{
			"provider": map[string]string{"type": "FEDERATION", "name": "FEDERATION"}}}
	}
	t.Run("a federated user is ACTIVE without a password", func(t *testing.T) {
		r := call(t, s, http.MethodPost, "/api/v1/users?provider=true&activate=true", ssws(s), fed("fed.one@example.org"))
		require.Equal(t, 200, r.status, "body: %s", r.body)
		var u userWithCreds
		r.json(t, &u)
		assert.Equal(t, "ACTIVE", u.Status)
		assert.Nil(t, u.Credentials.Password)
		assert.Equal(t, providerLite{"FEDERATION", "FEDERATION"}, u.Credentials.Provider)
		assert.Empty(t, s.Emails(), "no activation email: they sign in with their identity provider")
	})
	t.Run("activate=false leaves it STAGED", func(t *testing.T) {
		r := call(t, s, http.MethodPost, "/api/v1/users?provider=true&activate=false", ssws(s), fed("fed.two@example.org"))
		require.Equal(t, 200, r.status)
		assert.Equal(t, "STAGED", r.object(t)["status"])
	})
	tests := []struct {
		name, query string
		body        map[string]any
	}{
		{name: "a provider without provider=true", query: "", body: fed("fed.three@example.org")},
		{name: "a federated user with a password", query: "?provider=true", body: map[string]any{"profile": newProfile("fed.four@example.org"),
			"credentials": map[string]any{"provider": map[string]string{"type": "SOCIAL"}, "password": map[string]string{"value": demoPassword}}}},
		{name: "a directory user through the API", query: "?provider=true", body: map[string]any{"profile": newProfile("ad.five@example.org"),
			"credentials": map[string]any{"provider": map[string]string{"type": "ACTIVE_DIRECTORY", "name": "corp.example.com"}}}},
		{name: "an unknown provider type", query: "?provider=true", body: map[string]any{"profile": newProfile("x.six@example.org"),
			"credentials": map[string]any{"provider": map[string]string{"type": "KERBEROS"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertOktaError(t, call(t, s, http.MethodPost, "/api/v1/users"+tt.query, ssws(s), tt.body), 400, "E0000001")
		})
	}
}

func TestProviderRulesAndConversions(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	ivan, judy := s.UserID("ivan@example.com"), s.UserID("judy@example.com")

	t.Run("every user body carries credentials.provider", func(t *testing.T) {
		assert.Equal(t, providerLite{"FEDERATION", "FEDERATION"}, getUserWithCreds(t, s, ivan).Credentials.Provider)
		assert.Equal(t, providerLite{"ACTIVE_DIRECTORY", oktatest.DemoDirectory}, getUserWithCreds(t, s, judy).Credentials.Provider)
		assert.Equal(t, providerLite{"OKTA", "OKTA"}, getUserWithCreds(t, s, s.UserID("alice@example.com")).Credentials.Provider)
	})
	t.Run("a federated user's links are Okta's example's", func(t *testing.T) {
		assert.Equal(t, []string{"changeRecoveryQuestion", "deactivate", "resetPassword", "self", "suspend"}, linkRels(getUserWithCreds(t, s, ivan)))
	})
	t.Run("password operations a federated user has no credential for", func(t *testing.T) {
		base := "/api/v1/users/" + ivan
		assertOktaError(t, call(t, s, "POST", base+"/credentials/change_password", ssws(s), changePW("x", "Fresh-Gr33n-tea")), 403, "E0000035")
		assertOktaError(t, call(t, s, "POST", base+"/credentials/change_recovery_question", ssws(s),
			map[string]any{"password": map[string]string{"value": "x"}, "recovery_question": map[string]string{"question": "Q?", "answer": "an answer"}}), 403, "E0000036")
		assertOktaError(t, call(t, s, "POST", base+"/credentials/forgot_password?sendEmail=false", ssws(s), nil), 403, "E0000034")
		assertOktaError(t, call(t, s, "POST", base+"/lifecycle/expire_password", ssws(s), nil), 403, "E0000038")
		assertOktaError(t, call(t, s, "POST", base, ssws(s), map[string]any{"credentials": map[string]any{"password": map[string]string{"value": "Fresh-Gr33n-tea"}}}), 400, "E0000001")
	})
	t.Run("a directory-mastered person cannot be unlocked in Okta", func(t *testing.T) {
		s.SetStatus(judy, oktatest.StatusLockedOut)
		u := getUserWithCreds(t, s, judy)
		assert.NotContains(t, u.Links, "unlock")
		assert.Contains(t, u.Links, "resetPassword")
		e := assertOktaError(t, call(t, s, "POST", "/api/v1/users/"+judy+"/lifecycle/unlock", ssws(s), nil), 403, "E0000032")
		assert.Contains(t, e.causes()[0], oktatest.DemoDirectory)
		assert.Equal(t, oktatest.StatusLockedOut, s.UserStatus(judy))
		s.SetStatus(judy, oktatest.StatusActive)
	})
	t.Run("a directory-mastered person changes their password", func(t *testing.T) {
		require.Equal(t, 200, changePassword(t, s, "judy@example.com", demoPassword, "Directory-Pass-7").status)
		require.Equal(t, 200, call(t, s, "POST", "/api/v1/users/"+judy+"/lifecycle/expire_password", ssws(s), nil).status)
	})
	t.Run("reset_password converts a federated user back to Okta", func(t *testing.T) {
		r := call(t, s, "POST", "/api/v1/users/"+ivan+"/lifecycle/reset_password?sendEmail=false", ssws(s), nil)
		require.Equal(t, 200, r.status)
		link := r.object(t)["resetPasswordUrl"].(string)
		u := getUserWithCreds(t, s, ivan)
		assert.Equal(t, "RECOVERY", u.Status)
		assert.Equal(t, providerLite{"OKTA", "OKTA"}, u.Credentials.Provider, "Okta converts silently")
		b := newBrowser(t)
		page := b.get(t, link)
		done := b.submitForm(t, s, page, map[string]string{"newPassword": "Now-With-Okta-1", "confirmPassword": "Now-With-Okta-1"})
		require.Equal(t, 200, done.status, "body: %s", done.body)
		u = getUserWithCreds(t, s, ivan)
		assert.Equal(t, "ACTIVE", u.Status)
		assert.NotNil(t, u.Credentials.Password)
	})
	t.Run("reset_password?provider=FEDERATION converts to federated", func(t *testing.T) {
		alice := s.UserID("alice@example.com")
		assertOktaError(t, call(t, s, "POST", "/api/v1/users/"+alice+"/lifecycle/reset_password?provider=FEDERATION&sendEmail=true", ssws(s), nil), 400, "E0000001")
		r := call(t, s, "POST", "/api/v1/users/"+alice+"/lifecycle/reset_password?provider=FEDERATION&sendEmail=false", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.JSONEq(t, `{}`, string(r.body))
		u := getUserWithCreds(t, s, alice)
		assert.Equal(t, "ACTIVE", u.Status)
		assert.Equal(t, providerLite{"FEDERATION", "FEDERATION"}, u.Credentials.Provider)
		assert.Nil(t, u.Credentials.Password)
	})
}

func TestFederatedSignInGoesToTheIdentityProvider(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	b := newBrowser(t)
	a := newAuthRequest(s, "openid")
	page := b.get(t, a.url(s))
	idp := b.submitForm(t, s, page, map[string]string{"username": "ivan@example.com", "password": "anything"})
	require.Equal(t, http.StatusOK, idp.status)
	assert.Contains(t, strings.TrimSpace(idp.doc(t).Find("#message").Text()), "signs in with")
	done := b.submitForm(t, s, idp, nil)
	params := callbackParams(t, done)
	assert.NotEmpty(t, params.Get("code"))
	tok := exchange(t, s, a, params.Get("code"))
	claims, err := verifyJWT(t, s, tok.IDToken)
	require.NoError(t, err)
	assert.Equal(t, s.UserID("ivan@example.com"), claims["sub"])
}
