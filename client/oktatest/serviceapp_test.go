package oktatest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// These tests drive the emulated service-app flow by hand, with JWTs built by go-jose here,
// independently of the client package's own signer.

const svcClientID = "0oaservice1"

// rsaKey is generated once: RSA key generation is slow under the race detector.
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func publicPEM(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// svcEnv is an emulator with one service app whose private key the test holds.
type svcEnv struct {
	s     *oktatest.Server
	clock *fakeClock
	key   crypto.Signer
	alg   jose.SignatureAlgorithm
	kid   string
}

func newSvcEnv(t *testing.T, app oktatest.ServiceApp, key crypto.Signer, alg jose.SignatureAlgorithm, kid string) *svcEnv {
	t.Helper()
	if app.ClientID == "" {
		app.ClientID = svcClientID
	}
	if app.PublicKeys == nil {
		app.PublicKeys = publicPEM(t, key.Public())
	}
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed(), ServiceApps: []oktatest.ServiceApp{app}})
	return &svcEnv{s: s, clock: clock, key: key, alg: alg, kid: kid}
}

func (e *svcEnv) tokenURL() string { return e.s.URL() + "/oauth2/v1/token" }

// assertion signs client-assertion claims; edit changes them before signing.
func (e *svcEnv) assertion(t *testing.T, edit func(c map[string]any)) string {
	t.Helper()
	now := e.clock.Now()
	c := map[string]any{"iss": svcClientID, "sub": svcClientID, "aud": e.tokenURL(), "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "jti": rand.Text()}
	if edit != nil {
		edit(c)
	}
	return signWith(t, e.key, e.alg, e.kid, nil, c)
}

func signWith(t *testing.T, key crypto.Signer, alg jose.SignatureAlgorithm, kid string, extra map[jose.HeaderKey]any, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{ExtraHeaders: extra}
	sk := jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}
	if kid == "" {
		sk.Key = key
	}
	signer, err := jose.NewSigner(sk, opts)
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	jws, err := signer.Sign(payload)
	require.NoError(t, err)
	out, err := jws.CompactSerialize()
	require.NoError(t, err)
	return out
}

// proof is a DPoP proof made with key for htm and htu; extra claims (nonce, ath) are added.
func proof(t *testing.T, key *ecdsa.PrivateKey, htm, htu string, now time.Time, extra map[string]any) string {
	t.Helper()
	c := map[string]any{"jti": rand.Text(), "htm": htm, "htu": htu, "iat": now.Unix()}
	for k, v := range extra {
		c[k] = v
	}
	return signWith(t, key, jose.ES256, "", map[jose.HeaderKey]any{"typ": "dpop+jwt",
		"jwk": jose.JSONWebKey{Key: &key.PublicKey}}, c)
}

func thumbprint(t *testing.T, key *ecdsa.PrivateKey) string {
	t.Helper()
	b, err := (&jose.JSONWebKey{Key: &key.PublicKey}).Thumbprint(crypto.SHA256)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

func ath(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// tokenRequest posts a client-credentials request; dpop is the DPoP header ("" for none).
func (e *svcEnv) tokenRequest(t *testing.T, form url.Values, dpop string) resp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.tokenURL(), strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{status: res.StatusCode, header: res.Header, body: body}
}

func ccForm(assertion, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion}}
}

// oauthError decodes a token-endpoint error.
func oauthError(t *testing.T, r resp) (code, desc string) {
	t.Helper()
	var e struct {
		Error string `json:"error"`
		Desc  string `json:"error_description"`
	}
	r.json(t, &e)
	return e.Error, e.Desc
}

// api calls the API with an Authorization header and an optional DPoP proof.
func api(t *testing.T, s *oktatest.Server, method, path, authz, dpop string) resp {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", authz)
	req.Header.Set("Accept", "application/json")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{status: res.StatusCode, header: res.Header, body: body}
}

