package oktatest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

//go:generate go test -run TestOperationScopesAreOktas -update-scopes

// OAuth 2.0 service apps: the credential Okta recommends for servers calling its management
// API (docs/OKTA.md, "OAuth service app", lists the sources of each rule below). A service app
// authenticates at the org authorization server's token endpoint with grant_type
// client_credentials and a JWT signed by its private key (private_key_jwt, RFC 7523), gets an
// access token with the okta.* scopes it was granted, optionally bound to a key by DPoP
// (RFC 9449), and may then call each operation whose oauth2 security lists those scopes
// (scopes_gen.go, generated from Okta's OpenAPI file).

// ServiceApp is an OAuth 2.0 service app ("API Services" app) of the org.
type ServiceApp struct {
	// ClientID is the app's client id.
	ClientID string
	// PublicKeys are the app's registered public keys: a JWKS (or a single JWK) as JSON, or
	// one or more PEM blocks (PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE). RSA and EC keys.
	PublicKeys []byte
	// Scopes is the app's grants collection; nil grants every scope of the management API.
	Scopes []string
	// RequireDPoP is the app's "Require Demonstrating Proof of Possession (DPoP) header in
	// token requests" setting.
	RequireDPoP bool
}

// Timing rules of the emulated token endpoint and API.
const (
	// maxAssertionAhead: Okta refuses a client assertion whose exp is more than an hour ahead.
	maxAssertionAhead = time.Hour
	// proofMaxAge and proofMaxAhead bound a DPoP proof's iat; Okta checks that a proof was
	// made just before use but does not publish the window (U).
	proofMaxAge   = 5 * time.Minute
	proofMaxAhead = time.Minute
	// Okta renews its DPoP nonce every 24 hours and honours one for three days.
	nonceRenewal  = 24 * time.Hour
	nonceValidity = 72 * time.Hour
)

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// jwsAlgs are the algorithms Okta accepts for private_key_jwt and DPoP proofs.
var jwsAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}

type serviceApp struct {
	clientID    string
	keys        []jose.JSONWebKey
	scopes      []string
	requireDPoP bool
}

// serviceToken is an access token issued to a service app.
type serviceToken struct {
	clientID string
	scopes   []string
	jkt      string // the DPoP key thumbprint it is bound to; "" for a bearer token
	expires  time.Time
	revoked  bool
}

type dpopNonce struct {
	value  string
	issued time.Time
}

// serviceState is the org's service apps and what they were issued. s.mu guards it.
type serviceState struct {
	apps       map[string]*serviceApp
	tokens     map[[32]byte]*serviceToken
	assertions map[string]time.Time // clientID + " " + jti → until when it must not come back
	proofs     map[string]time.Time // jkt + " " + jti → until when
	nonces     []dpopNonce          // newest first
	// apiNonce makes the API demand a nonce in DPoP proofs (RFC 9449 §9). Okta does not
	// today ("the nonce parameter isn't currently required"); tests turn it on to check that
	// clients follow the RFC's challenge.
	apiNonce      bool
	tokensIssued  map[string]int
	tokenRequests map[string]int
	lastSweep     time.Time // when spent assertions and proofs were last forgotten
}

// sweep forgets spent assertion and proof ids that can no longer come back, at most once a
// minute so that busy tests do not pay for it on every request. s.mu must be held.
func (st *serviceState) sweep(now time.Time) {
	if now.Sub(st.lastSweep) < time.Minute {
		return
	}
	st.lastSweep = now
	for k, until := range st.assertions {
		if !now.Before(until) {
			delete(st.assertions, k)
		}
	}
	for k, until := range st.proofs {
		if !now.Before(until) {
			delete(st.proofs, k)
		}
	}
}

func (st *serviceState) init() {
	if st.apps == nil {
		st.apps = map[string]*serviceApp{}
		st.tokens = map[[32]byte]*serviceToken{}
		st.assertions = map[string]time.Time{}
		st.proofs = map[string]time.Time{}
		st.tokensIssued = map[string]int{}
		st.tokenRequests = map[string]int{}
	}
}

