package client

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// The OAuth 2.0 service app (docs/OKTA.md, "OAuth service app"): Okta's recommended
// credential for a server calling its management API. The app proves who it is with a JWT
// signed by its private key (private_key_jwt, RFC 7523) at the org authorization server's
// token endpoint, gets an access token for one hour carrying only the okta.* scopes it was
// granted, and — when the app requires it, as new Okta apps do by default — binds that token
// to a key of this process with DPoP (RFC 9449).

const (
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// assertionLifetime bounds a client assertion; Okta refuses one whose exp is more than an
	// hour ahead, and a short life makes a leaked one nearly useless (it is also single use).
	assertionLifetime = 5 * time.Minute
	// tokenRequestTimeout bounds one token refresh, its DPoP nonce round trips included. It
	// runs apart from any one caller's deadline, since many callers may wait for it.
	tokenRequestTimeout = 10 * time.Second
	// maxTokenAttempts covers the token endpoint's handshakes: without DPoP, asked for DPoP,
	// asked for a nonce. Each attempt has a fresh assertion and proof: Okta spends an
	// assertion's jti even on a request it answers with use_dpop_nonce.
	maxTokenAttempts = 3
	// maxRefreshMargin is how long before expiry a cached token is replaced (less for short
	// lifetimes: a tenth of the lifetime), so a token never expires between check and use.
	maxRefreshMargin = time.Minute
	// opToken names token requests in errors.
	opToken = "getServiceToken"
	// refusalHold is how long a refusal of the app (ErrServiceCredential) is answered from
	// memory instead of asking Okta again: a misconfigured app would otherwise cost a token
	// request per page view against Okta's token endpoint limit. Wall-clock time.
	refusalHold = 10 * time.Second
)

// DefaultScopes are the okta.* scopes Gatehouse asks for: reading and managing users,
// reading and managing group membership, reading admin roles, password policies and the
// user schema (which profile attributes a person may see and edit).
func DefaultScopes() []string {
	return []string{"okta.users.read", "okta.users.manage", "okta.groups.read", "okta.groups.manage",
		"okta.roles.read", "okta.policies.read", "okta.schemas.read"}
}

// DPoPMode says when the service app binds its tokens with DPoP.
type DPoPMode int

const (
	// DPoPAuto asks for a plain bearer token and switches to DPoP for good once Okta answers
	// that the app requires it (invalid_dpop_proof).
	DPoPAuto DPoPMode = iota
	// DPoPOn always uses DPoP.
	DPoPOn
	// DPoPOff never uses DPoP; an app that requires it then fails with a clear error.
	DPoPOff
)

// ParseDPoPMode reads "auto" (or ""), "on" or "off".
func ParseDPoPMode(s string) (DPoPMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return DPoPAuto, nil
	case "on", "true", "1":
		return DPoPOn, nil
	case "off", "false", "0":
		return DPoPOff, nil
	}
	return DPoPAuto, fmt.Errorf("must be auto, on or off, not %q", s)
}

func (m DPoPMode) String() string {
	switch m {
	case DPoPOn:
		return "on"
	case DPoPOff:
		return "off"
	}
	return "auto"
}

// ServiceAppConfig configures NewServiceApp.
type ServiceAppConfig struct {
	// OrgURL is the org, like "https://acme.okta.com"; the token endpoint is that of its org
	// authorization server, the only one that issues okta.* scopes.
	OrgURL string
	// ClientID is the service app's client id.
	ClientID string
	// Key is the private half of a key registered with the app (RSA ≥ 2048 bits or EC).
	Key crypto.Signer
	// KeyID is the kid of that key in the app's JWKS; "" sends none and Okta tries each key.
	KeyID string
	// Scopes are the okta.* scopes to ask for; empty means DefaultScopes.
	Scopes []string
	// DPoP says when to use DPoP; the zero value is DPoPAuto.
	DPoP DPoPMode
	// HTTPClient sends token requests; nil means NewHTTPClient(). Pass the Client's, so
	// both share one pool and one view of Okta.
	HTTPClient *http.Client
	// Now is the clock for assertion, proof and token times; nil means time.Now.
	Now func() time.Time
	// OnToken, when set, is told about every new access token (never its value), for a log
	// line that names scopes Okta did not grant.
	OnToken func(TokenInfo)
	// Observer, when set, is told about every token request like the Client's observer is
	// about API calls (Op "getServiceToken"), for metrics; the answers of the DPoP handshake
	// come without an Err. The token endpoint's rate-limit headers are left out: they
	// describe another bucket than the API's.
	Observer func(CallInfo)
}