func TestServiceAppAssertions(t *testing.T) {
	ec := ecKey(t)
	other := ecKey(t)
	tests := []struct {
		name     string
		key      crypto.Signer
		alg      jose.SignatureAlgorithm
		kid      string
		keys     func(t *testing.T) []byte // registered keys; nil: the PEM of key
		signWith crypto.Signer             // sign with another key than the registered one
		edit     func(c map[string]any)
		form     func(f url.Values)
		status   int
		code     string
		desc     string
	}{
		{name: "RSA key, PEM registered", key: rsaKey(), alg: jose.RS256, status: http.StatusOK},
		{name: "EC key, JWKS with kid", key: ec, alg: jose.ES256, kid: "k1", keys: func(t *testing.T) []byte {
			b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &other.PublicKey, KeyID: "k0"}, {Key: &ec.PublicKey, KeyID: "k1"}}})
			require.NoError(t, err)
			return b
		}, status: http.StatusOK},
		{name: "audience as an array", key: ec, alg: jose.ES256, edit: func(c map[string]any) { c["aud"] = []string{c["aud"].(string)} }, status: http.StatusOK},
		{name: "signed by an unregistered key", key: ec, alg: jose.ES256, signWith: other, status: 401, code: "invalid_client", desc: "signature is invalid"},
		{name: "kid not registered", key: ec, alg: jose.ES256, kid: "nope", keys: func(t *testing.T) []byte {
			b, err := json.Marshal(jose.JSONWebKey{Key: &ec.PublicKey, KeyID: "k1"})
			require.NoError(t, err)
			return b
		}, status: 401, code: "invalid_client", desc: "kid"},
		{name: "audience is the issuer, not the token endpoint", key: ec, alg: jose.ES256, edit: func(c map[string]any) { c["aud"] = strings.TrimSuffix(c["aud"].(string), "/oauth2/v1/token") }, status: 401, code: "invalid_client", desc: "audience"},
		{name: "subject is not the client id", key: ec, alg: jose.ES256, edit: func(c map[string]any) { c["sub"] = "someone" }, status: 401, code: "invalid_client", desc: "client_id"},
		{name: "expired", key: ec, alg: jose.ES256, edit: func(c map[string]any) { c["exp"] = c["iat"].(int64) - 1 }, status: 401, code: "invalid_client", desc: "The client_assertion token is expired."},
		{name: "expiry more than an hour ahead", key: ec, alg: jose.ES256, edit: func(c map[string]any) { c["exp"] = c["iat"].(int64) + 3601 }, status: 401, code: "invalid_client", desc: "too far into the future"},
		{name: "an hour ahead is fine", key: ec, alg: jose.ES256, edit: func(c map[string]any) { c["exp"] = c["iat"].(int64) + 3600 }, status: http.StatusOK},
		{name: "no expiry", key: ec, alg: jose.ES256, edit: func(c map[string]any) { delete(c, "exp") }, status: 401, code: "invalid_client"},
		{name: "issued in the future", key: ec, alg: jose.ES256, edit: func(c map[string]any) { c["iat"] = c["iat"].(int64) + 60 }, status: 401, code: "invalid_client"},
		{name: "unknown client", key: ec, alg: jose.ES256, edit: func(c map[string]any) { c["iss"], c["sub"] = "0oaother", "0oaother" }, status: 401, code: "invalid_client"},
		{name: "client_id differs from the issuer", key: ec, alg: jose.ES256, form: func(f url.Values) { f.Set("client_id", "0oaother") }, status: 401, code: "invalid_client"},
		{name: "wrong assertion type", key: ec, alg: jose.ES256, form: func(f url.Values) { f.Set("client_assertion_type", "jwt") }, status: 400, code: "invalid_request"},
		{name: "assertion and a secret", key: ec, alg: jose.ES256, form: func(f url.Values) { f.Set("client_secret", "x") }, status: 400, code: "invalid_request", desc: "multiple client credentials"},
		{name: "no scope", key: ec, alg: jose.ES256, form: func(f url.Values) { f.Del("scope") }, status: 400, code: "invalid_scope", desc: "No scopes were requested."},
		{name: "none of the scopes granted", key: ec, alg: jose.ES256, form: func(f url.Values) { f.Set("scope", "okta.apps.manage") }, status: 400, code: "consent_required", desc: "You are not allowed any of the requested scopes."},
		{name: "another grant type", key: ec, alg: jose.ES256, form: func(f url.Values) { f.Set("grant_type", "authorization_code") }, status: 400, code: "unauthorized_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := oktatest.ServiceApp{Scopes: []string{"okta.users.read", "okta.users.manage", "okta.groups.read"}}
			if tt.keys != nil {
				app.PublicKeys = tt.keys(t)
			}
			e := newSvcEnv(t, app, tt.key, tt.alg, tt.kid)
			if tt.signWith != nil {
				e.key = tt.signWith
			}
			form := ccForm(e.assertion(t, tt.edit), "okta.users.read okta.groups.read okta.apps.read")
			if tt.form != nil {
				tt.form(form)
			}
			r := e.tokenRequest(t, form, "")
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.status != http.StatusOK {
				code, desc := oauthError(t, r)
				assert.Equal(t, tt.code, code)
				assert.Contains(t, desc, tt.desc)
				assert.Zero(t, e.s.ServiceTokensIssued(svcClientID))
				return
			}
			var tok struct {
				AccessToken string `json:"access_token"`
				TokenType   string `json:"token_type"`
				ExpiresIn   int    `json:"expires_in"`
				Scope       string `json:"scope"`
			}
			r.json(t, &tok)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.Equal(t, 3600, tok.ExpiresIn, "Okta's service-app tokens live one hour")
			assert.Equal(t, "okta.users.read okta.groups.read", tok.Scope, "granted ∩ requested; okta.apps.read was not granted")
			assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
			jws, err := jose.ParseSignedCompact(tok.AccessToken, []jose.SignatureAlgorithm{jose.RS256})
			require.NoError(t, err)
			var claims map[string]any
			require.NoError(t, json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims))
			assert.Equal(t, svcClientID, claims["cid"])
			assert.Equal(t, svcClientID, claims["sub"])
			assert.Nil(t, claims["uid"], "no user behind a client-credentials token")
			assert.Equal(t, []any{"okta.users.read", "okta.groups.read"}, claims["scp"])
		})
	}
}