// AddServiceApp registers a service app, or replaces the one with the same client id.
func (s *Server) AddServiceApp(a ServiceApp) error {
	keys, err := parsePublicKeys(a.PublicKeys)
	if err != nil {
		return fmt.Errorf("service app %q: %w", a.ClientID, err)
	}
	if strings.TrimSpace(a.ClientID) == "" {
		return errors.New("service app: client id is empty")
	}
	scopes := slices.Clone(a.Scopes)
	if scopes == nil {
		scopes = managementScopes()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.svc.init()
	s.svc.apps[a.ClientID] = &serviceApp{clientID: a.ClientID, keys: keys, scopes: scopes, requireDPoP: a.RequireDPoP}
	return nil
}

// SetServiceAppScopes replaces an app's grants collection, as an admin revoking or granting
// scopes on its Okta API Scopes tab. Tokens already issued keep their scopes, as at Okta.
func (s *Server) SetServiceAppScopes(clientID string, scopes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.svc.apps[clientID]; a != nil {
		a.scopes = slices.Clone(scopes)
	}
}

// ExpireServiceTokens makes every access token issued to the app invalid at once, so the
// next API call with one is answered 401 invalid_token: what a client sees when a token dies
// before the expiry it was told (revocation, a clock ahead of Okta's).
func (s *Server) ExpireServiceTokens(clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.svc.tokens {
		if t.clientID == clientID {
			t.revoked = true
		}
	}
}

// ServiceTokensIssued counts the access tokens issued to the app.
func (s *Server) ServiceTokensIssued(clientID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.svc.tokensIssued[clientID]
}

// ServiceTokenRequests counts the token requests that named the app (successful or not).
func (s *Server) ServiceTokenRequests(clientID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.svc.tokenRequests[clientID]
}

// RotateDPoPNonce issues a new DPoP nonce and forgets the old ones, so the next proof with
// an old nonce is challenged (as after Okta's three-day validity ends).
func (s *Server) RotateDPoPNonce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.svc.nonces = []dpopNonce{{value: randomString(32), issued: s.now()}}
}

// RequireDPoPNonceForAPI makes the API demand the current nonce in DPoP proofs (RFC 9449 §9).
func (s *Server) RequireDPoPNonceForAPI(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.svc.apiNonce = on
}

// currentNonce returns the nonce to hand out, renewing it daily. s.mu must be held.
func (s *Server) currentNonce() string {
	now := s.now()
	if len(s.svc.nonces) == 0 || !now.Before(s.svc.nonces[0].issued.Add(nonceRenewal)) {
		s.svc.nonces = append([]dpopNonce{{value: randomString(32), issued: now}}, s.svc.nonces...)
	}
	return s.svc.nonces[0].value
}

// validNonce reports whether n is a nonce issued in the last three days. s.mu must be held.
func (s *Server) validNonce(n string) bool {
	now := s.now()
	for _, x := range s.svc.nonces {
		if now.Before(x.issued.Add(nonceValidity)) && subtle.ConstantTimeCompare([]byte(n), []byte(x.value)) == 1 {
			return true
		}
	}
	return false
}

