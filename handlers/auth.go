package handlers

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
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

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/session"
)

// AuthOptions configures sign-in against Okta's org authorization server. NewApp fills every
// field from web.Config; Auth adds no defaults of its own.
type AuthOptions struct {
	Issuer        string // the Okta org URL
	ClientID      string
	ClientSecret  string
	RedirectURL   string // PUBLIC_URL + "/auth/callback"
	PostLogoutURL string // PUBLIC_URL + "/"
	Scopes        []string
	// OptionalScopes are asked for too when the org's discovery document lists them in
	// scopes_supported: okta.myAccount.password.read exists on Identity Engine orgs only, and a
	// Classic org would refuse a sign-in that asks for a scope it does not know.
	OptionalScopes []string
	HTTPClient     *http.Client
	// Roles are the Okta groups that make someone an admin or helpdesk member: by id, or by
	// name but only as an OKTA_GROUP (GroupSet.Grants).
	Roles RoleGroups
	// StepUpACR, when set, is sent as acr_values on the step-up sign-in (?reauth=1), and the
	// ID token's acr and amr must show it was satisfied (SECURITY.md 56).
	StepUpACR string
	// Timeout bounds one call to Okta's token endpoint (code exchange, refresh).
	Timeout time.Duration
	Now     func() time.Time
	// GroupsClaim, when set, names the ID token claim that lists the person's groups (Okta's
	// groups claim filter on the sign-in app, with the groups scope in Scopes): when the claim
	// is present and not truncated, sign-in takes the groups from it and asks Okta's Users API
	// for them only when a role may be at stake (groupsFromClaim).
	GroupsClaim string
	// ThroughRateLimit lets a sign-in whose /users/me Okta refuses with a rate limit (or that
	// finds the client's in-flight cap full) go on from the verified ID token's claims
	// (newSession), and keeps sign-in's reads from waiting on a 429: the person is signed in
	// and the profile is read when the bucket allows. False is the behaviour before issue 15.
	ThroughRateLimit bool
}

// Auth signs people in and out with OIDC (authorization code + PKCE S256 + state + nonce).
type Auth struct {
	opts     AuthOptions
	sessions AuthSessions
	okta     AuthOkta
	// cache receives what sign-in reads about the person (their user, their groups), so that
	// their first dashboard does not read it again; nil seeds nothing.
	cache *PersonCache
	// log records sign-ins, an authentication event the security log must hold (SECURITY.md
	// 36); failures go through the error adaptor like everyone else's.
	log *slog.Logger

	mu        sync.RWMutex
	oidc      *oidcState // nil until discovery succeeds
	discovery error      // last discovery failure, for readiness
	// discovering lets one discovery run at a time when requests arrive while Okta was
	// unreachable at start-up, instead of one per request.
	discovering singleflight.Group
}

// oidcState is everything discovery yields.
type oidcState struct {
	provider       *oidc.Provider
	verifier       *oidc.IDTokenVerifier
	oauth          *oauth2.Config
	endSession     string
	revocation     string
	issParamNeeded bool
}

// loginTTL bounds a sign-in transaction (SECURITY.md requirement 4).
const loginTTL = 10 * time.Minute

// clockSkew is the tolerance for iat and auth_time comparisons with Okta's clock.
const clockSkew = 2 * time.Minute

// NewAuth returns the sign-in handlers. Call Discover before serving; until it succeeds the
// sign-in page answers 503 and readiness fails.
func NewAuth(opts AuthOptions, sessions AuthSessions, okta AuthOkta, cache *PersonCache, log *slog.Logger) *Auth {
	return &Auth{opts: opts, sessions: sessions, okta: okta, cache: cache, log: log}
}