// TokenInfo describes an access token without its value.
type TokenInfo struct {
	Type    string    // "Bearer" or "DPoP"
	Scopes  []string  // granted
	Missing []string  // asked for but not granted
	Expires time.Time // by the Now clock
}

// ServiceApp is the Credential of an OAuth 2.0 service app. It caches its access token until
// shortly before expiry and refreshes it once for any number of concurrent callers.
type ServiceApp struct {
	tokenURL *url.URL
	clientID string
	key      crypto.Signer
	alg      string
	kid      string
	scopes   []string
	mode     DPoPMode
	hc       *http.Client
	now      func() time.Time
	onToken  func(TokenInfo)
	observer func(CallInfo)

	mu       sync.Mutex
	tok      *serviceToken // nil until the first token, and after Okta rejected it
	flight   *tokenFlight  // the refresh in progress
	dpopOn   bool          // DPoP in use: configured, or Okta asked for it
	proofKey *dpopKey      // made on first use, kept: tokens are bound to it
	asNonce  string        // the token endpoint's latest DPoP-Nonce
	apiNonce string        // the API's latest DPoP-Nonce (Okta does not ask for one today)
	refused  error         // Okta's last refusal of the app, answered for refusalHold
	refuseAt time.Time     // when (wall clock)
}

type serviceToken struct {
	value     string
	dpop      bool
	expires   time.Time
	refreshAt time.Time
	info      TokenInfo
}

// tokenFlight is one token refresh that every caller who needs a token waits for.
type tokenFlight struct {
	done chan struct{}
	tok  *serviceToken
	err  error
}

// NewServiceApp returns the credential of a service app. It checks its configuration but
// does not contact Okta.
func NewServiceApp(cfg ServiceAppConfig) (*ServiceApp, error) {
	base, err := parseBaseURL(cfg.OrgURL)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(cfg.ClientID) == "":
		return nil, errors.New("okta: service app: client id is empty")
	case !validHeaderValue(cfg.ClientID) || !validHeaderValue(cfg.KeyID):
		return nil, errors.New("okta: service app: client id or key id contains control characters")
	case cfg.Key == nil:
		return nil, errors.New("okta: service app: no private key")
	}
	alg, err := signingAlg(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("okta: service app: %w", err)
	}
	scopes := slices.Clone(cfg.Scopes)
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	for _, s := range scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			return nil, fmt.Errorf("okta: service app: invalid scope %q", s)
		}
	}
	a := &ServiceApp{
		tokenURL: base.JoinPath("/oauth2/v1/token"),
		clientID: strings.TrimSpace(cfg.ClientID),
		key:      cfg.Key,
		alg:      alg,
		kid:      cfg.KeyID,
		scopes:   scopes,
		mode:     cfg.DPoP,
		hc:       cfg.HTTPClient,
		now:      cfg.Now,
		onToken:  cfg.OnToken,
		observer: cfg.Observer,
		dpopOn:   cfg.DPoP == DPoPOn,
	}
	if a.hc == nil {
		a.hc = NewHTTPClient()
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a, nil
}

// ClientID returns the service app's client id.
func (a *ServiceApp) ClientID() string { return a.clientID }

// Scopes returns the scopes the app asks for.
func (a *ServiceApp) Scopes() []string { return slices.Clone(a.scopes) }

// Token gets an access token now (or reuses the cached one) and describes it, so a program
// can check its credential at start instead of at the first call.
func (a *ServiceApp) Token(ctx context.Context) (TokenInfo, error) {
	t, err := a.token(ctx)
	if err != nil {
		return TokenInfo{}, err
	}
	return t.info, nil
}

// Authorize implements Credential: "Bearer <token>", or "DPoP <token>" with a fresh proof
// that carries the token's hash (ath) and the API's latest nonce.
func (a *ServiceApp) Authorize(ctx context.Context, req *http.Request) error {
	t, err := a.token(ctx)
	if err != nil {
		return err
	}
	if !t.dpop {
		req.Header.Set("Authorization", "Bearer "+t.value)
		return nil
	}
	a.mu.Lock()
	key, nonce := a.proofKey, a.apiNonce
	a.mu.Unlock()
	proof, err := key.proof(req.Method, req.URL, t.value, nonce, a.now())
	if err != nil {
		return fmt.Errorf("okta: %w", err)
	}
	req.Header.Set("Authorization", "DPoP "+t.value)
	req.Header.Set("DPoP", proof)
	return nil
}

