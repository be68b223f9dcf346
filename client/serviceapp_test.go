package client_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// The service-app credential against the emulator: private_key_jwt, the cached token and its
// single refresh, DPoP with both nonce handshakes, a token Okta rejects mid-run, and a scope
// the token lacks.

const svcID = "0oagatehouse"

// svcEnv is an emulator on a fake clock with one service app, and a client using it.
type svcEnv struct {
	*emulator
	key      crypto.Signer
	app      *client.ServiceApp
	c        *client.Client
	rec      *recorder
	tokens   []client.TokenInfo
	observed []client.CallInfo // token requests seen by the observer
	mu       sync.Mutex
}

type svcOpts struct {
	requireDPoP bool
	granted     []string // nil: every scope
	mode        client.DPoPMode
	scopes      []string // asked for; nil: DefaultScopes
	key         crypto.Signer
	kid         string
}

func newSvcEnv(t *testing.T, o svcOpts) *svcEnv {
	t.Helper()
	e := &svcEnv{emulator: newEmulator(t, emuConfig{}), key: o.key}
	if e.key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		e.key = k
	}
	der, err := x509.MarshalPKIXPublicKey(e.key.Public())
	require.NoError(t, err)
	keys := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if o.kid != "" {
		keys, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: e.key.Public(), KeyID: o.kid}}})
		require.NoError(t, err)
	}
	require.NoError(t, e.srv.AddServiceApp(oktatest.ServiceApp{ClientID: svcID, PublicKeys: keys, Scopes: o.granted, RequireDPoP: o.requireDPoP}))
	e.rec = &recorder{base: http.DefaultTransport}
	hc := &http.Client{Transport: e.rec}
	e.app, err = client.NewServiceApp(client.ServiceAppConfig{OrgURL: e.srv.URL(), ClientID: svcID, Key: e.key, KeyID: o.kid,
		Scopes: o.scopes, DPoP: o.mode, HTTPClient: hc, Now: e.clock.Now,
		OnToken: func(ti client.TokenInfo) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.tokens = append(e.tokens, ti)
		},
		Observer: func(ci client.CallInfo) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.observed = append(e.observed, ci)
		}})
	require.NoError(t, err)
	sleep := func(ctx context.Context, d time.Duration) error { e.clock.Advance(d); return ctx.Err() }
	e.c, err = client.NewWithCredential(e.srv.URL(), e.app, client.WithHTTPClient(hc),
		client.WithClock(e.clock.Now, sleep), client.WithBreaker(0, 0))
	require.NoError(t, err)
	return e
}

// calls returns the recorded exchanges to path (without query).
func (e *svcEnv) calls(path string) []exchange {
	var out []exchange
	for _, ex := range e.rec.exchanges() {
		u, _ := url.Parse(ex.url)
		if u.Path == path {
			out = append(out, ex)
		}
	}
	return out
}

func (e *svcEnv) tokenInfos() []client.TokenInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]client.TokenInfo(nil), e.tokens...)
}

// jwtParts decodes a compact JWT's header and claims without verifying it.
func jwtParts(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, dst))
	}
	return header, claims
}