// Discover loads the issuer's discovery document and JWKS. go-oidc refuses a document whose
// issuer differs from the configured one (SECURITY.md requirement 6).
func (a *Auth) Discover(ctx context.Context) error {
	// The provider keeps this context for later JWKS fetches, so it must outlive ctx; the
	// transport's own timeouts bound those requests.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), a.opts.HTTPClient)
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(pctx, a.opts.Issuer)
	if err != nil {
		a.setDiscovery(nil, err)
		return fmt.Errorf("discover %s: %w", a.opts.Issuer, err)
	}
	var extra struct {
		EndSession     string   `json:"end_session_endpoint"`
		Revocation     string   `json:"revocation_endpoint"`
		JWKS           string   `json:"jwks_uri"`
		IssParamNeeded bool     `json:"authorization_response_iss_parameter_supported"`
		Scopes         []string `json:"scopes_supported"`
	}
	if err := p.Claims(&extra); err != nil {
		a.setDiscovery(nil, err)
		return fmt.Errorf("read discovery document: %w", err)
	}
	if err := a.checkJWKS(dctx, extra.JWKS); err != nil {
		a.setDiscovery(nil, err)
		return err
	}
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	st := &oidcState{
		provider: p,
		verifier: p.VerifierContext(pctx, &oidc.Config{ClientID: a.opts.ClientID, Now: a.opts.Now}),
		oauth: &oauth2.Config{
			ClientID:     a.opts.ClientID,
			ClientSecret: a.opts.ClientSecret,
			Endpoint:     ep,
			RedirectURL:  a.opts.RedirectURL,
			Scopes:       signInScopes(a.opts.Scopes, a.opts.OptionalScopes, extra.Scopes),
		},
		endSession:     extra.EndSession,
		revocation:     extra.Revocation,
		issParamNeeded: extra.IssParamNeeded,
	}
	a.setDiscovery(st, nil)
	return nil
}

func (a *Auth) checkJWKS(ctx context.Context, jwksURL string) error {
	if jwksURL == "" {
		return errors.New("discovery document has no jwks_uri")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
	if err != nil {
		return fmt.Errorf("jwks request: %w", err)
	}
	resp, err := a.opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch jwks: status %d", resp.StatusCode)
	}
	return nil
}

func (a *Auth) setDiscovery(st *oidcState, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if st != nil {
		a.oidc = st
	}
	a.discovery = err
}

// Ready reports whether discovery and the JWKS have been loaded, for /readyz.
func (a *Auth) Ready() error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.oidc == nil {
		if a.discovery != nil {
			return fmt.Errorf("oidc discovery: %w", a.discovery)
		}
		return errors.New("oidc discovery not done yet")
	}
	return nil
}

