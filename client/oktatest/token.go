package oktatest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
)

func parseOAuthForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return false
	}
	return true
}

// handleToken serves POST /oauth2/v1/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.st.tokenRequests++
	s.mu.Unlock()
	if !parseOAuthForm(w, r) {
		return
	}
	if r.PostForm.Has("client_assertion") || r.PostForm.Has("client_assertion_type") {
		s.assertionTokenRequest(w, r) // a service app (serviceapp.go)
		return
	}
	clientID := s.clientAuth(w, r)
	if clientID == "" {
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		s.codeGrant(w, r, clientID)
	case "refresh_token":
		s.refreshGrant(w, r, clientID)
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The 'grant_type' parameter is required.")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
	}
}

func writeTokens(w http.ResponseWriter, resp tokenResponse) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// s256 is the PKCE S256 transform of a verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Server) codeGrant(w http.ResponseWriter, r *http.Request, clientID string) {
	code := r.PostForm.Get("code")
	verifier := r.PostForm.Get("code_verifier")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	ac := s.st.codes[code]
	if ac == nil || ac.params.clientID != clientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or has expired.")
		return
	}
	if ac.used {
		// A replayed code may mean it leaked: revoke what it produced (RFC 6749 §4.1.2).
		s.revokeFamily(code)
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or has expired.")
		return
	}
	ac.used = true
	if !now.Before(ac.expires) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or has expired.")
		return
	}
	if r.PostForm.Get("redirect_uri") != ac.params.redirectURI {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The 'redirect_uri' does not match the redirection URI used in the authorization request.")
		return
	}
	if verifier == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "PKCE verification failed: the 'code_verifier' parameter is required.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(s256(verifier)), []byte(ac.params.challenge)) != 1 {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed.")
		return
	}
	u := s.st.users[ac.userID]
	if u == nil || !canSignIn(u.status) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The user is not allowed to sign in.")
		return
	}
	resp, err := s.issueTokens(grant{user: u, clientID: clientID, scopes: ac.params.scopes, authTime: ac.authTime,
		nonce: ac.params.nonce, sid: ac.sid, family: code, acr: ac.params.acr, amr: ac.amr})
	if err != nil {
		s.log.Error("oktatest: issue tokens", "err", err)
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "The server could not issue tokens.")
		return
	}
	writeTokens(w, resp)
}

// revokeFamily revokes every token descending from one authorization code.
// s.mu must be held.
func (s *Server) revokeFamily(family string) {
	for _, at := range s.st.access {
		if at.family == family {
			at.revoked = true
		}
	}
	for _, rt := range s.st.refresh {
		if rt.family == family {
			rt.revoked = true
		}
	}
}

func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request, clientID string) {
	tok := r.PostForm.Get("refresh_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rt := s.st.refresh[tokenKey(tok)]
	if tok == "" || rt == nil || rt.revoked || !now.Before(rt.expires) || rt.clientID != clientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token is invalid or expired.")
		return
	}
	u := s.st.users[rt.userID]
	if u == nil || !canSignIn(u.status) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token is invalid or expired.")
		return
	}
	scopes := rt.scopes
	if req := strings.Fields(r.PostForm.Get("scope")); len(req) > 0 {
		for _, sc := range req {
			if !slices.Contains(rt.scopes, sc) {
				writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
				return
			}
		}
		scopes = req
		if !slices.Contains(scopes, scopeOffline) {
			scopes = append(scopes, scopeOffline) // the grant keeps its refresh token
		}
	}
	// Rotation: the presented refresh token is spent.
	rt.revoked = true
	resp, err := s.issueTokens(grant{user: u, clientID: clientID, scopes: scopes, authTime: rt.authTime,
		sid: rt.sid, family: rt.family, acr: rt.acr, amr: rt.amr})
	if err != nil {
		s.log.Error("oktatest: issue tokens", "err", err)
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "The server could not issue tokens.")
		return
	}
	s.st.refreshCount++
	writeTokens(w, resp)
}

// bearerToken reads the access token of a userinfo call.
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok)
	}
	if r.Method == http.MethodPost {
		return r.PostFormValue("access_token")
	}
	return ""
}

