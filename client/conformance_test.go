package client_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// confCase is one call whose exchange is validated against Okta's spec.
type confCase struct {
	name string
	// op is the operationId of the spec the call must resolve to.
	op string
	// status is the HTTP status the emulator must answer.
	status int
	run    func(ctx context.Context, env *confEnv) error

	// Exceptions, each with its reason; keep them few and specific.

	// validateAs validates the response against this operationId instead of
	// the one the path resolves to (which stays op), for validateAsWhy.
	validateAs, validateAsWhy string
	// undocumented explains why Okta answers a status the operation does not
	// list; the body is then validated against the spec's Error schema.
	undocumented string
	// tolerate rewrites the response body before validation, for tolerateWhy;
	// the spec must reject the body as sent, or the exception is stale.
	tolerate    func(body []byte) ([]byte, error)
	tolerateWhy string

	// isolated runs the case on an emulator of its own, for cases that change
	// what other cases would see (a forced rate limit, a new group).
	isolated bool
	// identityEngine runs the case on an Identity Engine org of its own.
	identityEngine bool
	// offSpecRequest explains a case whose request the spec rejects: sent on
	// purpose to get Okta's answer to it, or Okta's own documented request that
	// the spec describes wrongly. The spec must reject the request.
	offSpecRequest string
}

// confEnv is what a case's run gets: the emulator and recording clients.
type confEnv struct {
	t   *testing.T
	e   *emulator
	rec *recorder
	hc  *http.Client
	// c is a recording SSWS client without retries.
	c *client.Client
}

// user adds a fresh user in status.
func (env *confEnv) user(status string) string {
	id, _ := env.e.addUser(status)
	return id
}

// selfToken adds a fresh ACTIVE user and returns an access token of theirs
// with scopes, and their id.
func (env *confEnv) selfToken(scopes ...string) (token, id string) {
	id, login := env.e.addUser(oktatest.StatusActive)
	toks, err := env.e.srv.MintTokens(login, scopes...)
	require.NoError(env.t, err)
	return toks.AccessToken, id
}

// self is selfToken as a recording client.
func (env *confEnv) self(scopes ...string) (*client.Client, string) {
	tok, id := env.selfToken(scopes...)
	return env.c.WithBearer(tok), id
}