// state returns the discovery results, trying discovery once more if it has not succeeded.
func (a *Auth) state(ctx context.Context) (*oidcState, error) {
	a.mu.RLock()
	st := a.oidc
	a.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	if _, err, _ := a.discovering.Do("discover", func() (any, error) { return nil, a.Discover(ctx) }); err != nil {
		return nil, Unavailable("signin.unavailable", err)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.oidc, nil
}

// Login handles GET /login: it starts a sign-in transaction (state, nonce and PKCE verifier,
// kept server-side with the return path) and sends the browser to Okta. ?reauth=1 asks Okta
// to authenticate again even with a live Okta session (step-up).
func (a *Auth) Login(w http.ResponseWriter, r *http.Request) error {
	st, err := a.state(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	tx := session.LoginTx{
		State:    rand.Text(),
		Nonce:    rand.Text(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: localPath(q.Get("return")),
		Created:  a.opts.Now(),
		MaxAge:   -1,
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(tx.Nonce), oauth2.S256ChallengeOption(tx.Verifier)}
	if q.Get("reauth") == "1" {
		tx.MaxAge = 0
		tx.Prompt = "login"
		opts = append(opts, oauth2.SetAuthURLParam("max_age", "0"), oauth2.SetAuthURLParam("prompt", "login"))
		if acr := a.opts.StepUpACR; acr != "" {
			// Step-up may demand more than a fresh password: Okta's acr_values (e.g. a second
			// factor); the callback checks the ID token says it was done.
			tx.Extra = map[string]string{"acr": acr}
			opts = append(opts, oauth2.SetAuthURLParam("acr_values", acr))
		}
	}
	if err := a.sessions.BeginLogin(r.Context(), w, tx); err != nil {
		return Unavailable(msgSignInUnavailable, fmt.Errorf("begin login: %w", err))
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, st.oauth.AuthCodeURL(tx.State, opts...), http.StatusFound)
	return nil
}

// Sign-in failure reasons, as used in /auth/error?reason=. Only these fixed words travel in
// the URL; Okta's own error text is never echoed.
const (
	failDenied      = "denied"
	failExpired     = "expired"
	failState       = "state"
	failToken       = "token"
	failAccount     = "account"
	failUnavailable = "unavailable"
	failStepUp      = "stepup"
)

// Callback handles GET /auth/callback: it checks the transaction, redeems the code with the
// PKCE verifier, verifies the ID token and its nonce, loads the person from Okta and starts a
// session with a fresh id. Every failure creates no session and ends on a clean error page
// (/auth/error, with a fixed reason word and what went wrong noted for the access log).
func (a *Auth) Callback(w http.ResponseWriter, r *http.Request) error {
	// The URL carries the authorization code: never leak it through Referer.
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	ctx := r.Context()
	tx, err := a.takeTransaction(w, r)
	if err != nil {
		return a.failed(w, r, err)
	}
	st, err := a.state(ctx)
	if err != nil {
		return err
	}
	code, err := a.checkResponse(r, st)
	if err != nil {
		return a.failed(w, r, err)
	}
	tctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, a.opts.HTTPClient), a.opts.Timeout)
	defer cancel()
	tok, claims, err := a.redeem(tctx, st, tx, code)
	if err != nil {
		return a.failed(w, r, err)
	}
	sctx := tctx
	if a.opts.ThroughRateLimit {
		// No sign-in waits on a 429: a refused read has an answer without Okta (below), and a
		// sign-in waiting for Okta's reset would hold one of the client's in-flight slots
		// that other people's sign-ins need at the same moment.
		sctx = client.WithoutRateLimitWait(tctx)
	}
	rec, err := a.newSession(sctx, tok, claims)
	if err != nil {
		return a.failed(w, r, err)
	}
	// A language chosen from the menu before signing in stays chosen (the cookie came
	// back with Okta's redirect: it is SameSite=Lax).
	rec.Lang = ChosenLanguage(r)
	if err := a.sessions.SignIn(w, r, rec); err != nil {
		return Unavailable(msgSignInUnavailable, fmt.Errorf("start session: %w", err))
	}
	scope := ScopeFrom(ctx)
	scope.SetUser(rec.UserID)
	scope.Note("event", "signed_in")
	a.log.InfoContext(ctx, "signed in", "user", rec.UserID, "roles", rec.Roles, "request_id", scope.RequestID)
	http.Redirect(w, r, localPath(tx.ReturnTo), http.StatusSeeOther)
	return nil
}

// signInFailure is why a callback did not sign anyone in: the reason word for /auth/error,
// what the access log notes (never a secret), and the underlying error, if any, for the log.
type signInFailure struct {
	reason string // one of the fail* words
	note   string // signin_failure in the access log
	detail string // what detailKey notes, when set
	// detailKey names one more fact for the access log: "okta_error", "oauth_error",
	// "id_token_problem" or "acr".
	detailKey string
	err       error
}

func (f *signInFailure) Error() string { return "sign-in failed: " + f.note }

func failure(reason, note string) *signInFailure {
	return &signInFailure{reason: reason, note: note}
}

// with adds the access log's detail about the failure.
func (f *signInFailure) with(key, detail string) *signInFailure {
	f.detailKey, f.detail = key, detail
	return f
}

// failed ends a callback on the error page for a *signInFailure; any other error goes to the
// adaptor (the session store failed, say).
func (a *Auth) failed(w http.ResponseWriter, r *http.Request, err error) error {
	f, ok := err.(*signInFailure)
	if !ok {
		return err
	}
	scope := ScopeFrom(r.Context())
	scope.Note("signin_failure", f.note)
	if f.detailKey != "" {
		scope.Note(f.detailKey, f.detail)
	}
	if f.err != nil {
		scope.Note("signin_error", f.err.Error())
	}
	http.Redirect(w, r, "/auth/error?reason="+f.reason, http.StatusSeeOther)
	return nil
}

// takeTransaction consumes the browser's pending sign-in (whatever the outcome: a callback
// URL is good for one try) and checks that Okta's answer belongs to it: no error from Okta,
// not expired, and the same state, compared in constant time (SECURITY.md 3, 4).
func (a *Auth) takeTransaction(w http.ResponseWriter, r *http.Request) (session.LoginTx, error) {
	q := r.URL.Query()
	tx, err := a.sessions.TakeLogin(r.Context(), w, r)
	if e := q.Get("error"); e != "" {
		return tx, failure(failDenied, "okta_error").with("okta_error", safeToken(e))
	}
	switch {
	case errors.Is(err, session.ErrNoLogin):
		return tx, failure(failExpired, "no_transaction")
	case err != nil:
		return tx, Unavailable(msgSignInUnavailable, fmt.Errorf("take login: %w", err))
	}
	if a.opts.Now().Sub(tx.Created) > loginTTL {
		return tx, failure(failExpired, "transaction_expired")
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(tx.State)) != 1 || tx.State == "" {
		return tx, failure(failState, "state_mismatch")
	}
	return tx, nil
}

// checkResponse checks the rest of Okta's redirect and returns its code. RFC 9207: an iss
// parameter, when present (or when discovery says Okta always sends one), must name our
// issuer (SECURITY.md 6).
func (a *Auth) checkResponse(r *http.Request, st *oidcState) (string, error) {
	q := r.URL.Query()
	if iss, ok := q["iss"]; (ok && (len(iss) != 1 || iss[0] != a.opts.Issuer)) || (!ok && st.issParamNeeded) {
		return "", failure(failState, "iss_mismatch")
	}
	code := q.Get("code")
	if code == "" {
		return "", failure(failState, "no_code")
	}
	return code, nil
}

// redeem exchanges the code (with the PKCE verifier) and verifies the ID token, and, for a
// step-up, that Okta really authenticated again and as strongly as asked.
func (a *Auth) redeem(ctx context.Context, st *oidcState, tx session.LoginTx, code string) (*oauth2.Token, idClaims, error) {
	tok, err := st.oauth.Exchange(ctx, code, oauth2.VerifierOption(tx.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		// Okta busy (429) or down (5xx) is not the sign-in's fault: say Okta is unavailable.
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 && re.Response.StatusCode != http.StatusTooManyRequests {
			return nil, idClaims{}, failure(failToken, "token_exchange").with("oauth_error", safeToken(re.ErrorCode))
		}
		f := failure(failUnavailable, "token_unavailable")
		f.err = err
		return nil, idClaims{}, f
	}
	claims, err := a.verifyIDToken(ctx, st, tok, tx.Nonce)
	if err != nil {
		return nil, idClaims{}, failure(failToken, "id_token").with("id_token_problem", err.Error())
	}
	if tx.MaxAge == 0 && claims.authTime.Before(tx.Created.Add(-clockSkew)) {
		// Step-up asked Okta to authenticate again; an old auth_time means it did not.
		return nil, idClaims{}, failure(failToken, "stale_auth_time")
	}
	if want := tx.Extra["acr"]; want != "" && !acrSatisfied(want, claims.acr, claims.amr) {
		// Step-up asked for an authentication class (a second factor); the ID token does not
		// say it was met, so the sign-in does not count as one.
		return nil, idClaims{}, failure(failStepUp, "acr_not_satisfied").with("acr", safeToken(claims.acr))
	}
	return tok, claims, nil
}

// newSession builds the session record of the person the tokens belong to: /users/me with
// their own access token, which must be the person the ID token names (DESIGN.md §2), and
// their roles from their Okta groups. A failed roles lookup signs them in without roles:
// privileged routes re-check (and fail closed) before use.
func (a *Auth) newSession(ctx context.Context, tok *oauth2.Token, claims idClaims) (*session.Record, error) {
	me, err := a.okta.WithBearer(tok.AccessToken).GetCurrentUser(ctx)
	if err != nil {
		if a.opts.ThroughRateLimit && (errors.Is(err, client.ErrRateLimited) || errors.Is(err, client.ErrBusy)) {
			return a.sessionFromClaims(ctx, tok, claims)
		}
		f := failure(failUnavailable, "users_me")
		f.err = err
		return nil, f
	}
	if me.ID != claims.subject {
		return nil, failure(failAccount, "subject_mismatch")
	}
	rec := a.record(tok, claims)
	rec.Login, rec.Email = me.Profile.Login, me.Profile.Email
	rec.Name = displayName(me.Profile.FirstName, me.Profile.LastName, me.Profile.DisplayName, me.Profile.Login)
	// The page language and time zone come from the Users API's profile, never from the ID
	// token's locale and zoneinfo (handlers/language.go).
	rec.PreferredLanguage, rec.Locale, rec.Timezone = me.Profile.PreferredLanguage, me.Profile.Locale, me.Profile.Timezone
	// What sign-in reads, the person's first dashboard need not read again: an arrival costs
	// each Okta read once (docs/PERFORMANCE.md "Arrivals").
	a.cache.Seed(me.ID, kindMe, me)
	a.readRoles(ctx, rec, claims)
	return rec, nil
}

// record is the session of the person the verified ID token names, without what the Users
// API says about them.
func (a *Auth) record(tok *oauth2.Token, claims idClaims) *session.Record {
	return &session.Record{
		UserID:   claims.subject,
		Issuer:   a.opts.Issuer,
		AuthTime: claims.authTime,
		ACR:      claims.acr,
		AMR:      claims.amr,
		Tokens: session.Tokens{
			Access:  tok.AccessToken,
			Refresh: tok.RefreshToken,
			ID:      claims.raw,
			Expiry:  a.expiry(tok),
		},
	}
}

// readRoles gives rec the person's roles from their groups and seeds the groups in the cache.
// With a groups claim that can stand in for the Users API (groupsFromClaim) it reads nothing:
// the signed ID token lists every group the claim filter lets through, and none of them is a
// role group, so roles stay unchecked (RolesCheckedAt zero) and a privileged route asks Okta
// before anything else, in case the org's filter leaves a role group out; the names serve the
// dashboard's groups card. A refused groups read leaves the roles unchecked too.
func (a *Auth) readRoles(ctx context.Context, rec *session.Record, claims idClaims) {
	if names, ok := a.groupsFromClaim(claims); ok {
		a.cache.Seed(rec.UserID, kindClaimGroups, names)
		ScopeFrom(ctx).Note("groups_from", "claim")
		return
	}
	if groups, err := a.okta.ListUserGroups(ctx, rec.UserID); err == nil {
		a.cache.Seed(rec.UserID, kindGroups, groups)
		rec.Roles, rec.RolesCheckedAt = a.opts.Roles.Roles(groups), a.opts.Now()
	} else {
		ScopeFrom(ctx).Note("roles_lookup", "failed")
	}
}

// sessionFromClaims signs a person in when Okta answered their /users/me with a rate limit (or
// the client's own cap on calls in flight to Okta was full, which at a peak means the same): at
// a morning peak the sign-in app's share of GET /api/v1/users/{idOrLogin} runs out before
// anything else sign-in needs (docs/PERFORMANCE.md "Arrivals"), and an error page then would be
// the one a rate limit still caused. The ID token has just been verified (signature, issuer,
// audience, nonce), and with the org authorization server its sub is the Okta user id, so it
// identifies the person as surely; its name, email and preferred_username fill the session.
// What only the Users API has waits: nothing is seeded, so the dashboard's profile card reads
// the profile (or says it will appear shortly while Okta is busy), and the page language
// follows the browser until the profile is in the cache (handlers/language.go). The ID
// token's locale and zoneinfo are not used, for the reason language.go gives. Roles are read
// as usual; when that read is refused too they stay unchecked, so the first privileged route
// asks Okta.
func (a *Auth) sessionFromClaims(ctx context.Context, tok *oauth2.Token, claims idClaims) (*session.Record, error) {
	ScopeFrom(ctx).Note("users_me", "rate_limited")
	rec := a.record(tok, claims)
	rec.Login = cmp.Or(claims.login, claims.email, claims.subject)
	rec.Name, rec.Email = cmp.Or(claims.name, rec.Login), claims.email
	a.readRoles(ctx, rec, claims)
	return rec, nil
}

// groupsClaimCap is the most groups Okta puts in a groups claim: it silently truncates the
// list there (docs/OKTA.md "Groups claim"), so a claim this long may be missing some.
const groupsClaimCap = 100

// groupsFromClaim returns the person's groups from the ID token's groups claim (names only, as
// Okta's claim gives them) when the claim can stand in for the Users API: configured, present,
// a list of names, shorter than Okta's cap, and naming no role group. A role group by name
// grants a role only as an OKTA_GROUP, which the claim cannot tell (an expression claim may
// include directory groups), and a role group by id cannot be matched against names at all: in
// both cases sign-in asks the Users API, as it does without the claim.
func (a *Auth) groupsFromClaim(claims idClaims) ([]client.Group, bool) {
	if a.opts.GroupsClaim == "" || claims.groups == nil || len(claims.groups) >= groupsClaimCap {
		return nil, false
	}
	roles := a.opts.Roles
	if len(roles.Admin.IDs) > 0 || len(roles.Helpdesk.IDs) > 0 {
		return nil, false
	}
	out := make([]client.Group, 0, len(claims.groups))
	for _, n := range claims.groups {
		g := client.Group{Profile: client.GroupProfile{Name: n}}
		if roles.Admin.Mentions(g) || roles.Helpdesk.Mentions(g) {
			return nil, false
		}
		out = append(out, g)
	}
	return out, true
}

type idClaims struct {
	raw      string
	subject  string
	authTime time.Time
	acr      string
	amr      []string
	// name, email and login are the ID token's name, email and preferred_username: the
	// session's words for the person only when /users/me could not be read (sessionFromClaims).
	name, email, login string
	// groups is the groups claim (AuthOptions.GroupsClaim): nil when absent or not a list of
	// names.
	groups []string
}

// verifyIDToken checks what go-oidc checks (signature with the discovered keys and algorithms,
// iss, aud, exp) plus what it leaves to us: the nonce, a single audience, iat not in the
// future, and at_hash when present (SECURITY.md requirement 5).
func (a *Auth) verifyIDToken(ctx context.Context, st *oidcState, tok *oauth2.Token, nonce string) (idClaims, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return idClaims{}, errors.New("no id_token in token response")
	}
	idt, err := st.verifier.Verify(ctx, raw)
	if err != nil {
		return idClaims{}, fmt.Errorf("verify: %w", err)
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return idClaims{}, errors.New("nonce mismatch")
	}
	if len(idt.Audience) != 1 {
		return idClaims{}, errors.New("unexpected extra audiences")
	}
	if idt.IssuedAt.After(a.opts.Now().Add(clockSkew)) {
		return idClaims{}, errors.New("issued in the future")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return idClaims{}, fmt.Errorf("at_hash: %w", err)
		}
	}
	var c struct {
		AuthTime int64    `json:"auth_time"`
		AZP      string   `json:"azp"`
		ACR      string   `json:"acr"`
		AMR      []string `json:"amr"`
		Name     string   `json:"name"`
		Email    string   `json:"email"`
		Login    string   `json:"preferred_username"`
	}
	if err := idt.Claims(&c); err != nil {
		return idClaims{}, fmt.Errorf("claims: %w", err)
	}
	if c.AZP != "" && c.AZP != a.opts.ClientID {
		return idClaims{}, errors.New("azp is not this client")
	}
	at := idt.IssuedAt
	if c.AuthTime > 0 {
		at = time.Unix(c.AuthTime, 0)
	}
	out := idClaims{raw: raw, subject: idt.Subject, authTime: at, acr: c.ACR, amr: c.AMR, name: c.Name, email: c.Email, login: c.Login}
	if a.opts.GroupsClaim != "" {
		var all map[string]json.RawMessage
		if err := idt.Claims(&all); err == nil {
			var names []string
			if raw, ok := all[a.opts.GroupsClaim]; ok && json.Unmarshal(raw, &names) == nil && names != nil {
				out.groups = names
			}
		}
	}
	return out, nil
}