// TestServiceAppAssertionReplayRefused: an assertion's jti is single use, also when the first
// request was answered with a DPoP nonce challenge (as Okta does).
func TestServiceAppAssertionReplayRefused(t *testing.T) {
	t.Run("after a success", func(t *testing.T) {
		e := newSvcEnv(t, oktatest.ServiceApp{}, ecKey(t), jose.ES256, "")
		a := e.assertion(t, nil)
		require.Equal(t, http.StatusOK, e.tokenRequest(t, ccForm(a, "okta.users.read"), "").status)
		r := e.tokenRequest(t, ccForm(a, "okta.users.read"), "")
		require.Equal(t, http.StatusUnauthorized, r.status)
		code, desc := oauthError(t, r)
		assert.Equal(t, "invalid_client", code)
		assert.Equal(t, "The client_assertion token has already been used.", desc)
		assert.Equal(t, 1, e.s.ServiceTokensIssued(svcClientID))
	})
	t.Run("after a nonce challenge", func(t *testing.T) {
		e := newSvcEnv(t, oktatest.ServiceApp{RequireDPoP: true}, ecKey(t), jose.ES256, "")
		dk := ecKey(t)
		a := e.assertion(t, nil)
		r := e.tokenRequest(t, ccForm(a, "okta.users.read"), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), nil))
		require.Equal(t, http.StatusBadRequest, r.status)
		nonce := r.header.Get("DPoP-Nonce")
		require.NotEmpty(t, nonce)
		r = e.tokenRequest(t, ccForm(a, "okta.users.read"), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), map[string]any{"nonce": nonce}))
		require.Equal(t, http.StatusUnauthorized, r.status, "the same assertion again")
		_, desc := oauthError(t, r)
		assert.Contains(t, desc, "already been used")
	})
	t.Run("without jti an assertion may be reused until it expires", func(t *testing.T) {
		// Okta: jti is optional; only a jti makes the assertion single use.
		e := newSvcEnv(t, oktatest.ServiceApp{}, ecKey(t), jose.ES256, "")
		a := e.assertion(t, func(c map[string]any) { delete(c, "jti") })
		require.Equal(t, http.StatusOK, e.tokenRequest(t, ccForm(a, "okta.users.read"), "").status)
		require.Equal(t, http.StatusOK, e.tokenRequest(t, ccForm(a, "okta.users.read"), "").status)
	})
}

