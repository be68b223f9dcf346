package handlers_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// TestJourneysByCredential is the matrix of issue 14: the admin and self-service journeys with
// each way Gatehouse can authenticate to Okta — the SSWS API token, an OAuth service app with
// bearer tokens, and one that requires DPoP — in both self-service modes. With a service app
// the journeys also live through a token Okta stops accepting mid-run and, with DPoP, a nonce
// challenge on the API; and two more cases check a missing scope and a replayed assertion.
func TestJourneysByCredential(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cred      webtest.Credential
		delegated bool
	}{
		{name: "api token", cred: webtest.APIToken},
		{name: "service app", cred: webtest.ServiceApp},
		{name: "service app with DPoP", cred: webtest.ServiceAppDPoP},
		{name: "api token, delegated self-service", cred: webtest.APIToken, delegated: true},
		{name: "service app with DPoP, delegated self-service", cred: webtest.ServiceAppDPoP, delegated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := webtest.New(t, webtest.Options{Credential: tt.cred, Configure: func(c *web.Config) { c.Delegated = tt.delegated }})
			// The order matters: the admin journey needs alice's demo password, which the
			// password journey changes.
			t.Run("admin", func(t *testing.T) { adminJourney(t, env) })
			t.Run("self-service pages", func(t *testing.T) { selfServicePages(t, env) })
			t.Run("password and recovery question", func(t *testing.T) { passwordJourney(t, env, tt.delegated) })
			if !tt.cred.OAuth() {
				assert.Empty(t, env.ServiceAssertions())
				return
			}
			t.Run("replayed assertion refused", func(t *testing.T) { replayedAssertion(t, env) })
			t.Run("missing scope", func(t *testing.T) { missingScope(t, tt.cred) })
		})
	}
}

// adminJourney is the admin issue's story: a person locked out by five wrong passwords is
// unlocked by an admin and signs in; a signed-in person is suspended, loses their open
// Gatehouse session at once, and signs in again after being unsuspended. With a service app,
// Okta stops accepting Gatehouse's access token just before the unlock is submitted, and
// (with DPoP) starts asking for a nonce in API proofs just before the suspend.
func adminJourney(t *testing.T, env *webtest.Env) {
	ada := env.SignInAs(t, "ada@example.com")

	t.Run("unlock after five wrong passwords", func(t *testing.T) {
		id, login := adminTestPerson(t, env.Okta, oktatest.StatusActive)
		c := env.Client()
		page := env.StartSignIn(t, c, "/login")
		for range 5 {
			page = webtest.SubmitSignIn(t, c, page, login, "Wrong-Passw0rd")
			require.Equal(t, http.StatusUnauthorized, page.StatusCode)
		}
		require.Equal(t, oktatest.StatusLockedOut, env.Okta.UserStatus(id))
		page = webtest.SubmitSignIn(t, c, page, login, webtest.DemoPassword)
		assert.Equal(t, http.StatusUnauthorized, page.StatusCode, "the right password does not help while locked out")
		page.Body.Close()

		issued := 0
		doc := adminClickActionAfter(t, env, ada, id, "unlock", nil, func() {
			if env.Credential.OAuth() {
				// The token expires mid-run: Okta refuses it although Gatehouse still holds it.
				issued = env.Okta.ServiceTokensIssued(env.ServiceClientID)
				env.Okta.ExpireServiceTokens(env.ServiceClientID)
				env.Okta.ResetRequests()
			}
		})
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "is unlocked")
		assert.Equal(t, "ACTIVE", doc.Find("#user-panel [data-testid=status-badge]").AttrOr("data-status", ""))
		if env.Credential.OAuth() {
			assert.Equal(t, issued+1, env.Okta.ServiceTokensIssued(env.ServiceClientID), "one new token")
			assert.Positive(t, env.Okta.CountRequests(func(r oktatest.Request) bool {
				return strings.HasPrefix(r.Path, "/api/v1/") && r.Status == http.StatusUnauthorized
			}), "Okta refused the old token once")
			assert.Equal(t, 1, env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Op == "unlockUser" && r.Status == http.StatusOK }),
				"unlocked exactly once")
		}

		c = env.SignIn(t, login, webtest.DemoPassword)
		res, _ := get(t, env, c, "/profile", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode, "signed in again")
	})

	t.Run("demo bob is unlocked and signs in", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		adminClickAction(t, env, ada, bob, "unlock", nil)
		env.SignInAs(t, "bob@example.com")
	})

	t.Run("suspend ends the open session, unsuspend lets her back", func(t *testing.T) {
		alice := env.Okta.UserID("alice@example.com")
		ca := env.SignInAs(t, "alice@example.com")
		res, _ := get(t, env, ca, "/profile", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)

		dpop := env.Credential == webtest.ServiceAppDPoP
		doc := adminClickActionAfter(t, env, ada, alice, "suspend", map[string]string{"reason": "HR-1234"}, func() {
			if dpop {
				// A DPoP nonce challenge: the API now wants a nonce, and a new one.
				env.Okta.RequireDPoPNonceForAPI(true)
				env.Okta.RotateDPoPNonce()
				env.Okta.ResetRequests()
			}
		})
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Alice Anderson is suspended")
		assert.Equal(t, oktatest.StatusSuspended, env.Okta.UserStatus(alice))
		if dpop {
			assert.Positive(t, env.Okta.CountRequests(func(r oktatest.Request) bool {
				return strings.HasPrefix(r.Path, "/api/v1/") && r.Status == http.StatusUnauthorized && r.Auth == "DPoP"
			}), "the API challenged for a nonce")
			assert.Equal(t, 1, env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Op == "suspendUser" && r.Status == http.StatusOK }),
				"suspended exactly once")
		}

		res, _ = get(t, env, ca, "/profile", nil)
		assert.Equal(t, http.StatusFound, res.StatusCode, "alice's next request is anonymous")
		assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login"), res.Header.Get("Location"))
		page := env.StartSignIn(t, env.Client(), "/login")
		page = webtest.SubmitSignIn(t, env.Client(), page, "alice@example.com", webtest.DemoPassword)
		assert.NotEqual(t, env.URL+"/", page.Request.URL.String(), "a suspended person cannot sign in")
		page.Body.Close()

		adminClickAction(t, env, ada, alice, "unsuspend", nil)
		assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(alice))
		ca = env.SignInAs(t, "alice@example.com")
		res, _ = get(t, env, ca, "/profile", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode)

		var actions []string
		for _, e := range auditFor(t, env, alice) {
			actions = append(actions, e.Action+":"+e.Result)
		}
		assert.Equal(t, []string{"unsuspend:success", "suspend:success"}, actions, "newest first, one entry each")
	})
}