// parsePublicKeys reads a JWKS, a JWK, or PEM public keys or certificates.
func parsePublicKeys(data []byte) ([]jose.JSONWebKey, error) {
	trimmed := strings.TrimSpace(string(data))
	var keys []jose.JSONWebKey
	switch {
	case trimmed == "":
		return nil, errors.New("no public key")
	case strings.HasPrefix(trimmed, "{"):
		var set jose.JSONWebKeySet
		if err := json.Unmarshal([]byte(trimmed), &set); err != nil || len(set.Keys) == 0 {
			var one jose.JSONWebKey
			if err := json.Unmarshal([]byte(trimmed), &one); err != nil {
				return nil, fmt.Errorf("not a JWKS or JWK: %w", err)
			}
			set.Keys = []jose.JSONWebKey{one}
		}
		keys = set.Keys
	default:
		rest := []byte(trimmed)
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			var (
				pub any
				err error
			)
			switch block.Type {
			case "PUBLIC KEY":
				pub, err = x509.ParsePKIXPublicKey(block.Bytes)
			case "RSA PUBLIC KEY":
				pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
			case "CERTIFICATE":
				var cert *x509.Certificate
				if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
					pub = cert.PublicKey
				}
			default:
				if strings.Contains(block.Type, "PRIVATE") {
					return nil, errors.New("found a private key: register only the public key")
				}
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("parse %s: %w", strings.ToLower(block.Type), err)
			}
			keys = append(keys, jose.JSONWebKey{Key: pub})
		}
		if len(keys) == 0 {
			return nil, errors.New("no PEM public key or JWKS found")
		}
	}
	for _, k := range keys {
		if !k.IsPublic() || !k.Valid() {
			return nil, errors.New("the keys must be valid public keys (never the private key)")
		}
		switch k.Key.(type) {
		case *ecdsa.PublicKey, *rsa.PublicKey:
		default:
			return nil, fmt.Errorf("%T keys are not supported: Okta accepts RSA or EC keys", k.Key)
		}
	}
	return keys, nil
}

// assertionTokenRequest serves POST /oauth2/v1/token for a client authenticating with a
// client_assertion (private_key_jwt). The assertion is checked, and its jti spent, before
// anything else: a request Okta answers with use_dpop_nonce has still used its assertion.
func (s *Server) assertionTokenRequest(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	if _, _, basic := r.BasicAuth(); basic || f.Get("client_secret") != "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.")
		return
	}
	if f.Get("client_assertion_type") != clientAssertionType {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The client_assertion_type is invalid.")
		return
	}
	app, oerr := s.verifyAssertion(f.Get("client_assertion"), f.Get("client_id"))
	if oerr != nil {
		writeOAuthError(w, oerr.status, oerr.code, oerr.desc)
		return
	}
	if gt := f.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The 'grant_type' parameter is required.")
			return
		}
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client", "The client is not authorized to use the provided grant type. Configured grant types: [client_credentials].")
		return
	}

	jkt := ""
	if proof := r.Header.Get("DPoP"); proof != "" || app.requireDPoP {
		if proof == "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "The DPoP proof JWT header is missing.")
			return
		}
		p, err := s.checkProof(proof, http.MethodPost, s.requestURI(r), "")
		if err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", err.Error())
			return
		}
		s.mu.Lock()
		ok := p.nonce != "" && s.validNonce(p.nonce)
		nonce := s.currentNonce()
		s.mu.Unlock()
		if !ok {
			w.Header().Set("DPoP-Nonce", nonce)
			writeOAuthError(w, http.StatusBadRequest, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
			return
		}
		jkt = p.jkt
	}

	requested := strings.Fields(f.Get("scope"))
	if len(requested) == 0 {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "No scopes were requested.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var granted []string
	for _, sc := range requested {
		if slices.Contains(app.scopes, sc) && !slices.Contains(granted, sc) {
			granted = append(granted, sc)
		}
	}
	if len(granted) == 0 {
		writeOAuthError(w, http.StatusBadRequest, "consent_required", "You are not allowed any of the requested scopes.")
		return
	}
	now := s.now()
	exp := now.Add(s.cfg.AccessTokenTTL)
	claims := map[string]any{"ver": 1, "jti": "AT." + randomString(40), "iss": s.issuer, "aud": s.issuer,
		"iat": now.Unix(), "exp": exp.Unix(), "cid": app.clientID, "scp": granted, "sub": app.clientID}
	if jkt != "" {
		claims["cnf"] = map[string]string{"jkt": jkt}
	}
	tok, err := s.signJWT(claims, nil)
	if err != nil {
		s.log.Error("oktatest: issue service token", "err", err)
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "The server could not issue tokens.")
		return
	}
	s.svc.tokens[tokenKey(tok)] = &serviceToken{clientID: app.clientID, scopes: granted, jkt: jkt, expires: exp}
	s.svc.tokensIssued[app.clientID]++
	typ := "Bearer"
	if jkt != "" {
		typ = "DPoP"
	}
	writeTokens(w, tokenResponse{AccessToken: tok, TokenType: typ, ExpiresIn: int(s.cfg.AccessTokenTTL / time.Second),
		Scope: strings.Join(granted, " ")})
}