// dpopToken gets a DPoP-bound token for e's app with proof key dk, through the nonce dance.
func (e *svcEnv) dpopToken(t *testing.T, dk *ecdsa.PrivateKey, scope string) string {
	t.Helper()
	r := e.tokenRequest(t, ccForm(e.assertion(t, nil), scope), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), nil))
	require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	code, desc := oauthError(t, r)
	require.Equal(t, "use_dpop_nonce", code)
	assert.Equal(t, "Authorization server requires nonce in DPoP proof.", desc)
	nonce := r.header.Get("DPoP-Nonce")
	r = e.tokenRequest(t, ccForm(e.assertion(t, nil), scope), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), map[string]any{"nonce": nonce}))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	r.json(t, &tok)
	require.Equal(t, "DPoP", tok.TokenType)
	jws, err := jose.ParseSignedCompact(tok.AccessToken, []jose.SignatureAlgorithm{jose.RS256})
	require.NoError(t, err)
	var claims struct {
		Cnf struct {
			Jkt string `json:"jkt"`
		} `json:"cnf"`
	}
	require.NoError(t, json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims))
	require.Equal(t, thumbprint(t, dk), claims.Cnf.Jkt, "the token is bound to the proof key")
	return tok.AccessToken
}

func TestServiceAppDPoPAtTheTokenEndpoint(t *testing.T) {
	dk := ecKey(t)
	tests := []struct {
		name  string
		proof func(e *svcEnv, nonce string) string
		code  string
		desc  string
	}{
		{name: "no proof although the app requires one", proof: func(*svcEnv, string) string { return "" }, code: "invalid_dpop_proof", desc: "The DPoP proof JWT header is missing."},
		{name: "htu of another endpoint", proof: func(e *svcEnv, n string) string {
			return proof(t, dk, "POST", e.s.URL()+"/oauth2/v1/introspect", e.clock.Now(), map[string]any{"nonce": n})
		}, code: "invalid_dpop_proof", desc: "htu"},
		{name: "htm GET", proof: func(e *svcEnv, n string) string {
			return proof(t, dk, "GET", e.tokenURL(), e.clock.Now(), map[string]any{"nonce": n})
		}, code: "invalid_dpop_proof", desc: "htm"},
		{name: "made ten minutes ago", proof: func(e *svcEnv, n string) string {
			return proof(t, dk, "POST", e.tokenURL(), e.clock.Now().Add(-10*time.Minute), map[string]any{"nonce": n})
		}, code: "invalid_dpop_proof", desc: "iat"},
		{name: "a made-up nonce", proof: func(e *svcEnv, _ string) string {
			return proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), map[string]any{"nonce": "guess"})
		}, code: "use_dpop_nonce"},
		{name: "typ JWT", proof: func(e *svcEnv, n string) string {
			return signWith(t, dk, jose.ES256, "", map[jose.HeaderKey]any{"typ": "JWT", "jwk": jose.JSONWebKey{Key: &dk.PublicKey}},
				map[string]any{"jti": "j", "htm": "POST", "htu": e.tokenURL(), "iat": e.clock.Now().Unix(), "nonce": n})
		}, code: "invalid_dpop_proof", desc: "typ"},
		{name: "the private key in the header", proof: func(e *svcEnv, n string) string {
			return signWith(t, dk, jose.ES256, "", map[jose.HeaderKey]any{"typ": "dpop+jwt", "jwk": jose.JSONWebKey{Key: dk}},
				map[string]any{"jti": "j", "htm": "POST", "htu": e.tokenURL(), "iat": e.clock.Now().Unix(), "nonce": n})
		}, code: "invalid_dpop_proof"}, // go-jose already refuses to parse it
		{name: "signed by another key than the jwk", proof: func(e *svcEnv, n string) string {
			other := ecKey(t)
			return signWith(t, other, jose.ES256, "", map[jose.HeaderKey]any{"typ": "dpop+jwt", "jwk": jose.JSONWebKey{Key: &dk.PublicKey}},
				map[string]any{"jti": "j", "htm": "POST", "htu": e.tokenURL(), "iat": e.clock.Now().Unix(), "nonce": n})
		}, code: "invalid_dpop_proof", desc: "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSvcEnv(t, oktatest.ServiceApp{RequireDPoP: true}, ecKey(t), jose.ES256, "")
			// Learn a valid nonce first.
			r := e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), nil))
			nonce := r.header.Get("DPoP-Nonce")
			require.NotEmpty(t, nonce)
			r = e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), tt.proof(e, nonce))
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			code, desc := oauthError(t, r)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, desc, tt.desc)
			assert.Zero(t, e.s.ServiceTokensIssued(svcClientID))
		})
	}

	t.Run("a proof is single use", func(t *testing.T) {
		e := newSvcEnv(t, oktatest.ServiceApp{RequireDPoP: true}, ecKey(t), jose.ES256, "")
		r := e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), nil))
		p := proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), map[string]any{"nonce": r.header.Get("DPoP-Nonce")})
		require.Equal(t, http.StatusOK, e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), p).status)
		r = e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), p)
		require.Equal(t, http.StatusBadRequest, r.status)
		_, desc := oauthError(t, r)
		assert.Contains(t, desc, "already been used")
	})
	t.Run("nonces live three days and renew daily", func(t *testing.T) {
		e := newSvcEnv(t, oktatest.ServiceApp{RequireDPoP: true}, ecKey(t), jose.ES256, "")
		r := e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), nil))
		first := r.header.Get("DPoP-Nonce")
		e.clock.Add(49 * time.Hour)
		ok := e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), map[string]any{"nonce": first}))
		assert.Equal(t, http.StatusOK, ok.status, "a two-day-old nonce still works")
		e.clock.Add(24 * time.Hour)
		r = e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), proof(t, dk, "POST", e.tokenURL(), e.clock.Now(), map[string]any{"nonce": first}))
		require.Equal(t, http.StatusBadRequest, r.status, "a three-day-old nonce does not")
		assert.NotEqual(t, first, r.header.Get("DPoP-Nonce"))
	})
	t.Run("an app that does not require DPoP still binds a token to a proof sent", func(t *testing.T) {
		e := newSvcEnv(t, oktatest.ServiceApp{}, ecKey(t), jose.ES256, "")
		e.dpopToken(t, dk, "okta.users.read")
	})
}