// replayedAssertion: every assertion Gatehouse sent was new (a unique jti, including the
// retries of the DPoP handshakes), Okta never had to refuse one as reused, and one sent again
// is refused.
func replayedAssertion(t *testing.T, env *webtest.Env) {
	sent := env.ServiceAssertions()
	require.NotEmpty(t, sent, "the journeys fetched tokens")
	jtis := map[string]bool{}
	for _, a := range sent {
		parts := strings.Split(a, ".")
		require.Len(t, parts, 3)
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		var c struct {
			Jti string `json:"jti"`
		}
		require.NoError(t, json.Unmarshal(raw, &c))
		assert.False(t, jtis[c.Jti], "jti %s sent twice", c.Jti)
		jtis[c.Jti] = true
	}
	assert.Zero(t, env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Op == "token" && r.Status == http.StatusUnauthorized }),
		"Okta refused none of Gatehouse's assertions")

	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"okta.users.read"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {sent[len(sent)-1]}}
	res, err := http.PostForm(env.Okta.URL()+"/oauth2/v1/token", form)
	require.NoError(t, err)
	defer res.Body.Close()
	var oe struct {
		Error string `json:"error"`
		Desc  string `json:"error_description"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&oe))
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Equal(t, "invalid_client", oe.Error)
	assert.Equal(t, "The client_assertion token has already been used.", oe.Desc)
}

// missingScope: Okta's admin granted the service app only read scopes. People can still sign
// in and look; an unlock gets a clear page and log line naming okta.users.manage, and the
// log said so as soon as the first token came.
func missingScope(t *testing.T, cred webtest.Credential) {
	var logs webtest.LogBuffer
	env := webtest.New(t, webtest.Options{Credential: cred, Logger: logs.Logger(),
		ServiceScopes: []string{"okta.users.read", "okta.groups.read"}})
	ada := env.SignInAs(t, "ada@example.com")
	id := adminTestUser(t, env.Okta, oktatest.StatusLockedOut)
	res, _ := get(t, env, ada, personPath(id), nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "reading needs only okta.users.read")

	res, body := post(t, env, ada, personPath(id)+"/unlock", actionForm("unlock"), nil)
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
	doc := parseHTML(t, body)
	page := doc.Find("[data-testid=error-page]").Text()
	assert.Contains(t, page, "Gatehouse lacks a permission in Okta")
	assert.Contains(t, page, "okta.users.manage", "the page names the scope")
	assert.Equal(t, oktatest.StatusLockedOut, env.Okta.UserStatus(id), "nothing changed")

	log := logs.String()
	assert.Contains(t, log, "the access token lacks the scope okta.users.manage", "the request's log line names it")
	assert.Contains(t, log, `"missing_scopes":["okta.users.manage","okta.groups.manage","okta.roles.read","okta.policies.read","okta.schemas.read"]`,
		"the first token's log line lists every scope Okta did not grant")
}

// TestServiceAppRefusedIsAClearPage: when Okta stops accepting Gatehouse's service app (here
// its key was replaced in Okta), pages say so in words and the log has Okta's reason.
func TestServiceAppRefusedIsAClearPage(t *testing.T) {
	t.Parallel()
	var logs webtest.LogBuffer
	env := webtest.New(t, webtest.Options{Credential: webtest.ServiceAppDPoP, Logger: logs.Logger()})
	ada := env.SignInAs(t, "ada@example.com")
	bob := env.Okta.UserID("bob@example.com")

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	require.NoError(t, env.Okta.AddServiceApp(oktatest.ServiceApp{ClientID: env.ServiceClientID, RequireDPoP: true,
		PublicKeys: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}))
	env.Okta.ExpireServiceTokens(env.ServiceClientID)

	res, body := get(t, env, ada, personPath(bob), nil)
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
	assert.Contains(t, parseHTML(t, body).Find("[data-testid=error-page]").Text(), "Okta refused Gatehouse's own credential")
	assert.NotContains(t, body, "client_assertion", "Okta's words stay in the log")
	assert.Contains(t, logs.String(), "401 invalid_client: The client_assertion signature is invalid.")
}