// serviceApp returns a recording client that authenticates as a new service app granted
// scopes (and asking for exactly those). Its token requests go through an unrecorded client,
// so the case still records one API exchange.
func (env *confEnv) serviceApp(scopes []string, requireDPoP bool) *client.Client {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(env.t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(env.t, err)
	id := fmt.Sprintf("0oaconformance%d", env.e.seq.Add(1))
	require.NoError(env.t, env.e.srv.AddServiceApp(oktatest.ServiceApp{ClientID: id, Scopes: scopes, RequireDPoP: requireDPoP,
		PublicKeys: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}))
	app, err := client.NewServiceApp(client.ServiceAppConfig{OrgURL: env.e.srv.URL(), ClientID: id, Key: key, Scopes: scopes, Now: env.e.clock.Now})
	require.NoError(env.t, err)
	c, err := client.NewWithCredential(env.e.srv.URL(), app, client.WithHTTPClient(env.hc), client.WithMaxRetryWait(0),
		client.WithBreaker(0, 0), client.WithClock(env.e.clock.Now, nil))
	require.NoError(env.t, err)
	return c
}

// badToken returns a recording client whose SSWS token the org does not know.
func (env *confEnv) badToken() *client.Client {
	c, err := client.New(env.e.srv.URL(), "00not-the-org-token", client.WithHTTPClient(env.hc),
		client.WithMaxRetryWait(0), client.WithBreaker(0, 0))
	require.NoError(env.t, err)
	return c
}

// rateLimit makes every call under pathPrefix answer 429 for a minute of the
// fake clock. Cases that use it get an emulator of their own.
func (env *confEnv) rateLimit(pathPrefix string) { env.e.srv.ForceRateLimit(pathPrefix, time.Minute) }

// raw sends a request the client has no method for, through the recorder.
func (env *confEnv) raw(ctx context.Context, method, path, authz string, body any) error {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode body: %w", err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, env.e.srv.URL()+path, rd)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authz)
	res, err := env.hc.Do(req)
	if err != nil {
		return fmt.Errorf("send request: %w", err)
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d", method, path, res.StatusCode)
	}
	return nil
}

func (env *confEnv) ssws() string { return "SSWS " + env.e.srv.APIToken() }

// conformanceOps are the operations of USERS-API.md §2 as Okta's spec names
// them, plus listGroups (GET /api/v1/groups) and the current-spec twin of the
// legacy temp-password form. The client sets a recovery question with the
// partial update (updateUser, POST) as §4.5 recommends; the seed's PUT
// (replaceUser) is exercised with raw HTTP.
func conformanceOps() []string {
	return []string{
		"listUsers", "createUser", "getUser", "updateUser", "replaceUser", "listAppLinks",
		"changePassword", "changeRecoveryQuestion", "forgotPassword", "listUserGroups",
		"activateUser", "deactivateUser", "expirePassword", "expirePasswordWithTempPassword",
		"resetFactors", "resetPassword", "suspendUser", "unlockUser", "unsuspendUser",
		"revokeUserSessions", "listGroups",
		// Password policies (issue 13) and the MyAccount API's rules.
		"listPolicies", "createPolicy", "getPolicy", "replacePolicy", "deletePolicy",
		"activatePolicy", "deactivatePolicy", "listPolicyRules", "createPolicyRule", "deletePolicyRule",
		"getPasswordRequirements",
		// Admin role assignments (roleCases): the protected-account check reads
		// them; the rest lets any Okta client drive the emulator's roles.
		"listAssignedRolesForUser", "assignRoleToUser", "getUserAssignedRole", "unassignRoleFromUser",
		"listGroupAssignedRoles", "unassignRoleFromGroup",
		// Profiles, factors, group membership and reactivation (profileCases, issues 18-20).
		"getUserSchema", "updateUserProfile", "listFactors", "enrollFactor", "getFactor",
		"activateFactor", "unenrollFactor", "assignUserToGroup", "unassignUserFromGroup", "reactivateUser",
	}
}

// TestConformance drives every operation through the client (or raw HTTP) to
// each status Okta's published spec documents for it, plus the real answers
// the spec leaves out, and validates request, status, declared headers and
// JSON body against management-oneOfInheritance.yaml with kin-openapi.
func TestConformance(t *testing.T) {
	requireOktaSpec(t)
	cases := conformanceCases()

	t.Run("every documented status is produced", func(t *testing.T) {
		for _, id := range conformanceOps() {
			route, err := specRouteByIDIn(t, id)
			require.NoError(t, err)
			for code := range route.Operation.Responses.Map() {
				status, err := strconv.Atoi(code)
				require.NoError(t, err, "%s documents response %q", id, code)
				covered := slices.ContainsFunc(cases, func(c confCase) bool { return c.op == id && c.status == status })
				assert.True(t, covered, "no case produces %d for %s", status, id)
			}
		}
		for _, c := range cases {
			assert.Contains(t, conformanceOps(), c.op, "case %q", c.name)
		}
	})

	shared := newEmulator(t, emuConfig{})
	for _, tc := range cases {
		t.Run(tc.op+"/"+strconv.Itoa(tc.status)+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			e := shared
			switch {
			case tc.identityEngine:
				e = newEmulator(t, emuConfig{identityEngine: true})
			case tc.isolated || tc.status == http.StatusTooManyRequests:
				// A forced rate limit covers a path prefix; keep it away from the other cases.
				e = newEmulator(t, emuConfig{})
			}
			rec := &recorder{base: http.DefaultTransport}
			hc := &http.Client{Transport: rec, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			env := &confEnv{t: t, e: e, rec: rec, hc: hc}
			env.c = e.newClient(t, client.WithHTTPClient(hc), client.WithMaxRetryWait(0))

			err := tc.run(t.Context(), env)
			exs := rec.exchanges()
			require.Len(t, exs, 1, "the case makes exactly one call (err: %v)", err)
			ex := exs[0]
			require.Equal(t, tc.status, ex.status, "status; body: %s", ex.body)
			if tc.status < 300 {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
			checkOktaHeaders(t, ex)
			validateExchange(t, tc, ex)
		})
	}
}

// checkOktaHeaders checks what USERS-API.md §1 and §8 promise on every
// response; Okta's spec declares none of these headers.
func checkOktaHeaders(t *testing.T, ex exchange) {
	t.Helper()
	assert.NotEmpty(t, ex.header.Get("X-Okta-Request-Id"), "X-Okta-Request-Id")
	_, err := http.ParseTime(ex.header.Get("Date"))
	assert.NoError(t, err, "Date")
	rl, err := client.ParseRateLimit(ex.header)
	require.NoError(t, err)
	assert.True(t, rl.Known, "X-Rate-Limit-Limit, -Remaining and -Reset")
	if ex.status == http.StatusTooManyRequests {
		assert.Zero(t, rl.Remaining, "a 429 has X-Rate-Limit-Remaining 0")
	}
	if ex.status == http.StatusNoContent {
		assert.Empty(t, ex.body)
		assert.Empty(t, ex.header.Get("Content-Type"), "204 has no content type")
		return
	}
	want := "application/json;charset=UTF-8"
	if u, err := url.Parse(ex.url); err == nil && strings.HasPrefix(u.Path, "/idp/myaccount") && ex.status != http.StatusNotAcceptable {
		// The MyAccount API answers in its versioned media type (its spec).
		want = "application/json;okta-version=1.0.0"
	}
	assert.Equal(t, want, ex.header.Get("Content-Type"))
}

// validateExchange validates one exchange against the spec, applying the
// case's exceptions.
func validateExchange(t *testing.T, tc confCase, ex exchange) {
	t.Helper()
	ctx := t.Context()
	req, err := ex.httpRequest(ctx)
	require.NoError(t, err)
	doc := specFor(t, req.URL.Path)
	route, params, err := specRoute(doc, ex.method, req.URL.Path)
	require.NoError(t, err)
	require.Equal(t, tc.op, route.Operation.OperationID, "%s %s resolves to the intended operation", ex.method, req.URL.Path)

	if tc.offSpecRequest != "" {
		assert.Error(t, validateRequest(ctx, route, params, ex), "stale exception: the spec accepts the request (%s)", tc.offSpecRequest)
	} else {
		assert.NoError(t, validateRequest(ctx, route, params, ex), "the client's request conforms; body: %s", ex.reqBody)
	}
	if tc.validateAs != "" {
		require.NotEmpty(t, tc.validateAsWhy, "an exception needs its reason")
		route, err = specRouteByIDIn(t, tc.validateAs)
		require.NoError(t, err)
	}
	if tc.undocumented != "" {
		require.False(t, documents(route, ex.status), "stale exception: %s now documents %d", route.Operation.OperationID, ex.status)
		assert.NoError(t, validateAgainstSchema(doc, "Error", ex.body), "body: %s", ex.body)
		return
	}
	if tc.tolerate != nil {
		require.NotEmpty(t, tc.tolerateWhy, "an exception needs its reason")
		body, err := tc.tolerate(ex.body)
		require.NoError(t, err)
		require.Error(t, validateResponse(ctx, route, params, ex), "stale exception: the spec accepts the body as is")
		ex.body = body
	}
	assert.NoError(t, validateResponse(ctx, route, params, ex), "body: %s", ex.body)
}

// TestConformanceCatchesDrift proves the validation is not vacuous: a real
// getUser exchange passes, and each kind of drift from the spec fails.
func TestConformanceCatchesDrift(t *testing.T) {
	doc := requireOktaSpec(t)
	e := newEmulator(t, emuConfig{})
	rec := &recorder{base: http.DefaultTransport}
	c := e.newClient(t, client.WithHTTPClient(&http.Client{Transport: rec}))
	_, err := c.GetUser(t.Context(), e.srv.UserID("alice@example.com"))
	require.NoError(t, err)
	exs := rec.exchanges()
	require.Len(t, exs, 1)
	good := exs[0]
	req, err := good.httpRequest(t.Context())
	require.NoError(t, err)
	route, params, err := specRoute(doc, good.method, req.URL.Path)
	require.NoError(t, err)
	require.Equal(t, "getUser", route.Operation.OperationID)
	require.NoError(t, validateResponse(t.Context(), route, params, good), "the real answer conforms")

	replace := func(old, new string) func(ex *exchange) {
		return func(ex *exchange) {
			require.Contains(t, string(ex.body), old)
			ex.body = bytes.Replace(ex.body, []byte(old), []byte(new), 1)
		}
	}
	tests := []struct {
		name   string
		mutate func(ex *exchange)
	}{
		{name: "unknown status value", mutate: replace(`"status":"ACTIVE"`, `"status":"ASLEEP"`)},
		{name: "timestamp not in date-time format", mutate: replace(`"created":"`, `"created":"yesterday`)},
		{name: "link without href", mutate: replace(`"self":{"href":`, `"self":{"hrefx":`)},
		{name: "non-nullable attribute sent as null", mutate: replace(`"department":"Engineering"`, `"department":null`)},
		{name: "status the operation does not document", mutate: func(ex *exchange) { ex.status = http.StatusInternalServerError }},
		{name: "content type the operation does not produce", mutate: func(ex *exchange) {
			ex.header = ex.header.Clone()
			ex.header.Set("Content-Type", "text/html")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := good
			ex.body = bytes.Clone(good.body)
			tt.mutate(&ex)
			assert.Error(t, validateResponse(t.Context(), route, params, ex))
		})
	}

	t.Run("request without a required parameter", func(t *testing.T) {
		id := e.srv.UserID("alice@example.com")
		route, params, err := specRoute(doc, http.MethodPost, "/api/v1/users/"+id+"/lifecycle/reset_password")
		require.NoError(t, err)
		ex := exchange{method: http.MethodPost, url: e.srv.URL() + "/api/v1/users/" + id + "/lifecycle/reset_password",
			reqHdr: http.Header{"Accept": {"application/json"}}}
		assert.Error(t, validateRequest(t.Context(), route, params, ex), "sendEmail is required (USERS-API.md §10.4)")
		ex.url += "?sendEmail=false"
		assert.NoError(t, validateRequest(t.Context(), route, params, ex))
	})
}