// Failed handles GET /auth/error: a clean page explaining a failed sign-in.
func (a *Auth) Failed(w http.ResponseWriter, r *http.Request) error {
	title, msg := "signin.incomplete", "signin.failed_generic"
	switch r.URL.Query().Get("reason") {
	case failDenied:
		msg = "signin.failed_denied"
	case failExpired:
		msg = "signin.failed_expired"
	case failState:
		msg = "signin.failed_state"
	case failToken:
		msg = "signin.failed_token"
	case failAccount:
		msg = "signin.failed_account"
	case failUnavailable:
		title, msg = "error.okta_down.title", "signin.failed_unavailable"
	case failStepUp:
		title, msg = "signin.failed_step_up_title", "signin.failed_step_up"
	}
	ctx := r.Context()
	page := PageFor(r, tr(ctx, "signin.failed_title"), "")
	return Render(w, r, http.StatusBadRequest, views.SignInFailedPage(page, views.Alert{Kind: "error", Title: tr(ctx, title), Text: tr(ctx, msg)}))
}

// Logout handles POST /logout: it deletes the session, revokes the refresh token (best
// effort) and ends the Okta session through the end-session endpoint, which sends the browser
// back to the landing page with a state we check there.
func (a *Auth) Logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	tokens, signedIn := a.sessions.Tokens(ctx)
	if err := a.sessions.SignOut(w, r); err != nil {
		return Unavailable("signin.sign_out_failed", fmt.Errorf("destroy session: %w", err))
	}
	if !signedIn {
		redirect(w, r, "/")
		return nil
	}
	ScopeFrom(ctx).Note("event", "signed_out")
	a.mu.RLock()
	st := a.oidc
	a.mu.RUnlock()
	if st == nil {
		redirect(w, r, "/")
		return nil
	}
	if tokens.Refresh != "" && st.revocation != "" {
		if err := a.revoke(ctx, st.revocation, tokens.Refresh); err != nil {
			ScopeFrom(ctx).Note("revoke_refresh_token", "failed")
		}
	}
	if st.endSession == "" || tokens.ID == "" {
		redirect(w, r, "/")
		return nil
	}
	state := rand.Text()
	if err := a.sessions.BeginLogin(ctx, w, session.LoginTx{State: state, Created: a.opts.Now(), Extra: map[string]string{"kind": "logout"}}); err != nil {
		redirect(w, r, "/")
		return nil
	}
	v := url.Values{}
	v.Set("id_token_hint", tokens.ID)
	v.Set("post_logout_redirect_uri", a.opts.PostLogoutURL)
	v.Set("state", state)
	redirect(w, r, st.endSession+"?"+v.Encode())
	return nil
}

