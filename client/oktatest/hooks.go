package oktatest

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Test hooks: Go methods to seed and inspect the org. They are not part of
// Okta's API and bypass its validation on purpose.

// AddUser adds a user (status default ACTIVE) and returns its id. It panics on
// a duplicate login or id, which is a bug in the test.
func (s *Server) AddUser(u SeedUser) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	nu, err := s.addUserLocked(u, s.now())
	if err != nil {
		panic("oktatest: AddUser: " + err.Error())
	}
	return nu.id
}

// AddGroup adds a group (type default OKTA_GROUP) and returns its id; a group
// of the same name is returned as is.
func (s *Server) AddGroup(g SeedGroup) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addGroupLocked(g, s.now()).id
}

// AddApp adds an app assigned to the named groups and logins; it returns the app id.
func (s *Server) AddApp(a SeedApp) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addAppLocked(a).id
}

// UserID returns the id of the user with that login, or "".
func (s *Server) UserID(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.byLogin[strings.ToLower(login)]
}

// GroupID returns the id of the group with that name, or "".
func (s *Server) GroupID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.st.groupByName(name); g != nil {
		return g.id
	}
	return ""
}

// GroupIDOfType returns the id of the group with that name and type
// (OKTA_GROUP, APP_GROUP or BUILT_IN), or "": an APP_GROUP may share its name
// with an OKTA_GROUP, and GroupID prefers the latter.
func (s *Server) GroupIDOfType(name, typ string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.st.groupByNameType(name, typ); g != nil {
		return g.id
	}
	return ""
}

// UserStatus returns the user's status, or "" for an unknown id.
func (s *Server) UserStatus(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.users[id]; u != nil {
		return u.status
	}
	return ""
}

// SetStatus sets the user's status directly, without Okta's rules.
func (s *Server) SetStatus(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.users[id]; u != nil {
		u.setStatus(status, s.now())
		u.failedSign, u.lockedAt = 0, time.Time{}
		if status == StatusLockedOut {
			u.lockedAt = s.now()
		}
	}
}

// SetPassword sets the user's password directly, without the policy.
func (s *Server) SetPassword(id, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.users[id]; u != nil {
		u.setPassword(password, s.now())
	}
}

// SetFactors gives the user MFA factors (an Okta Verify push factor on a phone, when they
// have none) or removes them all.
func (s *Server) SetFactors(id string, enrolled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[id]
	switch {
	case u == nil:
	case !enrolled:
		u.factors = nil
	case !u.hasFactors():
		f, err := seedFactor(u, SeedFactor{Type: FactorPush}, "set-factors", s.now())
		if err != nil {
			panic("oktatest: SetFactors: " + err.Error())
		}
		u.factors = []*factor{f}
	}
}

// AddUserToGroup adds the user to the named group, creating an OKTA_GROUP of
// that name if there is none.
func (s *Server) AddUserToGroup(userID, groupName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userID]
	if u == nil || strings.EqualFold(groupName, everyoneName) {
		return
	}
	g := s.groupForMember(groupName)
	u.groups[g.id] = true
	g.lastMembershipUpdated = s.now()
}

// RemoveUserFromGroup removes the user from the named group.
func (s *Server) RemoveUserFromGroup(userID, groupName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userID]
	g := s.st.groupByName(groupName)
	if u == nil || g == nil || !u.groups[g.id] {
		return
	}
	delete(u.groups, g.id)
	g.lastMembershipUpdated = s.now()
}

// Emails returns a copy of the outbox.
func (s *Server) Emails() []Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Email(nil), s.st.emails...)
}

// SignInSessions returns the number of live emulator browser sessions of the user.
func (s *Server) SignInSessions(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for _, bs := range s.st.sessions {
		if bs.userID == userID && now.Before(bs.expires) {
			n++
		}
	}
	return n
}