func TestServiceAppAPIScopes(t *testing.T) {
	e := newSvcEnv(t, oktatest.ServiceApp{}, ecKey(t), jose.ES256, "")
	token := func(scope string) string {
		r := e.tokenRequest(t, ccForm(e.assertion(t, nil), scope), "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		r.json(t, &tok)
		return tok.AccessToken
	}
	bob := e.s.UserID("bob@example.com")
	tests := []struct {
		name, scope, method, path string
		status                    int
		want                      string // the scope named in WWW-Authenticate
	}{
		{name: "read users with okta.users.read", scope: "okta.users.read", method: "GET", path: "/api/v1/users?limit=2", status: 200},
		{name: "manage includes read", scope: "okta.users.manage", method: "GET", path: "/api/v1/users/" + bob, status: 200},
		{name: "unlock needs okta.users.manage", scope: "okta.users.read", method: "POST", path: "/api/v1/users/" + bob + "/lifecycle/unlock", status: 403, want: "okta.users.manage"},
		{name: "groups need okta.groups.read", scope: "okta.users.manage", method: "GET", path: "/api/v1/groups?q=Eng", status: 403, want: "okta.groups.read"},
		{name: "okta.groups.manage includes okta.groups.read", scope: "okta.groups.manage", method: "GET", path: "/api/v1/groups?q=Eng", status: 200},
		{name: "a user's groups need okta.users.read", scope: "okta.groups.read", method: "GET", path: "/api/v1/users/" + bob + "/groups", status: 403, want: "okta.users.read"},
		{name: "unlock with manage", scope: "okta.users.manage", method: "POST", path: "/api/v1/users/" + bob + "/lifecycle/unlock", status: 200},
		{name: "no user behind a service token", scope: "okta.users.read", method: "GET", path: "/api/v1/users/me", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := api(t, e.s, tt.method, tt.path, "Bearer "+token(tt.scope), "")
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.status == 403 {
				assert.Equal(t, "E0000006", r.oktaError(t).ErrorCode)
				wa := r.header.Get("WWW-Authenticate")
				assert.Contains(t, wa, `error="insufficient_scope"`)
				assert.Contains(t, wa, `scope="`+tt.want+`"`)
				path, _, _ := strings.Cut(tt.path, "?")
				assert.Contains(t, wa, `resource="`+path+`"`)
			}
		})
	}
	assert.Equal(t, oktatest.StatusActive, e.s.UserStatus(bob), "the unlock with okta.users.manage went through")
	assert.Equal(t, 1, e.s.CountRequests(func(r oktatest.Request) bool {
		return r.Op == "unlockUser" && r.Status == 200 && r.Auth == "Bearer" && r.Subject == svcClientID
	}), "the request log names the app")
}