// Answered implements Credential. It keeps any DPoP-Nonce the API hands out; on a 401 it
// asks for one retry when the answer is a nonce challenge with a nonce the proof lacked
// (RFC 9449 §9), or else drops the rejected token (expired or revoked at Okta) so the retry
// fetches a new one.
func (a *ServiceApp) Answered(req *http.Request, status int, h http.Header) bool {
	scheme, sent, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	isDPoP := strings.EqualFold(scheme, "DPoP")
	a.mu.Lock()
	defer a.mu.Unlock()
	nonce := h.Get("DPoP-Nonce")
	if nonce != "" && isDPoP {
		a.apiNonce = nonce
	}
	if status != http.StatusUnauthorized || sent == "" {
		return false
	}
	if code, _ := authError(h); code == "use_dpop_nonce" {
		return isDPoP && nonce != "" && nonce != proofNonce(req.Header.Get("DPoP"))
	}
	if a.tok != nil && a.tok.value == sent {
		a.tok = nil
	}
	return true
}

// token returns a usable access token: the cached one, or the result of the one refresh in
// flight, which it starts if needed. The refresh runs with its own deadline so that one
// caller giving up does not fail the others; each caller still stops waiting at its own.
func (a *ServiceApp) token(ctx context.Context) (*serviceToken, error) {
	a.mu.Lock()
	if t := a.tok; t != nil && a.now().Before(t.refreshAt) {
		a.mu.Unlock()
		return t, nil
	}
	if a.refused != nil && time.Since(a.refuseAt) < refusalHold {
		err := a.refused
		a.mu.Unlock()
		return nil, err
	}
	f := a.flight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		a.flight = f
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenRequestTimeout)
		go func() {
			defer cancel()
			tok, err := a.fetch(fctx)
			a.mu.Lock()
			a.refused = nil
			switch {
			case err == nil:
				a.tok = tok
			case errors.Is(err, ErrServiceCredential):
				a.refused, a.refuseAt = err, time.Now()
			}
			a.flight = nil
			f.tok, f.err = tok, err
			a.mu.Unlock()
			// Told before the waiters are released, so that whoever asked for the token
			// finds it reported (a log line, a metric) when its call returns.
			if err == nil && a.onToken != nil {
				a.onToken(tok.info)
			}
			close(f.done)
		}()
	}
	a.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, unavailable(opToken, ctx.Err())
	}
}

// fetch asks the token endpoint for a token, answering its DPoP handshakes.
func (a *ServiceApp) fetch(ctx context.Context) (*serviceToken, error) {
	for attempt := 1; ; attempt++ {
		a.mu.Lock()
		useDPoP, nonce := a.dpopOn, a.asNonce
		if useDPoP && a.proofKey == nil {
			k, err := newDPoPKey()
			if err != nil {
				a.mu.Unlock()
				return nil, fmt.Errorf("okta: %w", err)
			}
			a.proofKey = k
		}
		key := a.proofKey
		a.mu.Unlock()

		req, err := a.tokenRequest(ctx, key, useDPoP, nonce)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		res, err := a.hc.Do(req)
		if err != nil {
			err = unavailable(opToken, err)
			a.observe(CallInfo{Op: opToken, Method: http.MethodPost, Duration: time.Since(start), Err: err, Attempt: attempt})
			return nil, err
		}
		body, rerr := readLimited(res.Body, maxBody)
		res.Body.Close()
		info := CallInfo{Op: opToken, Method: http.MethodPost, Status: res.StatusCode, Duration: time.Since(start),
			RequestID: res.Header.Get("X-Okta-Request-Id"), Attempt: attempt}
		newNonce := res.Header.Get("DPoP-Nonce")
		if newNonce != "" {
			a.mu.Lock()
			a.asNonce = newNonce
			a.mu.Unlock()
		}
		if rerr != nil {
			info.Status, info.Err = 0, unavailable(opToken, fmt.Errorf("read response: %w", rerr))
			a.observe(info)
			return nil, info.Err
		}
		if res.StatusCode == http.StatusOK {
			t, err := a.parseToken(body, useDPoP)
			info.Err = err
			a.observe(info)
			return t, err
		}
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &oe)
		te := &TokenError{StatusCode: res.StatusCode, Code: oe.Error, Description: clip(oe.Description, 300),
			RequestID: res.Header.Get("X-Okta-Request-Id")}
		if attempt < maxTokenAttempts && res.StatusCode == http.StatusBadRequest {
			// The handshakes are answers, not failures: observed without an error.
			switch {
			case oe.Error == "use_dpop_nonce" && useDPoP && newNonce != "" && newNonce != nonce:
				a.observe(info)
				continue // the documented handshake: the same request with the nonce
			case oe.Error == "invalid_dpop_proof" && !useDPoP && a.mode == DPoPAuto:
				a.observe(info)
				a.mu.Lock()
				a.dpopOn = true // the app requires DPoP; from now on always
				a.mu.Unlock()
				continue
			}
		}
		info.Err = te
		a.observe(info)
		return nil, te
	}
}

