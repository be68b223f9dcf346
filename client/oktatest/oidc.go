package oktatest

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// supportedScopes are the scopes the org authorization server grants to the
// registered client.
func supportedScopes() []string {
	return []string{scopeOpenID, scopeProfile, scopeEmail, scopeOffline, scopeUsersReadSelf,
		scopeUsersManageSelf, scopeUsersRead, scopeUsersManage, scopeGroupsRead,
		scopeMyPasswordRead, scopePoliciesRead, scopeGroups}
}

type accessToken struct {
	jti      string
	userID   string
	clientID string
	sid      string // the browser session it came from
	family   string // the authorization code it descends from
	scopes   []string
	issued   time.Time
	expires  time.Time
	revoked  bool
}

type refreshToken struct {
	userID   string
	clientID string
	sid      string
	family   string
	scopes   []string
	authTime time.Time
	acr      string
	amr      []string
	issued   time.Time
	expires  time.Time
	revoked  bool
}

// handleDiscovery serves /.well-known/openid-configuration and
// /.well-known/oauth-authorization-server.
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	iss := s.st.discoveryIssuer
	s.mu.Unlock()
	if iss == "" {
		iss = s.issuer
	}
	authMethods := []string{"client_secret_basic", "client_secret_post"}
	// Service apps authenticate at the token endpoint only, with private_key_jwt.
	tokenAuthMethods := append(slices.Clone(authMethods), "private_key_jwt")
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                        iss,
		"authorization_endpoint":                        s.abs("/oauth2/v1/authorize"),
		"token_endpoint":                                s.abs("/oauth2/v1/token"),
		"userinfo_endpoint":                             s.abs("/oauth2/v1/userinfo"),
		"jwks_uri":                                      s.abs("/oauth2/v1/keys"),
		"end_session_endpoint":                          s.abs("/oauth2/v1/logout"),
		"revocation_endpoint":                           s.abs("/oauth2/v1/revoke"),
		"introspection_endpoint":                        s.abs("/oauth2/v1/introspect"),
		"response_types_supported":                      []string{"code"},
		"response_modes_supported":                      []string{"query"},
		"grant_types_supported":                         []string{"authorization_code", "refresh_token", "client_credentials"},
		"subject_types_supported":                       []string{"public"},
		"id_token_signing_alg_values_supported":         []string{"RS256"},
		"scopes_supported":                              supportedScopes(),
		"token_endpoint_auth_methods_supported":         tokenAuthMethods,
		"dpop_signing_alg_values_supported":             []string{"ES256", "ES384", "ES512", "RS256", "RS384", "RS512"},
		"revocation_endpoint_auth_methods_supported":    authMethods,
		"introspection_endpoint_auth_methods_supported": authMethods,
		"code_challenge_methods_supported":              []string{"S256"},
		"claims_supported": []string{"iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp",
			"nonce", "name", "preferred_username", "given_name", "family_name", "email", "email_verified",
			"locale", "zoneinfo", "updated_at", "at_hash"},
		"request_parameter_supported": false,
	})
}

// handleKeys serves the JWKS.
func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	down := s.st.jwksDown
	var set any
	var err error
	if !down {
		set, err = s.jwks()
	}
	s.mu.Unlock()
	switch {
	case down:
		writeOktaError(w, &oktaError{status: http.StatusServiceUnavailable, code: codeInternal,
			summary: "Service unavailable"})
	case err != nil:
		writeOktaError(w, apiError(http.StatusInternalServerError, codeInternal))
	default:
		w.Header().Set("Cache-Control", "max-age=300")
		writeJSON(w, http.StatusOK, set)
	}
}