func TestServiceAppAPIWithDPoP(t *testing.T) {
	e := newSvcEnv(t, oktatest.ServiceApp{RequireDPoP: true}, ecKey(t), jose.ES256, "")
	dk := ecKey(t)
	tok := e.dpopToken(t, dk, "okta.users.read")
	path := "/api/v1/users/me"
	alice := "/api/v1/users/" + e.s.UserID("alice@example.com")
	htu := e.s.URL() + alice
	good := func(extra map[string]any) string {
		c := map[string]any{"ath": ath(tok)}
		for k, v := range extra {
			c[k] = v
		}
		return proof(t, dk, "GET", htu, e.clock.Now(), c)
	}
	_ = path
	tests := []struct {
		name   string
		authz  string
		proof  string
		status int
		want   string
	}{
		{name: "DPoP scheme and a good proof", authz: "DPoP " + tok, proof: good(nil), status: 200},
		{name: "htu with a query is compared without it", authz: "DPoP " + tok, proof: proof(t, dk, "GET", htu+"?x=1", e.clock.Now(), map[string]any{"ath": ath(tok)}), status: 200},
		{name: "a bound token as a bearer token", authz: "Bearer " + tok, status: 401, want: "invalid_token"},
		{name: "no proof", authz: "DPoP " + tok, status: 401, want: "invalid_dpop_proof"},
		{name: "no ath", authz: "DPoP " + tok, proof: proof(t, dk, "GET", htu, e.clock.Now(), nil), status: 401, want: "invalid_dpop_proof"},
		{name: "ath of another token", authz: "DPoP " + tok, proof: good(map[string]any{"ath": ath("other")}), status: 401, want: "invalid_dpop_proof"},
		{name: "proof by another key", authz: "DPoP " + tok, proof: proof(t, ecKey(t), "GET", htu, e.clock.Now(), map[string]any{"ath": ath(tok)}), status: 401, want: "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := api(t, e.s, "GET", alice, tt.authz, tt.proof)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.status == 401 {
				assert.Equal(t, "E0000011", r.oktaError(t).ErrorCode)
				assert.Contains(t, r.header.Get("WWW-Authenticate"), `error="`+tt.want+`"`)
			}
		})
	}
	t.Run("htu names the host the client used", func(t *testing.T) {
		local := strings.Replace(e.s.URL(), "127.0.0.1", "localhost", 1)
		call := func(htuBase string) int {
			req, err := http.NewRequest("GET", local+alice, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "DPoP "+tok)
			req.Header.Set("DPoP", proof(t, dk, "GET", htuBase+alice, e.clock.Now(), map[string]any{"ath": ath(tok)}))
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			return res.StatusCode
		}
		assert.Equal(t, 200, call(local))
		assert.Equal(t, 401, call(e.s.URL()), "another host than the request's")
	})
	t.Run("a proof is single use", func(t *testing.T) {
		p := good(nil)
		require.Equal(t, 200, api(t, e.s, "GET", alice, "DPoP "+tok, p).status)
		r := api(t, e.s, "GET", alice, "DPoP "+tok, p)
		assert.Equal(t, 401, r.status)
		assert.Contains(t, r.header.Get("WWW-Authenticate"), "invalid_dpop_proof")
	})
	t.Run("a resource nonce challenge when the API asks for one", func(t *testing.T) {
		e.s.RequireDPoPNonceForAPI(true)
		defer e.s.RequireDPoPNonceForAPI(false)
		r := api(t, e.s, "GET", alice, "DPoP "+tok, good(nil))
		require.Equal(t, 401, r.status)
		assert.Contains(t, r.header.Get("WWW-Authenticate"), `DPoP `)
		assert.Contains(t, r.header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`)
		nonce := r.header.Get("DPoP-Nonce")
		require.NotEmpty(t, nonce)
		assert.Equal(t, 200, api(t, e.s, "GET", alice, "DPoP "+tok, good(map[string]any{"nonce": nonce})).status)
	})
	t.Run("an expired or revoked token", func(t *testing.T) {
		e.s.ExpireServiceTokens(svcClientID)
		r := api(t, e.s, "GET", alice, "DPoP "+tok, good(nil))
		assert.Equal(t, 401, r.status)
		assert.Contains(t, r.header.Get("WWW-Authenticate"), `error="invalid_token"`)
	})
}

func TestServiceAppTokenExpiresWithTheClock(t *testing.T) {
	e := newSvcEnv(t, oktatest.ServiceApp{}, ecKey(t), jose.ES256, "")
	r := e.tokenRequest(t, ccForm(e.assertion(t, nil), "okta.users.read"), "")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.json(t, &tok)
	assert.Equal(t, 200, api(t, e.s, "GET", "/api/v1/users?limit=1", "Bearer "+tok.AccessToken, "").status)
	e.clock.Add(time.Hour)
	r = api(t, e.s, "GET", "/api/v1/users?limit=1", "Bearer "+tok.AccessToken, "")
	assert.Equal(t, 401, r.status)
	assert.Contains(t, r.header.Get("WWW-Authenticate"), `error="invalid_token"`)
}

func TestServiceAppRegistration(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	priv := ecKey(t)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	tests := []struct {
		name string
		keys []byte
		want string
	}{
		{name: "nothing", keys: nil, want: "no public key"},
		{name: "a private key", keys: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), want: "private key"},
		{name: "a private JWK", keys: func() []byte {
			b, _ := json.Marshal(jose.JSONWebKey{Key: priv})
			return b
		}(), want: "public"},
		{name: "garbage", keys: []byte("hello"), want: "no PEM public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AddServiceApp(oktatest.ServiceApp{ClientID: "x", PublicKeys: tt.keys})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	require.NoError(t, s.AddServiceApp(oktatest.ServiceApp{ClientID: "x", PublicKeys: publicPEM(t, &priv.PublicKey)}))

	r := call(t, s, http.MethodGet, "/.well-known/openid-configuration", "", nil)
	d := r.object(t)
	assert.Contains(t, d["grant_types_supported"], "client_credentials")
	assert.Contains(t, d["token_endpoint_auth_methods_supported"], "private_key_jwt")
	assert.Contains(t, d["dpop_signing_alg_values_supported"], "ES256")
}