// SignedOut reports whether r is Okta's redirect back after a sign-out this browser started
// (the state matches the one stored at POST /logout), consuming that sign-out transaction.
// Anything else — a stray or forged state, a pending sign-in — is left untouched: only the
// callback consumes a sign-in (SECURITY.md 53).
func (a *Auth) SignedOut(w http.ResponseWriter, r *http.Request) bool {
	state := r.URL.Query().Get("state")
	if state == "" {
		return false
	}
	took, err := a.sessions.TakeLoginIf(r.Context(), w, r, func(tx session.LoginTx) bool {
		return tx.Extra["kind"] == "logout" && tx.State != "" && subtle.ConstantTimeCompare([]byte(state), []byte(tx.State)) == 1
	})
	return err == nil && took
}

func (a *Auth) revoke(ctx context.Context, endpoint, token string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	form := url.Values{"token": {token}, "token_type_hint": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(a.opts.ClientID), url.QueryEscape(a.opts.ClientSecret))
	resp, err := a.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke: status %d", resp.StatusCode)
	}
	return nil
}

// ErrSessionRevoked means Okta no longer honours the session's refresh token: the person must
// sign in again.
var ErrSessionRevoked = errors.New("refresh token rejected by Okta")

// Refresh renews a session's tokens with its refresh token and returns the new ones; the
// caller (the session layer, under the session's lock) stores them. The refreshed ID token, if
// Okta sends one, must still name userID. invalid_grant (revoked, expired, person deactivated)
// returns ErrSessionRevoked; Okta being unreachable returns another error and the session is
// kept.
func (a *Auth) Refresh(ctx context.Context, userID string, cur session.Tokens) (session.Tokens, error) {
	if cur.Refresh == "" {
		return cur, ErrSessionRevoked
	}
	st, err := a.state(ctx)
	if err != nil {
		return cur, err
	}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, a.opts.HTTPClient), a.opts.Timeout)
	defer cancel()
	ts := st.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: cur.Refresh, Expiry: time.Unix(1, 0)})
	tok, err := ts.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		// Only invalid_grant means Okta no longer honours this session (revoked, expired, the
		// person deactivated). Anything else — rate limited, a client-secret rotation in
		// progress, Okta down — keeps the session and fails this request.
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			return cur, fmt.Errorf("%w: %s", ErrSessionRevoked, safeToken(re.ErrorCode))
		}
		return cur, fmt.Errorf("refresh tokens: %w", err)
	}
	next := cur
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		claims, err := a.verifyIDToken(ctx, st, tok, "")
		if err != nil || claims.subject != userID {
			return cur, fmt.Errorf("%w: refreshed id token rejected", ErrSessionRevoked)
		}
		next.ID = raw
	}
	next.Access = tok.AccessToken
	if tok.RefreshToken != "" {
		next.Refresh = tok.RefreshToken
	}
	next.Expiry = a.expiry(tok)
	return next, nil
}