// validAccessToken returns the record of a usable access token: issued here,
// unrevoked, unexpired, and its user may still sign in. s.mu must be held.
func (s *Server) validAccessToken(tok string) *accessToken {
	if tok == "" {
		return nil
	}
	at := s.st.access[tokenKey(tok)]
	if at == nil || at.revoked || !s.now().Before(at.expires) {
		return nil
	}
	u := s.st.users[at.userID]
	if u == nil || !canSignIn(u.status) {
		return nil
	}
	return at
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// grant is what a token issuance needs to know.
type grant struct {
	user     *user
	clientID string
	scopes   []string
	authTime time.Time
	nonce    string
	sid      string
	family   string
	acr      string   // the acr_values the authentication satisfied, "" when none was asked
	amr      []string // the methods proved; nil means a password
}

// issueTokens mints an access token, an ID token and (with offline_access) a
// refresh token. s.mu must be held.
func (s *Server) issueTokens(g grant) (tokenResponse, error) {
	now := s.now()
	u := g.user
	atExp := now.Add(s.cfg.AccessTokenTTL)
	jti := "AT." + randomString(40)
	access, err := s.signJWT(map[string]any{
		"ver": 1, "jti": jti, "iss": s.issuer, "aud": s.issuer, "iat": now.Unix(), "exp": atExp.Unix(),
		"cid": g.clientID, "uid": u.id, "sub": u.login(), "scp": g.scopes, "auth_time": g.authTime.Unix(),
	}, nil)
	if err != nil {
		return tokenResponse{}, err
	}
	s.st.access[tokenKey(access)] = &accessToken{jti: jti, userID: u.id, clientID: g.clientID, sid: g.sid,
		family: g.family, scopes: g.scopes, issued: now, expires: atExp}

	claims := map[string]any{
		"sub": u.id, "ver": 1, "iss": s.issuer, "aud": g.clientID, "iat": now.Unix(),
		"exp": now.Add(idTokenTTL).Unix(), "jti": "ID." + randomString(40), "amr": amrOrPassword(g.amr),
		"idp": s.st.orgID, "auth_time": g.authTime.Unix(), "at_hash": atHash(access),
	}
	if g.acr != "" {
		// Okta reflects the acr_values it chose in the tokens (oauth spec, AcrValue).
		claims["acr"] = g.acr
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	for k, v := range s.profileClaims(u, g.scopes) {
		claims[k] = v
	}
	s.addGroupsClaim(claims, u, g.scopes)
	tamper := s.st.tamper
	s.st.tamper = nil
	idToken, err := s.signJWT(claims, tamper)
	if err != nil {
		return tokenResponse{}, err
	}
	resp := tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTokenTTL / time.Second),
		Scope: strings.Join(g.scopes, " "), IDToken: idToken}
	if slices.Contains(g.scopes, scopeOffline) {
		rt := randomString(43)
		s.st.refresh[tokenKey(rt)] = &refreshToken{userID: u.id, clientID: g.clientID, sid: g.sid, family: g.family,
			scopes: g.scopes, authTime: g.authTime, acr: g.acr, amr: g.amr, issued: now, expires: now.Add(s.cfg.RefreshTokenTTL)}
		resp.RefreshToken = rt
	}
	return resp, nil
}

// defaultZoneinfo is the zoneinfo claim of a person without a time zone.
const defaultZoneinfo = "America/Los_Angeles"

// oidcLocale turns a profile locale (en_US) into the claim's BCP 47 form (en-US); an
// unset one is Okta's default, en_US.
func oidcLocale(v string) string {
	if v == "" {
		v = "en_US"
	}
	return strings.ReplaceAll(v, "_", "-")
}

// profileClaims returns the OIDC claims the profile and email scopes release.
func (s *Server) profileClaims(u *user, scopes []string) map[string]any {
	c := map[string]any{}
	if slices.Contains(scopes, scopeProfile) {
		c["name"] = s.userDisplayName(u)
		c["preferred_username"] = u.login()
		c["given_name"] = profileString(u.profile, "firstName")
		c["family_name"] = profileString(u.profile, "lastName")
		c["updated_at"] = u.lastUpdated.Unix()
		// Okta releases locale and zoneinfo with the profile scope (its discovery document's
		// claims_supported; UserInfoExample "en-US", "America/Los_Angeles"). The profile's
		// locale "is en_US by default" (Okta's UserSchemaBaseProperties) and comes out as a
		// BCP 47 tag (OpenID Connect Core §5.1); a person without a time zone gets
		// America/Los_Angeles, as recorded userinfo answers show (docs/OKTA.md "Languages
		// and time zones"). So neither claim says what the person chose: the profile does.
		c["locale"] = oidcLocale(profileString(u.profile, "locale"))
		c["zoneinfo"] = orDefault(profileString(u.profile, "timezone"), defaultZoneinfo)
	}
	if slices.Contains(scopes, scopeEmail) {
		c["email"] = u.email()
		c["email_verified"] = true
	}
	return c
}

// clientAuth authenticates the client by client_secret_basic or
// client_secret_post. It returns "" and writes a 401 invalid_client (or 400
// invalid_request) response on failure.
func (s *Server) clientAuth(w http.ResponseWriter, r *http.Request) string {
	id, secret, basic := r.BasicAuth()
	postID, postSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if basic {
		if postSecret != "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.")
			return ""
		}
		// RFC 6749 §2.3.1: the credentials are form-encoded before Basic encoding.
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
	} else {
		id, secret = postID, postSecret
	}
	okID := subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) == 1
	okSecret := subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) == 1
	if id == "" || secret == "" || !okID || !okSecret {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+s.issuer+`"`)
		}
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "The client secret supplied for a confidential client is invalid.")
		return ""
	}
	return id
}

// redirectAllowed checks a redirect URI against the configured list, or, with
// no list, accepts any http(s) URL on a loopback host.
func redirectAllowed(raw string, allowed []string) bool {
	if raw == "" {
		return false
	}
	if len(allowed) > 0 {
		return slices.Contains(allowed, raw)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Fragment != "" || u.User != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withQuery appends parameters to a URL, keeping its own query.
func withQuery(raw string, kv ...string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