// oauthErr is a token-endpoint error answer.
type oauthErr struct {
	status     int
	code, desc string
}

func invalidClient(desc string) *oauthErr {
	return &oauthErr{status: http.StatusUnauthorized, code: "invalid_client", desc: desc}
}

// verifyAssertion checks a private_key_jwt client assertion (RFC 7523 §3 and Okta's rules):
// signed by one of the app's keys with an accepted algorithm, iss = sub = client id, aud =
// the token endpoint, exp in the future but at most an hour ahead, iat (if any) not in the
// future, and a jti (if any) never seen before. It spends the jti.
func (s *Server) verifyAssertion(assertion, formClientID string) (*serviceApp, *oauthErr) {
	if assertion == "" {
		return nil, invalidClient("No client credentials found.")
	}
	jws, err := jose.ParseSignedCompact(assertion, jwsAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, invalidClient("The client_assertion token is invalid.")
	}
	var unverified struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &unverified); err != nil {
		return nil, invalidClient("The client_assertion token is invalid.")
	}
	clientID := unverified.Iss
	if formClientID != "" && formClientID != clientID {
		return nil, invalidClient("The client_id parameter must match the client_assertion's issuer.")
	}
	s.mu.Lock()
	s.svc.init()
	app := s.svc.apps[clientID]
	if app != nil {
		s.svc.tokenRequests[clientID]++
	}
	s.mu.Unlock()
	if app == nil {
		return nil, invalidClient("Invalid value for 'client_id' parameter.")
	}
	kid := jws.Signatures[0].Header.KeyID
	var payload []byte
	matched := false
	for _, k := range app.keys {
		if kid != "" && k.KeyID != "" && k.KeyID != kid {
			continue
		}
		matched = true
		if p, err := jws.Verify(k.Key); err == nil {
			payload = p
			break
		}
	}
	switch {
	case !matched:
		return nil, invalidClient(fmt.Sprintf("The client_assertion token has a kid (%s) that does not match any registered key.", kid))
	case payload == nil:
		return nil, invalidClient("The client_assertion signature is invalid.")
	}
	var c struct {
		Iss string       `json:"iss"`
		Sub string       `json:"sub"`
		Aud jwt.Audience `json:"aud"` // a string or an array
		Exp *json.Number `json:"exp"`
		Iat *json.Number `json:"iat"`
		Jti string       `json:"jti"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, invalidClient("The client_assertion token is invalid.")
	}
	tokenURL := s.abs("/oauth2/v1/token")
	now := s.now()
	switch {
	case c.Iss != app.clientID || c.Sub != app.clientID:
		return nil, invalidClient("The issuer and subject claims of the client_assertion must be the client_id.")
	case !c.Aud.Contains(tokenURL):
		return nil, invalidClient("The audience claim for client_assertion must be the endpoint invoked for the request.")
	case c.Exp == nil:
		return nil, invalidClient("The client_assertion token must have an expiration (exp) claim.")
	}
	exp, err := numericDate(*c.Exp)
	if err != nil {
		return nil, invalidClient("The client_assertion token is invalid.")
	}
	switch {
	case !now.Before(exp):
		return nil, invalidClient("The client_assertion token is expired.")
	case exp.After(now.Add(maxAssertionAhead)):
		return nil, invalidClient("The client_assertion token has an expiration too far into the future.")
	}
	if c.Iat != nil {
		if iat, err := numericDate(*c.Iat); err != nil || iat.After(now) {
			return nil, invalidClient("The client_assertion token was issued in the future.")
		}
	}
	if c.Jti != "" {
		key := app.clientID + " " + c.Jti
		s.mu.Lock()
		defer s.mu.Unlock()
		s.svc.sweep(now)
		if _, used := s.svc.assertions[key]; used {
			return nil, invalidClient("The client_assertion token has already been used.")
		}
		s.svc.assertions[key] = exp
	}
	return app, nil
}

func numericDate(n json.Number) (time.Time, error) {
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(int64(f), 0), nil
}

// proofError is why a DPoP proof was refused, in words for the error_description.
type proofError string

func (e proofError) Error() string { return string(e) }

// checkedProof is what a valid DPoP proof tells.
type checkedProof struct {
	jkt   string
	nonce string
}

// checkProof validates a DPoP proof (RFC 9449 §4.3): one JWS with typ dpop+jwt, an
// asymmetric algorithm and the public jwk that verifies it; htm and htu matching the request
// (htu without query and fragment); a recent iat; a jti not used before with this key; and,
// for a resource request, ath equal to the hash of the access token.
func (s *Server) checkProof(proof, method, target, accessToken string) (checkedProof, error) {
	jws, err := jose.ParseSignedCompact(proof, jwsAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return checkedProof{}, proofError("The DPoP proof JWT is malformed.")
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders["typ"].(string); typ != "dpop+jwt" {
		return checkedProof{}, proofError("The DPoP proof JWT must have typ dpop+jwt.")
	}
	jwk := h.JSONWebKey
	if jwk == nil || !jwk.IsPublic() || !jwk.Valid() {
		return checkedProof{}, proofError("The DPoP proof JWT header must carry a public jwk.")
	}
	payload, err := jws.Verify(jwk.Key)
	if err != nil {
		return checkedProof{}, proofError("The DPoP proof JWT signature is invalid.")
	}
	var c struct {
		JTI   string      `json:"jti"`
		HTM   string      `json:"htm"`
		HTU   string      `json:"htu"`
		IAT   json.Number `json:"iat"`
		Nonce string      `json:"nonce"`
		ATH   string      `json:"ath"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return checkedProof{}, proofError("The DPoP proof JWT claims are malformed.")
	}
	iat, err := numericDate(c.IAT)
	now := s.now()
	switch {
	case c.JTI == "":
		return checkedProof{}, proofError("The DPoP proof JWT must have a jti claim.")
	case c.HTM != method:
		return checkedProof{}, proofError("The DPoP proof JWT htm claim does not match the request method.")
	case stripQuery(c.HTU) != target:
		return checkedProof{}, proofError("The DPoP proof JWT htu claim does not match the request URL.")
	case err != nil || c.IAT == "":
		return checkedProof{}, proofError("The DPoP proof JWT must have an iat claim.")
	case iat.Before(now.Add(-proofMaxAge)) || iat.After(now.Add(proofMaxAhead)):
		return checkedProof{}, proofError("The DPoP proof JWT was not issued just now (iat).")
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if subtle.ConstantTimeCompare([]byte(c.ATH), []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) != 1 {
			return checkedProof{}, proofError("The DPoP proof JWT ath claim does not match the access token.")
		}
	}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return checkedProof{}, proofError("The DPoP proof JWT jwk is invalid.")
	}
	jkt := base64.RawURLEncoding.EncodeToString(thumb)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.svc.init()
	s.svc.sweep(now)
	key := jkt + " " + c.JTI
	if _, used := s.svc.proofs[key]; used {
		return checkedProof{}, proofError("The DPoP proof JWT has already been used.")
	}
	s.svc.proofs[key] = iat.Add(proofMaxAge + proofMaxAhead)
	return checkedProof{jkt: jkt, nonce: c.Nonce}, nil
}