// ActiveTokens returns the number of unrevoked, unexpired access tokens of the user.
func (s *Server) ActiveTokens(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for _, at := range s.st.access {
		if at.userID == userID && !at.revoked && now.Before(at.expires) {
			n++
		}
	}
	return n
}

// FailedSignIns returns the user's consecutive failed sign-in count.
func (s *Server) FailedSignIns(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.users[userID]; u != nil {
		return u.failedSign
	}
	return 0
}

// Tokens are the tokens MintTokens issues.
type Tokens struct {
	AccessToken  string
	IDToken      string
	RefreshToken string // only with offline_access
}

// MintTokens issues tokens for the user with that login as if they had just
// signed in through the authorization code flow (no browser session is
// created), for tests that need a bearer token without driving the sign-in
// page. With no scopes it grants "openid profile email okta.users.read.self".
func (s *Server) MintTokens(login string, scopes ...string) (Tokens, error) {
	if len(scopes) == 0 {
		scopes = []string{scopeOpenID, scopeProfile, scopeEmail, scopeUsersReadSelf}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.st.byLogin[strings.ToLower(login)]
	if !ok {
		return Tokens{}, fmt.Errorf("mint tokens: no user %q", login)
	}
	u := s.st.users[id]
	if !canSignIn(u.status) {
		return Tokens{}, fmt.Errorf("mint tokens: user %q is %s and cannot sign in", login, u.status)
	}
	now := s.now()
	resp, err := s.issueTokens(grant{user: u, clientID: s.cfg.ClientID, scopes: scopes, authTime: now,
		family: "minted:" + randomString(16)})
	if err != nil {
		return Tokens{}, fmt.Errorf("mint tokens: %w", err)
	}
	return Tokens{AccessToken: resp.AccessToken, IDToken: resp.IDToken, RefreshToken: resp.RefreshToken}, nil
}

// TamperNextIDToken spoils the ID token of the next successful token-endpoint
// response (any grant); later responses are normal again.
func (s *Server) TamperNextIDToken(t TokenTamper) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.tamper = &t
}

// SetJWKSDown makes the JWKS endpoint answer 503 (or serve again).
func (s *Server) SetJWKSDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.jwksDown = down
}

// SetDiscoveryIssuer overrides the issuer in the discovery document, for
// issuer-mismatch tests; "" restores the real issuer. Tokens keep the real one.
func (s *Server) SetDiscoveryIssuer(iss string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.discoveryIssuer = iss
}

// SetSelfCredentialScopes switches whether okta.users.manage.self tokens may
// change their own password and recovery question (see Config).
func (s *Server) SetSelfCredentialScopes(allow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.allowSelfCred = allow
}

// TokenRequests returns the number of calls to the token endpoint (any grant,
// failures included).
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.tokenRequests
}

// RefreshCount returns the number of refresh_token grants served successfully.
func (s *Server) RefreshCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.refreshCount
}

// serveControl serves the /_emulator/ control API (see the package doc).
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "SSWS") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(cred)), []byte(s.cfg.APIToken)) != 1 {
		writeOktaError(w, apiError(http.StatusUnauthorized, codeInvalidToken))
		return
	}
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET /_emulator/stats":
		counts, total := s.stats()
		writeJSON(w, http.StatusOK, map[string]any{"requests": counts, "total": total})
	case "POST /_emulator/reset-stats":
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_emulator/latency":
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil || d < 0 {
			writeOktaError(w, validationError("d", "d: must be a duration such as 50ms"))
			return
		}
		s.SetLatency(r.URL.Query().Get("path"), d)
		w.WriteHeader(http.StatusNoContent)
	case "POST /_emulator/fault":
		s.serveFaultControl(w, r)
	case "POST /_emulator/clear-faults":
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "GET /_emulator/emails":
		writeJSON(w, http.StatusOK, s.Emails())
	default:
		writeOktaError(w, apiError(http.StatusNotFound, codeNotFound))
	}
}
