package oktatest

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	sessionCookie  = "okta_sid"
	sessionTTL     = 2 * time.Hour // Okta's default session lifetime
	signinTxTTL    = 15 * time.Minute
	authCodeTTL    = 60 * time.Second
	msgUnableLogIn = "Unable to sign in"
	msgLockedOut   = "Your account is locked. Contact your administrator."
)

var pkceChallengePattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// authParams is a validated authorization request.
type authParams struct {
	clientID, redirectURI, state, nonce, challenge string
	scopes                                         []string
	prompt                                         []string
	maxAge                                         int // -1 when absent
	loginHint                                      string
	acr                                            string // the acr_values chosen, "" when none (stepup.go)
}

// signinTx is a sign-in in progress (the hidden "tx" field of the forms).
type signinTx struct {
	params  authParams
	expires time.Time
	userID  string // set once the password was right but has expired
	factor  *factorChallenge
}

type authCode struct {
	params   authParams
	userID   string
	sid      string
	authTime time.Time
	amr      []string // how the person authenticated (ID token amr)
	expires  time.Time
	used     bool
}

// handleAuthorize serves GET /oauth2/v1/authorize.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.cfg.ClientID {
		s.renderError(w, http.StatusBadRequest, "The client_id is not valid. Check the link you followed or contact the application's owner.")
		return
	}
	redirectURI := q.Get("redirect_uri")
	if !redirectAllowed(redirectURI, s.cfg.RedirectURIs) {
		s.renderError(w, http.StatusBadRequest, "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		http.Redirect(w, r, withQuery(redirectURI, "error", code, "error_description", desc, "state", state), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type", "The response type is not supported by the authorization server. Configured response types: [code].")
		return
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		fail("unsupported_response_mode", "The response mode is not supported by the authorization server.")
		return
	}
	var scopes []string
	for _, sc := range strings.Fields(q.Get("scope")) {
		if !slices.Contains(supportedScopes(), sc) {
			fail("invalid_scope", "One or more scopes are not configured for the authorization server resource.")
			return
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if !slices.Contains(scopes, scopeOpenID) {
		fail("invalid_scope", "The authorization request must include the 'openid' scope.")
		return
	}
	if state == "" {
		fail("invalid_request", "The authorization request is missing the 'state' parameter.")
		return
	}
	challenge := q.Get("code_challenge")
	if challenge == "" {
		fail("invalid_request", "PKCE code challenge is required.")
		return
	}
	if q.Get("code_challenge_method") != "S256" {
		fail("invalid_request", "PKCE code challenge method must be 'S256'.")
		return
	}
	if !pkceChallengePattern.MatchString(challenge) {
		fail("invalid_request", "PKCE code challenge contains illegal characters or has an invalid length.")
		return
	}
	prompt := strings.Fields(q.Get("prompt"))
	for _, p := range prompt {
		if p != "none" && p != "login" && p != "consent" {
			fail("invalid_request", "The 'prompt' parameter has an unsupported value.")
			return
		}
	}
	if slices.Contains(prompt, "none") && len(prompt) > 1 {
		fail("invalid_request", "The 'prompt=none' value cannot be combined with other values.")
		return
	}
	maxAge := -1
	if v := q.Get("max_age"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fail("invalid_request", "The 'max_age' parameter must be a non-negative integer.")
			return
		}
		maxAge = n
	}
	acr, ok := chooseACR(q.Get("acr_values"))
	if !ok {
		fail("invalid_request", "The 'acr_values' parameter has no value this authorization server supports.")
		return
	}
	params := authParams{clientID: s.cfg.ClientID, redirectURI: redirectURI, state: state, nonce: q.Get("nonce"),
		challenge: challenge, scopes: scopes, prompt: prompt, maxAge: maxAge, loginHint: q.Get("login_hint"), acr: acr}

	s.mu.Lock()
	now := s.now()
	if s.shouldPurge(now) {
		s.st.purge(now)
	}
	bs := s.liveSession(r, now)
	// max_age=0 demands a fresh sign-in, like prompt=login (OIDC Core §3.1.2.1).
	fresh := bs != nil && (maxAge < 0 || maxAge > 0 && now.Sub(bs.authTime) <= time.Duration(maxAge)*time.Second)
	// A session that proved fewer factors than acr_values asks for does not satisfy it.
	fresh = fresh && satisfiesACR(acr, bs.amr)
	if fresh && !slices.Contains(prompt, "login") {
		code := s.newAuthCode(params, bs.userID, bs.id, bs.authTime, bs.amr, now)
		s.mu.Unlock()
		http.Redirect(w, r, withQuery(redirectURI, "code", code, "state", state), http.StatusFound)
		return
	}
	if slices.Contains(prompt, "none") {
		s.mu.Unlock()
		fail("login_required", "The client specified not to prompt, but the user is not logged in.")
		return
	}
	txID := randomString(32)
	s.st.txs[txID] = &signinTx{params: params, expires: now.Add(signinTxTTL)}
	s.mu.Unlock()
	s.renderPage(w, http.StatusOK, page{Kind: "signin", Title: "Sign in", Tx: txID, Username: params.loginHint})
}

// liveSession returns the browser's emulator session if it is unexpired and
// its user is ACTIVE. s.mu must be held.
func (s *Server) liveSession(r *http.Request, now time.Time) *browserSession {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	bs := s.st.sessions[c.Value]
	if bs == nil || !now.Before(bs.expires) {
		return nil
	}
	if u := s.st.users[bs.userID]; u == nil || u.status != StatusActive {
		return nil
	}
	return bs
}