func TestServiceAppBearerToken(t *testing.T) {
	e := newSvcEnv(t, svcOpts{kid: "gh-1"})
	bob := e.srv.UserID("bob@example.com")
	for range 3 {
		_, err := e.c.GetUser(t.Context(), bob)
		require.NoError(t, err)
	}
	tokenCalls := e.calls("/oauth2/v1/token")
	require.Len(t, tokenCalls, 1, "one token for three calls")
	assert.Equal(t, 1, e.srv.ServiceTokensIssued(svcID))

	// The assertion, checked independently: signed by the registered key, RFC 7523 claims.
	form, err := url.ParseQuery(string(tokenCalls[0].reqBody))
	require.NoError(t, err)
	assert.Equal(t, "client_credentials", form.Get("grant_type"))
	assert.Equal(t, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form.Get("client_assertion_type"))
	assert.Equal(t, strings.Join(client.DefaultScopes(), " "), form.Get("scope"))
	assert.Empty(t, tokenCalls[0].reqHdr.Get("DPoP"), "auto mode starts without DPoP")
	jws, err := jose.ParseSignedCompact(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.ES256})
	require.NoError(t, err)
	payload, err := jws.Verify(e.key.Public())
	require.NoError(t, err, "signed with the configured key")
	assert.Equal(t, "gh-1", jws.Signatures[0].Header.KeyID)
	var c struct {
		Iss, Sub, Aud, Jti string
		Iat, Exp           int64
	}
	require.NoError(t, json.Unmarshal(payload, &c))
	assert.Equal(t, svcID, c.Iss)
	assert.Equal(t, svcID, c.Sub)
	assert.Equal(t, e.srv.URL()+"/oauth2/v1/token", c.Aud)
	assert.Equal(t, e.clock.Now().Unix(), c.Iat)
	assert.Equal(t, int64(300), c.Exp-c.Iat, "at most five minutes")
	assert.Len(t, c.Jti, 22, "128 random bits")

	api := e.calls("/api/v1/users/" + bob)
	require.Len(t, api, 3)
	assert.True(t, strings.HasPrefix(api[0].reqHdr.Get("Authorization"), "Bearer "))
	assert.Empty(t, api[0].reqHdr.Get("DPoP"))
	infos := e.tokenInfos()
	require.Len(t, infos, 1)
	assert.Equal(t, "Bearer", infos[0].Type)
	assert.Empty(t, infos[0].Missing)
	assert.Equal(t, e.clock.Now().Add(time.Hour), infos[0].Expires)
}

