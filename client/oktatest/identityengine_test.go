package oktatest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// TestForgotPasswordClassicAndIdentityEngine checks the two recovery flavours
// (docs/OKTA.md "Identity Engine"): Classic needs a recovery question, Identity
// Engine recovers with the email authenticator.
func TestForgotPasswordClassicAndIdentityEngine(t *testing.T) {
	noQuestion := oktatest.SeedUser{Profile: newProfile("no.question@example.org"), Password: demoPassword}
	seed := func() *oktatest.Seed {
		sd := smallSeed()
		sd.Users = append(sd.Users, noQuestion)
		return sd
	}
	classic, _ := newServer(t, oktatest.Config{Seed: seed()})
	ie, _ := newServer(t, oktatest.Config{Seed: seed(), IdentityEngine: true})
	path := func(s *oktatest.Server) string {
		return "/api/v1/users/" + s.UserID("no.question@example.org") + "/credentials/forgot_password"
	}

	t.Run("Classic refuses without a recovery question", func(t *testing.T) {
		assertOktaError(t, call(t, classic, "POST", path(classic), ssws(classic), nil), 403, "E0000034")
		assert.NotContains(t, getUserWithCreds(t, classic, classic.UserID("no.question@example.org")).Links, "forgotPassword")
	})
	t.Run("Identity Engine sends the email", func(t *testing.T) {
		u := getUserWithCreds(t, ie, ie.UserID("no.question@example.org"))
		assert.Contains(t, u.Links, "forgotPassword")
		require.Equal(t, 200, call(t, ie, "POST", path(ie)+"?sendEmail=true", ssws(ie), nil).status)
		mails := ie.Emails()
		require.Len(t, mails, 1)
		assert.Equal(t, oktatest.EmailForgotPassword, mails[0].Kind)
		assert.Equal(t, "no.question@example.org", mails[0].To)

		b := newBrowser(t)
		page := b.get(t, mails[0].Link)
		require.Equal(t, 200, page.status)
		assert.Equal(t, 1, page.doc(t).Find("#newPassword").Length(), "the email is the proof: no question asked")
	})
	t.Run("Identity Engine skips the question even when there is one", func(t *testing.T) {
		alice := ie.UserID("alice@example.com")
		r := call(t, ie, "POST", "/api/v1/users/"+alice+"/credentials/forgot_password?sendEmail=false", ssws(ie), nil)
		require.Equal(t, 200, r.status)
		page := newBrowser(t).get(t, r.object(t)["resetPasswordUrl"].(string))
		assert.Equal(t, 1, page.doc(t).Find("#newPassword").Length())
	})
	t.Run("a federated user still cannot", func(t *testing.T) {
		assertOktaError(t, call(t, ie, "POST", "/api/v1/users/"+ie.UserID("ivan@example.com")+"/credentials/forgot_password", ssws(ie), nil), 403, "E0000034")
	})
	t.Run("a rule that denies self-service reset", func(t *testing.T) {
		def := policyByName(t, ie, oktatest.DefaultPolicyName)
		r := call(t, ie, "GET", "/api/v1/policies/"+def.ID+"/rules", ssws(ie), nil)
		var rules []map[string]any
		r.json(t, &rules)
		rule := allowAllRule(rules[0]["name"].(string))
		rule["actions"].(map[string]any)["selfServicePasswordReset"] = map[string]any{"access": "DENY"}
		require.Equal(t, 200, call(t, ie, "PUT", "/api/v1/policies/"+def.ID+"/rules/"+rules[0]["id"].(string), ssws(ie), rule).status)
		assertOktaError(t, call(t, ie, "POST", path(ie), ssws(ie), nil), 403, "E0000034")
	})
	t.Run("activation links have Identity Engine's form", func(t *testing.T) {
		r := call(t, ie, "POST", "/api/v1/users/"+ie.UserID("dave@example.com")+"/lifecycle/activate?sendEmail=false", ssws(ie), nil)
		require.Equal(t, 200, r.status)
		link := r.object(t)["activationUrl"].(string)
		assert.True(t, strings.HasPrefix(link, ie.URL()+"/tokens/") && strings.HasSuffix(link, "/verify"), link)
	})
}

func TestMyAccountPasswordRequirements(t *testing.T) {
	ie, _ := newServer(t, oktatest.Config{Seed: smallSeed(), IdentityEngine: true})
	classic, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	const path = "/idp/myaccount/password/complexity-requirements"
	get := func(t *testing.T, s *oktatest.Server, authz, accept string) resp {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, s.URL()+path, nil)
		require.NoError(t, err)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		req.Header.Set("Accept", accept)
		b := newBrowser(t)
		return b.do(t, req)
	}
	const versioned = "application/json; okta-version=1.0.0"
	token := func(s *oktatest.Server, login string, scopes ...string) string {
		tk, err := s.MintTokens(login, append([]string{"openid"}, scopes...)...)
		require.NoError(t, err)
		return bearer(tk.AccessToken)
	}

	t.Run("a Finance member gets the Finance rules", func(t *testing.T) {
		r := get(t, ie, token(ie, "kate@example.com", "okta.myAccount.password.read"), versioned)
		require.Equal(t, 200, r.status, "body: %s", r.body)
		assert.Equal(t, "application/json;okta-version=1.0.0", r.header.Get("Content-Type"))
		body := r.object(t)
		assert.Equal(t, "Password requirements: at least 14 characters, a lowercase letter, an uppercase letter, a number, a symbol, "+
			"no parts of your username, does not include your first name, does not include your last name. "+
			"Your password cannot be any of your last 10 passwords.", body["description"])
		c := body["complexity"].(map[string]any)
		assert.Equal(t, 14.0, c["minLength"])
		assert.Equal(t, 1.0, c["minSymbol"])
		assert.Equal(t, []any{"firstName", "lastName"}, c["excludeAttributes"])
	})
	t.Run("an Everyone member gets the default rules", func(t *testing.T) {
		r := get(t, ie, token(ie, "alice@example.com", "okta.myAccount.password.read"), versioned)
		require.Equal(t, 200, r.status)
		assert.Equal(t, 8.0, r.object(t)["complexity"].(map[string]any)["minLength"])
	})
	tests := []struct {
		name   string
		s      *oktatest.Server
		authz  string
		accept string
		status int
		code   string
	}{
		{name: "a Classic org has no MyAccount API", s: classic, authz: token(classic, "alice@example.com", "okta.myAccount.password.read"), accept: versioned, status: 401, code: "E0000015"},
		{name: "the API token is not a person", s: ie, authz: ssws(ie), accept: versioned, status: 401, code: "E0000011"},
		{name: "without the scope", s: ie, authz: token(ie, "alice@example.com"), accept: versioned, status: 403, code: "E0000006"},
		{name: "without the version", s: ie, authz: token(ie, "alice@example.com", "okta.myAccount.password.read"), accept: "application/json", status: 406, code: "E0000149"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, tt.s, tt.authz, tt.accept)
			assert.Equal(t, tt.status, r.status, "body: %s", r.body)
			assert.Equal(t, tt.code, r.oktaError(t).ErrorCode)
			want := "application/json;okta-version=1.0.0"
			if tt.status == http.StatusNotAcceptable {
				want = "application/json;charset=UTF-8"
			}
			assert.Equal(t, want, r.header.Get("Content-Type"), "MyAccount's versioned media type")
		})
	}
}