// handleUserinfo serves GET and POST /oauth2/v1/userinfo.
func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	tok := bearerToken(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.validAccessToken(tok)
	if at != nil {
		recordOf(r.Context()).subject = at.userID
	}
	switch {
	case at == nil:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is invalid."`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_token", "The access token is invalid.")
	case !slices.Contains(at.scopes, scopeOpenID):
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="The access token must provide access to at least one of these scopes - profile, email, address or phone"`)
		writeOAuthError(w, http.StatusForbidden, "insufficient_scope", "The access token must provide access to at least one of these scopes - profile, email, address or phone")
	default:
		u := s.st.users[at.userID]
		claims := s.profileClaims(u, at.scopes)
		claims["sub"] = u.id
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, claims)
	}
}

// handleRevoke serves POST /oauth2/v1/revoke (RFC 7009): always 200 for an
// authenticated client, known token or not.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if !parseOAuthForm(w, r) {
		return
	}
	clientID := s.clientAuth(w, r)
	if clientID == "" {
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The 'token' parameter is required.")
		return
	}
	s.mu.Lock()
	key := tokenKey(tok)
	if at := s.st.access[key]; at != nil && at.clientID == clientID {
		at.revoked = true
	}
	if rt := s.st.refresh[key]; rt != nil && rt.clientID == clientID {
		rt.revoked = true
		// Revoking a refresh token also revokes the access tokens of its grant.
		for _, at := range s.st.access {
			if at.family == rt.family && at.userID == rt.userID {
				at.revoked = true
			}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// handleIntrospect serves POST /oauth2/v1/introspect (RFC 7662).
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	if !parseOAuthForm(w, r) {
		return
	}
	clientID := s.clientAuth(w, r)
	if clientID == "" {
		return
	}
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{"active": false}
	now := s.now()
	if at := s.validAccessToken(tok); at != nil && at.clientID == clientID {
		u := s.st.users[at.userID]
		out = map[string]any{"active": true, "token_type": "Bearer", "scope": strings.Join(at.scopes, " "),
			"client_id": at.clientID, "username": u.login(), "sub": u.login(), "uid": u.id, "iss": s.issuer,
			"aud": s.issuer, "iat": at.issued.Unix(), "exp": at.expires.Unix(), "jti": at.jti}
	} else if rt := s.st.refresh[tokenKey(tok)]; tok != "" && rt != nil && !rt.revoked && now.Before(rt.expires) &&
		rt.clientID == clientID {
		if u := s.st.users[rt.userID]; u != nil && canSignIn(u.status) {
			out = map[string]any{"active": true, "token_type": "refresh_token", "scope": strings.Join(rt.scopes, " "),
				"client_id": rt.clientID, "username": u.login(), "sub": u.login(), "uid": u.id, "iss": s.issuer,
				"iat": rt.issued.Unix(), "exp": rt.expires.Unix()}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// handleLogout serves GET and POST /oauth2/v1/logout (RP-initiated logout).
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, http.StatusBadRequest, "The sign-out request is not valid.")
		return
	}
	hint := r.Form.Get("id_token_hint")
	plr := r.Form.Get("post_logout_redirect_uri")
	state := r.Form.Get("state")
	if hint == "" {
		s.renderError(w, http.StatusBadRequest, "The sign-out request is missing the 'id_token_hint' parameter.")
		return
	}
	s.mu.Lock()
	claims, err := s.verifyJWT(hint)
	// An expired ID token is fine here; it only has to be ours and for our client.
	if err != nil || claims["iss"] != s.issuer || !audienceHas(claims["aud"], s.cfg.ClientID) {
		s.mu.Unlock()
		s.renderError(w, http.StatusBadRequest, "The 'id_token_hint' parameter is not valid.")
		return
	}
	if plr != "" && !redirectAllowed(plr, s.cfg.PostLogoutRedirectURIs) {
		s.mu.Unlock()
		s.renderError(w, http.StatusBadRequest, "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.")
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if bs := s.st.sessions[c.Value]; bs != nil && bs.userID == claims["sub"] {
			delete(s.st.sessions, c.Value)
		}
	}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.issuer, "https://")})
	if plr == "" {
		s.renderPage(w, http.StatusOK, page{Kind: "message", Title: "Signed out", Message: "You have been signed out."})
		return
	}
	http.Redirect(w, r, withQuery(plr, "state", state), http.StatusFound)
}

func audienceHas(aud any, clientID string) bool {
	switch a := aud.(type) {
	case string:
		return a == clientID
	case []any:
		for _, x := range a {
			if x == clientID {
				return true
			}
		}
	}
	return false
}