// TestServiceAppOneRefreshForConcurrentCallers: as many calls as the default in-flight cap
// admits at once (client.DefaultMaxInFlight, 20), racing on a cold cache, and again when the
// token is due for refresh, cause one token request each time.
func TestServiceAppOneRefreshForConcurrentCallers(t *testing.T) {
	e := newSvcEnv(t, svcOpts{requireDPoP: true})
	bob := e.srv.UserID("bob@example.com")
	race := func() {
		var wg sync.WaitGroup
		errs := make(chan error, client.DefaultMaxInFlight)
		for range client.DefaultMaxInFlight {
			wg.Go(func() {
				_, err := e.c.GetUser(t.Context(), bob)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
	race()
	assert.Equal(t, 1, e.srv.ServiceTokensIssued(svcID))
	assert.Len(t, e.calls("/oauth2/v1/token"), 3, "one refresh: without DPoP, asked for DPoP, asked for the nonce")

	e.clock.Advance(59*time.Minute + 30*time.Second) // inside the last minute: refresh first
	race()
	assert.Equal(t, 2, e.srv.ServiceTokensIssued(svcID), "one more token for all the callers")
	assert.Len(t, e.calls("/oauth2/v1/token"), 4, "the second refresh reuses DPoP and the nonce")
}

func TestServiceAppDPoP(t *testing.T) {
	e := newSvcEnv(t, svcOpts{requireDPoP: true})
	bob := e.srv.UserID("bob@example.com")
	_, err := e.c.FindUsers(t.Context(), "bob", 5)
	require.NoError(t, err)

	tokenCalls := e.calls("/oauth2/v1/token")
	require.Len(t, tokenCalls, 3)
	assert.Equal(t, 400, tokenCalls[0].status, "Okta says the app requires DPoP")
	assert.Contains(t, string(tokenCalls[0].body), "invalid_dpop_proof")
	assert.Equal(t, 400, tokenCalls[1].status, "then asks for its nonce")
	assert.Contains(t, string(tokenCalls[1].body), "use_dpop_nonce")
	assert.Equal(t, 200, tokenCalls[2].status)
	jtis := map[string]bool{}
	for i, call := range tokenCalls {
		form, _ := url.ParseQuery(string(call.reqBody))
		_, claims := jwtParts(t, form.Get("client_assertion"))
		jtis[claims["jti"].(string)] = true
		if i == 0 {
			continue
		}
		h, p := jwtParts(t, call.reqHdr.Get("DPoP"))
		assert.Equal(t, "dpop+jwt", h["typ"])
		assert.Equal(t, "ES256", h["alg"])
		assert.Equal(t, "POST", p["htm"])
		assert.Equal(t, e.srv.URL()+"/oauth2/v1/token", p["htu"])
		assert.Nil(t, p["ath"], "no access token at the token endpoint")
		if i == 2 {
			assert.Equal(t, tokenCalls[1].header.Get("DPoP-Nonce"), p["nonce"])
		}
	}
	assert.Len(t, jtis, 3, "a fresh assertion for every attempt: Okta spends one even on a nonce challenge")
	e.mu.Lock()
	var observed []string
	for _, ci := range e.observed {
		observed = append(observed, fmt.Sprintf("%s %s %d #%d err=%v", ci.Op, ci.Method, ci.Status, ci.Attempt, ci.Err != nil))
	}
	e.mu.Unlock()
	assert.Equal(t, []string{"getServiceToken POST 400 #1 err=false", "getServiceToken POST 400 #2 err=false", "getServiceToken POST 200 #3 err=false"},
		observed, "token requests are observed for metrics; the handshake's answers are not failures")

	// Resource calls: DPoP scheme, a fresh proof with ath, htu without the query.
	for range 2 {
		_, err = e.c.GetUser(t.Context(), bob)
		require.NoError(t, err)
	}
	find := e.calls("/api/v1/users")
	require.Len(t, find, 1)
	authz := find[0].reqHdr.Get("Authorization")
	require.True(t, strings.HasPrefix(authz, "DPoP "), authz)
	token := strings.TrimPrefix(authz, "DPoP ")
	_, p := jwtParts(t, find[0].reqHdr.Get("DPoP"))
	assert.Equal(t, "GET", p["htm"])
	assert.Equal(t, e.srv.URL()+"/api/v1/users", p["htu"], "no query in htu")
	sum := sha256.Sum256([]byte(token))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), p["ath"])
	gets := e.calls("/api/v1/users/" + bob)
	require.Len(t, gets, 2)
	assert.NotEqual(t, gets[0].reqHdr.Get("DPoP"), gets[1].reqHdr.Get("DPoP"), "a fresh proof per request")
	assert.Equal(t, "DPoP", e.tokenInfos()[0].Type)
}

func TestServiceAppDPoPModes(t *testing.T) {
	t.Run("on: DPoP from the first request", func(t *testing.T) {
		e := newSvcEnv(t, svcOpts{mode: client.DPoPOn})
		_, err := e.c.GetUser(t.Context(), e.srv.UserID("bob@example.com"))
		require.NoError(t, err)
		calls := e.calls("/oauth2/v1/token")
		require.Len(t, calls, 2, "nonce challenge, then the token")
		assert.NotEmpty(t, calls[0].reqHdr.Get("DPoP"))
	})
	t.Run("off: an app that requires DPoP is a clear error", func(t *testing.T) {
		e := newSvcEnv(t, svcOpts{mode: client.DPoPOff, requireDPoP: true})
		_, err := e.c.GetUser(t.Context(), e.srv.UserID("bob@example.com"))
		require.Error(t, err)
		assert.ErrorIs(t, err, client.ErrServiceCredential)
		assert.NotErrorIs(t, err, client.ErrUnauthorized)
		var te *client.TokenError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "invalid_dpop_proof", te.Code)
		assert.Contains(t, err.Error(), "The DPoP proof JWT header is missing.")
	})
}

// TestServiceAppTokenRejectedMidRun: Okta refuses the cached token (revoked, or expired before
// the time it announced); the call — a mutation too — is resent once with a new token, and
// happens exactly once.
func TestServiceAppTokenRejectedMidRun(t *testing.T) {
	for _, dpop := range []bool{false, true} {
		t.Run(fmt.Sprintf("dpop=%v", dpop), func(t *testing.T) {
			e := newSvcEnv(t, svcOpts{requireDPoP: dpop})
			id, _ := e.addUser(oktatest.StatusLockedOut)
			_, err := e.c.GetUser(t.Context(), id)
			require.NoError(t, err)
			e.srv.ExpireServiceTokens(svcID)

			require.NoError(t, ok(e.c.Unlock(t.Context(), id)))
			assert.Equal(t, oktatest.StatusActive, e.srv.UserStatus(id))
			unlocks := e.calls("/api/v1/users/" + id + "/lifecycle/unlock")
			require.Len(t, unlocks, 2)
			assert.Equal(t, 401, unlocks[0].status)
			assert.Equal(t, 200, unlocks[1].status)
			assert.NotEqual(t, unlocks[0].reqHdr.Get("Authorization"), unlocks[1].reqHdr.Get("Authorization"), "with a new token")
			assert.Equal(t, 2, e.srv.ServiceTokensIssued(svcID))
			assert.Equal(t, 1, e.srv.CountRequests(func(r oktatest.Request) bool { return r.Op == "unlockUser" && r.Status == 200 }), "unlocked once")
		})
	}
	t.Run("a token Okta keeps refusing is not retried forever", func(t *testing.T) {
		e := newSvcEnv(t, svcOpts{})
		bob := e.srv.UserID("bob@example.com")
		e.srv.Inject(oktatest.Fault{Path: "/api/v1/users/" + bob, Status: 401})
		_, err := e.c.GetUser(t.Context(), bob)
		require.ErrorIs(t, err, client.ErrUnauthorized)
		assert.Len(t, e.calls("/api/v1/users/"+bob), 3, "the first try and two resends")
	})
}

func TestServiceAppResourceNonceChallenge(t *testing.T) {
	e := newSvcEnv(t, svcOpts{requireDPoP: true})
	bob := e.srv.UserID("bob@example.com")
	_, err := e.c.GetUser(t.Context(), bob)
	require.NoError(t, err)
	e.srv.RequireDPoPNonceForAPI(true)

	require.NoError(t, ok(e.c.Suspend(t.Context(), e.srv.UserID("alice@example.com"))), "a mutation answers the challenge too")
	calls := e.calls("/api/v1/users/" + e.srv.UserID("alice@example.com") + "/lifecycle/suspend")
	require.Len(t, calls, 2)
	assert.Equal(t, 401, calls[0].status)
	assert.Contains(t, calls[0].header.Get("WWW-Authenticate"), "use_dpop_nonce")
	_, p := jwtParts(t, calls[1].reqHdr.Get("DPoP"))
	assert.Equal(t, calls[0].header.Get("DPoP-Nonce"), p["nonce"])
	assert.Equal(t, oktatest.StatusSuspended, e.srv.UserStatus(e.srv.UserID("alice@example.com")))

	_, err = e.c.GetUser(t.Context(), bob)
	require.NoError(t, err)
	assert.Len(t, e.calls("/api/v1/users/"+bob), 2, "the nonce is remembered: no second challenge")
	assert.Equal(t, 1, e.srv.ServiceTokensIssued(svcID), "a nonce challenge keeps the token")

	e.srv.RotateDPoPNonce()
	_, err = e.c.GetUser(t.Context(), bob)
	require.NoError(t, err, "a rotated nonce is learnt again")
	assert.Len(t, e.calls("/api/v1/users/"+bob), 4)
}

func TestServiceAppMissingScope(t *testing.T) {
	e := newSvcEnv(t, svcOpts{granted: []string{"okta.users.read", "okta.groups.read"}})
	bob := e.srv.UserID("bob@example.com")
	_, err := e.c.GetUser(t.Context(), bob)
	require.NoError(t, err)
	infos := e.tokenInfos()
	require.Len(t, infos, 1)
	assert.Equal(t, []string{"okta.users.read", "okta.groups.read"}, infos[0].Scopes)
	assert.Equal(t, []string{"okta.users.manage", "okta.groups.manage", "okta.roles.read", "okta.policies.read", "okta.schemas.read"}, infos[0].Missing)

	err = ok(e.c.Unlock(t.Context(), bob))
	require.Error(t, err)
	assert.ErrorIs(t, err, client.ErrMissingScope)
	assert.ErrorIs(t, err, client.ErrForbidden)
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "E0000006", ce.Code)
	assert.Equal(t, "insufficient_scope", ce.AuthError)
	assert.Equal(t, "okta.users.manage", ce.Scope)
	assert.Contains(t, err.Error(), "the access token lacks the scope okta.users.manage")
	assert.Len(t, e.calls("/api/v1/users/"+bob+"/lifecycle/unlock"), 1, "a missing scope is not retried")
	assert.Equal(t, oktatest.StatusLockedOut, e.srv.UserStatus(bob))
}