// requestURI is the URI a request was sent to, without its query: what a DPoP proof's htu
// must name (RFC 9449 §4.3). The host is the one the client used; the scheme is the org's.
func (s *Server) requestURI(r *http.Request) string {
	scheme, _, _ := strings.Cut(s.issuer, "://")
	return scheme + "://" + r.Host + r.URL.EscapedPath()
}

// stripQuery drops a URL's query and fragment.
func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = "", "", "", false
	return u.String()
}

// authenticateService looks a bearer or DPoP access token up among the service apps' tokens.
// ok is false when the token is not a service token (the caller goes on with its own rules).
func (s *Server) authenticateService(r *http.Request, rec *reqRecord, scheme, tok string) (c *apiCall, ok bool, err error) {
	s.mu.Lock()
	t := s.svc.tokens[tokenKey(tok)]
	s.mu.Unlock()
	if tok == "" || t == nil {
		return nil, false, nil
	}
	invalid := func(desc string) *oktaError {
		e := apiError(http.StatusUnauthorized, codeInvalidToken)
		if t.jkt != "" {
			e.header = http.Header{"Www-Authenticate": {fmt.Sprintf(`DPoP algs="ES256 ES384 ES512 RS256 RS384 RS512", error="invalid_token", error_description=%q`, desc)}}
		} else {
			e.header = http.Header{"Www-Authenticate": {s.bearerChallenge("", "invalid_token", desc, r.URL.Path)}}
		}
		return e
	}
	s.mu.Lock()
	expired := t.revoked || !s.now().Before(t.expires)
	s.mu.Unlock()
	switch {
	case expired:
		return nil, true, invalid("The token has expired.")
	case t.jkt == "" && strings.EqualFold(scheme, "DPoP"):
		return nil, true, invalid("The token is not a DPoP-bound token.")
	case t.jkt != "" && !strings.EqualFold(scheme, "DPoP"):
		// RFC 9449 §7.2: a DPoP-bound token sent as a bearer token is refused.
		return nil, true, invalid("The token is DPoP-bound: use the DPoP authorization scheme with a DPoP proof.")
	}
	if t.jkt != "" {
		var p checkedProof
		perr := error(proofError("The DPoP proof JWT header is missing."))
		if proof := r.Header.Get("DPoP"); proof != "" {
			p, perr = s.checkProof(proof, r.Method, s.requestURI(r), tok)
		}
		if perr != nil {
			e := apiError(http.StatusUnauthorized, codeInvalidToken)
			e.header = http.Header{"Www-Authenticate": {fmt.Sprintf(`DPoP algs="ES256 ES384 ES512 RS256 RS384 RS512", error="invalid_dpop_proof", error_description=%q`, perr.Error())}}
			return nil, true, e
		}
		if p.jkt != t.jkt {
			return nil, true, invalid("The DPoP proof key does not match the key the token is bound to.")
		}
		s.mu.Lock()
		need, fresh, nonce := s.svc.apiNonce, p.nonce != "" && s.validNonce(p.nonce), ""
		if need && !fresh {
			nonce = s.currentNonce()
		}
		s.mu.Unlock()
		if need && !fresh {
			e := apiError(http.StatusUnauthorized, codeInvalidToken)
			e.header = http.Header{
				"Www-Authenticate": {`DPoP algs="ES256 ES384 ES512 RS256 RS384 RS512", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`},
				"Dpop-Nonce":       {nonce},
			}
			return nil, true, e
		}
	}
	rec.subject = t.clientID
	return &apiCall{service: t, path: r.URL.Path}, true, nil
}

// authorizeService checks a service token's scopes against the operation's requirement from
// Okta's spec. A manage scope includes its read scope ("the manage scopes can do everything
// that the read scopes do").
func (s *Server) authorizeService(c *apiCall, rt *apiRoute) error {
	need, ok := operationScopes(rt.op)
	if !ok {
		e := s.insufficientScope("")
		return e
	}
	for _, sc := range need {
		if slices.Contains(c.service.scopes, sc) {
			continue
		}
		if base, isRead := strings.CutSuffix(sc, ".read"); isRead && slices.Contains(c.service.scopes, base+".manage") {
			continue
		}
		e := apiError(http.StatusForbidden, codeForbidden)
		e.header = http.Header{"Www-Authenticate": {s.bearerChallenge(strings.Join(need, " "), "insufficient_scope",
			"The access token provided does not contain the required scopes.", c.path)}}
		return e
	}
	return nil
}