// expiry places the access token's lifetime on our clock (x/oauth2 computes Token.Expiry with
// the real one).
func (a *Auth) expiry(tok *oauth2.Token) time.Time {
	if tok.ExpiresIn > 0 {
		return a.opts.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return tok.Expiry
}

// Roles looks up the person's Okta groups with the service credential and maps them to
// Gatehouse roles (RoleGroups.Roles: a group of the right name grants a role only when Okta
// says it is an OKTA_GROUP).
func (a *Auth) Roles(ctx context.Context, userID string) ([]string, error) {
	groups, err := a.okta.ListUserGroups(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", userID, err)
	}
	return a.opts.Roles.Roles(groups), nil
}

// safeToken keeps an OAuth error code loggable: short, and only characters RFC 6749 allows
// in error codes, so a hostile value cannot forge log lines.
func safeToken(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

func displayName(first, last, display, login string) string {
	if display != "" {
		return display
	}
	if n := strings.TrimSpace(first + " " + last); n != "" {
		return n
	}
	return login
}

// signInScopes are the scopes sign-in asks for: the required ones, and each optional one the
// org says it supports.
func signInScopes(required, optional, supported []string) []string {
	scopes := slices.Clone(required)
	for _, sc := range optional {
		if slices.Contains(supported, sc) && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	return scopes
}