func TestServiceAppRefused(t *testing.T) {
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tests := []struct {
		name   string
		edit   func(cfg *client.ServiceAppConfig)
		fault  *oktatest.Fault
		is     error
		isNot  error
		status int
		code   string
	}{
		{name: "unknown client id", edit: func(c *client.ServiceAppConfig) { c.ClientID = "0oanobody" },
			is: client.ErrServiceCredential, isNot: client.ErrUnavailable, status: 401, code: "invalid_client"},
		{name: "key not registered", edit: func(c *client.ServiceAppConfig) { c.Key = other },
			is: client.ErrServiceCredential, isNot: client.ErrUnavailable, status: 401, code: "invalid_client"},
		{name: "no scope granted", edit: func(c *client.ServiceAppConfig) { c.Scopes = []string{"okta.apps.read"} },
			is: client.ErrServiceCredential, status: 400, code: "consent_required"},
		{name: "token endpoint down", fault: &oktatest.Fault{Path: "/oauth2/v1/token", Status: 503},
			is: client.ErrUnavailable, isNot: client.ErrServiceCredential, status: 503},
		{name: "token endpoint rate limited", fault: &oktatest.Fault{Path: "/oauth2/v1/token", Status: 429},
			is: client.ErrRateLimited, isNot: client.ErrServiceCredential, status: 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSvcEnv(t, svcOpts{granted: []string{"okta.users.read"}})
			cfg := client.ServiceAppConfig{OrgURL: e.srv.URL(), ClientID: svcID, Key: e.key, Now: e.clock.Now}
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			if tt.fault != nil {
				e.srv.Inject(*tt.fault)
			}
			app, err := client.NewServiceApp(cfg)
			require.NoError(t, err)
			c, err := client.NewWithCredential(e.srv.URL(), app, client.WithBreaker(0, 0))
			require.NoError(t, err)
			_, err = c.GetUser(t.Context(), e.srv.UserID("bob@example.com"))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.is)
			if tt.isNot != nil {
				assert.NotErrorIs(t, err, tt.isNot)
			}
			var te *client.TokenError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.status, te.StatusCode)
			assert.Equal(t, tt.code, te.Code)
			assert.Contains(t, err.Error(), "getUser", "the error names the operation")
			assert.Zero(t, e.srv.CountRequests(func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/") }), "no API call without a token")

			_, err2 := c.GetUser(t.Context(), e.srv.UserID("bob@example.com"))
			require.Error(t, err2)
			tokenCalls := e.srv.CountRequests(func(r oktatest.Request) bool { return r.Op == "token" })
			if errors.Is(err, client.ErrServiceCredential) {
				assert.Equal(t, 1, tokenCalls, "a refusal is remembered for a few seconds, not asked again at once")
			} else {
				assert.Equal(t, 2, tokenCalls, "an outage is asked again")
			}
		})
	}
}