// newAuthCode issues a single-use code bound to the request. s.mu must be held.
func (s *Server) newAuthCode(p authParams, userID, sid string, authTime time.Time, amr []string, now time.Time) string {
	code := randomString(43)
	s.st.codes[code] = &authCode{params: p, userID: userID, sid: sid, authTime: authTime, amr: amr, expires: now.Add(authCodeTTL)}
	return code
}

// takeTx returns the live sign-in transaction named by the form. s.mu must be held.
func (s *Server) takeTx(r *http.Request, now time.Time) (string, *signinTx) {
	id := r.PostFormValue("tx")
	tx := s.st.txs[id]
	if tx == nil || !now.Before(tx.expires) {
		return "", nil
	}
	return id, tx
}

// findSignInUser matches the username against logins (case-insensitive) or
// unambiguous login short names; user ids are not accepted. s.mu must be held.
func (s *Server) findSignInUser(username string) *user {
	username = strings.TrimSpace(username)
	if username == "" || strings.HasPrefix(username, prefixUser) && s.st.users[username] != nil {
		return nil
	}
	return s.st.findUser(username)
}

// handleSignIn serves POST /signin: the sign-in form.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	s.mu.Lock()
	now := s.now()
	txID, tx := s.takeTx(r, now)
	if tx == nil {
		s.mu.Unlock()
		s.renderError(w, http.StatusBadRequest, "Your sign-in request has expired. Go back to the application and sign in again.")
		return
	}
	u := s.findSignInUser(username)
	if u != nil {
		s.applyTimedRules(u, now)
	}
	msg := msgUnableLogIn
	switch {
	case u == nil:
	case idpSignInAllowed(u):
		// Federated and social people never have a password at Okta: their
		// sign-in goes to their identity provider, which the emulator stands in for.
		s.mu.Unlock()
		s.renderPage(w, http.StatusOK, page{Kind: "idp", Title: "Sign in", Tx: txID, Username: u.login(),
			Message: u.login() + " signs in with " + providerName(u) + "."})
		return
	case u.status == StatusLockedOut:
		// Okta says "locked" only where the policy shows lockout failures.
		if s.lockoutMessageShown(u) {
			msg = msgLockedOut
		}
	case canSignIn(u.status) && !u.checkPassword(password):
		s.recordFailedPassword(u, now)
	case u.status == StatusPasswordExpired || (u.status == StatusActive && s.passwordAgedOut(u, now)):
		// Okta applies maxAgeDays when the person signs in.
		u.setStatus(StatusPasswordExpired, now)
		u.failedSign = 0
		tx.userID = u.id
		rules := s.policyText(u)
		s.mu.Unlock()
		s.renderPage(w, http.StatusOK, page{Kind: "expired", Title: "Your password has expired", Tx: txID, Rules: rules})
		return
	case u.status == StatusActive:
		s.afterPassword(w, r, txID, tx, u, now) // unlocks
		return
	}
	s.mu.Unlock()
	s.renderPage(w, http.StatusUnauthorized, page{Kind: "signin", Title: "Sign in", Tx: txID, Username: username, Error: msg})
}

// completeSignIn records the sign-in, starts the emulator session and sends
// the browser back with a code. amr lists the methods the person proved. It
// is called with s.mu held and releases it.
func (s *Server) completeSignIn(w http.ResponseWriter, r *http.Request, txID string, tx *signinTx, u *user, now time.Time, amr []string) {
	u.failedSign = 0
	u.lastLogin = now
	delete(s.st.txs, txID)
	sid := randomString(40)
	s.st.sessions[sid] = &browserSession{id: sid, userID: u.id, authTime: now, amr: amr, expires: now.Add(sessionTTL)}
	code := s.newAuthCode(tx.params, u.id, sid, now, amr, now)
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.issuer, "https://")})
	http.Redirect(w, r, withQuery(tx.params.redirectURI, "code", code, "state", tx.params.state), http.StatusSeeOther)
}

// handleExpiredPassword serves POST /signin/expired-password: the forced
// change after signing in with an expired (or temporary) password.
func (s *Server) handleExpiredPassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	newPW, confirm := r.PostFormValue("newPassword"), r.PostFormValue("confirmPassword")
	s.mu.Lock()
	now := s.now()
	txID, tx := s.takeTx(r, now)
	var u *user
	if tx != nil {
		u = s.st.users[tx.userID]
	}
	if u == nil || u.status != StatusPasswordExpired {
		s.mu.Unlock()
		s.renderError(w, http.StatusBadRequest, "Your sign-in request has expired. Go back to the application and sign in again.")
		return
	}
	var msgs []string
	if newPW != confirm {
		msgs = []string{"Passwords must match"}
	} else {
		msgs = s.passwordProblems(u, u.profile, newPW, passwordRules{history: true}, now)
	}
	if len(msgs) > 0 {
		rules := s.policyText(u)
		s.mu.Unlock()
		s.renderPage(w, http.StatusUnprocessableEntity, page{Kind: "expired", Title: "Your password has expired", Tx: txID, Errors: msgs, Rules: rules})
		return
	}
	u.setPassword(newPW, now)
	u.setStatus(StatusActive, now)
	s.afterPassword(w, r, txID, tx, u, now)
}