func (a *ServiceApp) observe(ci CallInfo) {
	if a.observer != nil {
		a.observer(ci)
	}
}

// tokenRequest builds one client-credentials request with a fresh assertion (and proof).
func (a *ServiceApp) tokenRequest(ctx context.Context, key *dpopKey, useDPoP bool, nonce string) (*http.Request, error) {
	now := a.now()
	header := map[string]any{"typ": "JWT"}
	if a.kid != "" {
		header["kid"] = a.kid
	}
	assertion, err := signJWT(a.key, a.alg, header, map[string]any{
		"iss": a.clientID, "sub": a.clientID, "aud": a.tokenURL.String(),
		"iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(), "jti": randomID(),
	})
	if err != nil {
		return nil, fmt.Errorf("okta: client assertion: %w", err)
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {strings.Join(a.scopes, " ")},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {assertion},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.tokenURL.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("okta: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if useDPoP {
		proof, err := key.proof(http.MethodPost, req.URL, "", nonce, now)
		if err != nil {
			return nil, fmt.Errorf("okta: %w", err)
		}
		req.Header.Set("DPoP", proof)
	}
	return req, nil
}

// parseToken reads a successful token response (RFC 6749 §5.1).
func (a *ServiceApp) parseToken(body []byte, sentProof bool) (*serviceToken, error) {
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" || !validHeaderValue(tr.AccessToken) {
		return nil, unavailable(opToken, errors.New("the token response has no usable access_token"))
	}
	t := &serviceToken{value: tr.AccessToken}
	switch {
	case strings.EqualFold(tr.TokenType, "DPoP") && sentProof:
		t.dpop = true
	case strings.EqualFold(tr.TokenType, "Bearer"):
	default:
		return nil, unavailable(opToken, fmt.Errorf("unexpected token_type %q", clip(tr.TokenType, 20)))
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = 5 * time.Minute // expires_in is only RECOMMENDED; assume little
	}
	now := a.now()
	t.expires = now.Add(life)
	t.refreshAt = t.expires.Add(-min(maxRefreshMargin, life/10))
	granted := strings.Fields(tr.Scope)
	if len(granted) == 0 {
		granted = slices.Clone(a.scopes) // RFC 6749 §5.1: omitted when it equals the request
	}
	info := TokenInfo{Type: "Bearer", Scopes: granted, Expires: t.expires}
	if t.dpop {
		info.Type = "DPoP"
	}
	for _, s := range a.scopes {
		if !slices.Contains(granted, s) {
			info.Missing = append(info.Missing, s)
		}
	}
	t.info = info
	return t, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// String describes the service app without its key.
func (a *ServiceApp) String() string {
	return "client.ServiceApp{ClientID:" + a.clientID + " Key:" + a.alg + " " + redacted + " DPoP:" + a.mode.String() + "}"
}

// GoString is String, for %#v.
func (a *ServiceApp) GoString() string { return a.String() }

// LogValue describes the service app without its key, for slog.
func (a *ServiceApp) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", a.clientID), slog.String("key_alg", a.alg),
		slog.String("key_id", a.kid), slog.String("dpop", a.mode.String()), slog.Any("scopes", a.scopes))
}