func TestServiceAppRSAKeyAndContextCancel(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	e := newSvcEnv(t, svcOpts{key: k})
	_, err = e.c.GetUser(t.Context(), e.srv.UserID("bob@example.com"))
	require.NoError(t, err)
	form, _ := url.ParseQuery(string(e.calls("/oauth2/v1/token")[0].reqBody))
	h, _ := jwtParts(t, form.Get("client_assertion"))
	assert.Equal(t, "RS256", h["alg"])
	assert.Nil(t, h["kid"], "no kid unless configured: Okta then tries each key")

	// A caller whose context ends stops waiting; the token is still fetched for the others.
	e.srv.ExpireServiceTokens(svcID)
	e.clock.Advance(2 * time.Hour)
	e.srv.Inject(oktatest.Fault{Path: "/oauth2/v1/token", Delay: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err = e.app.Token(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestParsePrivateKey(t *testing.T) {
	rsaK, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	ecK, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	_, edK, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	p8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	sec1, err := x509.MarshalECPrivateKey(ecK)
	require.NoError(t, err)
	pub, err := x509.MarshalPKIXPublicKey(&rsaK.PublicKey)
	require.NoError(t, err)
	tests := []struct {
		name string
		pem  []byte
		want string // error text; "" for success
		alg  string
	}{
		{name: "PKCS#8 RSA", pem: p8(rsaK), alg: "RS256"},
		{name: "PKCS#1 RSA", pem: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaK)}), alg: "RS256"},
		{name: "PKCS#8 EC", pem: p8(ecK), alg: "ES384"},
		{name: "SEC 1 EC after the EC PARAMETERS block openssl writes", pem: append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 5, 43, 129, 4, 0, 34}}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...), alg: "ES384"},
		{name: "RSA under 2048 bits", pem: p8(small), want: "at least 2048"},
		{name: "Ed25519", pem: p8(edK), want: "RSA or EC"},
		{name: "encrypted", pem: pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), want: "encrypted"},
		{name: "the public key", pem: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), want: "not a private key"},
		{name: "not PEM", pem: []byte("hello"), want: "no PEM private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := client.ParsePrivateKey(tt.pem)
			if tt.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.want)
				return
			}
			require.NoError(t, err)
			app, err := client.NewServiceApp(client.ServiceAppConfig{OrgURL: "https://acme.okta.com", ClientID: "x", Key: k})
			require.NoError(t, err)
			assert.Contains(t, app.String(), tt.alg)
		})
	}
}

func TestServiceAppConfigErrors(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tests := []struct {
		name string
		cfg  client.ServiceAppConfig
		want string
	}{
		{name: "no client id", cfg: client.ServiceAppConfig{OrgURL: "https://acme.okta.com", Key: k}, want: "client id is empty"},
		{name: "no key", cfg: client.ServiceAppConfig{OrgURL: "https://acme.okta.com", ClientID: "x"}, want: "no private key"},
		{name: "plain http", cfg: client.ServiceAppConfig{OrgURL: "http://acme.okta.com", ClientID: "x", Key: k}, want: "plain http"},
		{name: "bad scope", cfg: client.ServiceAppConfig{OrgURL: "https://acme.okta.com", ClientID: "x", Key: k, Scopes: []string{"a b"}}, want: "invalid scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.NewServiceApp(tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	for _, s := range []string{"", "auto", "on", "off", "ON"} {
		_, err := client.ParseDPoPMode(s)
		assert.NoError(t, err, s)
	}
	_, err = client.ParseDPoPMode("sometimes")
	assert.Error(t, err)
}

// TestServiceAppNeverShowsItsSecrets prints the credential and a client using it every way a
// log line might, after a token was fetched.
func TestServiceAppNeverShowsItsSecrets(t *testing.T) {
	e := newSvcEnv(t, svcOpts{requireDPoP: true})
	_, err := e.c.GetUser(t.Context(), e.srv.UserID("bob@example.com"))
	require.NoError(t, err)
	authz := e.calls("/api/v1/users/" + e.srv.UserID("bob@example.com"))[0].reqHdr.Get("Authorization")
	token := strings.TrimPrefix(authz, "DPoP ")
	require.NotEmpty(t, token)
	der, err := x509.MarshalPKCS8PrivateKey(e.key)
	require.NoError(t, err)
	keyB64 := base64.StdEncoding.EncodeToString(der)[:40]
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("x", "app", e.app, "client", e.c)
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v %s", e.app, e.app, e.app, e.app, e.c, e.c, e.c, e.c) + logs.String()
	assert.NotContains(t, out, token)
	assert.NotContains(t, out, keyB64)
	assert.NotContains(t, out, "PrivateKey", "no key struct printed")
	assert.Contains(t, out, svcID)
	assert.Contains(t, out, "OAuth")
	info, err := e.app.Token(t.Context())
	require.NoError(t, err)
	assert.NotContains(t, fmt.Sprintf("%+v", info), token)
}
