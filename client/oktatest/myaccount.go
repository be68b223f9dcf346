package oktatest

import (
	"net/http"
	"slices"
	"strings"
)

// The MyAccount API's password complexity requirements (Okta's MyAccount spec,
// idp-oneOfInheritance.yaml, operationId getPasswordRequirements): GET
// /idp/myaccount/password/complexity-requirements with the signed-in person's
// access token (scope okta.myAccount.password.read) and the versioned Accept
// header answers the rules of the policy that applies to that person. The
// MyAccount API exists on Identity Engine orgs only; a Classic org answers
// 401 E0000015, the spec's "MyAccount not enabled" answer.

const (
	scopeMyPasswordRead = "okta.myAccount.password.read"
	// myAccountVersion is the API version MyAccount requires in Accept.
	myAccountVersion     = "okta-version=1.0.0"
	contentTypeMyAccount = "application/json;okta-version=1.0.0"
)

type passwordRequirementsJSON struct {
	Description string                    `json:"description"`
	Complexity  myComplexityJSON          `json:"complexity"`
	Links       map[string]hintedLinkJSON `json:"_links"`
}

type myComplexityJSON struct {
	MinLength         int      `json:"minLength"`
	MinLowerCase      int      `json:"minLowerCase"`
	MinUpperCase      int      `json:"minUpperCase"`
	MinNumber         int      `json:"minNumber"`
	MinSymbol         int      `json:"minSymbol"`
	ExcludeUsername   bool     `json:"excludeUsername"`
	ExcludeAttributes []string `json:"excludeAttributes"`
}

// acceptsMyAccount reports whether the Accept header names MyAccount's version.
func acceptsMyAccount(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			params := strings.Split(part, ";")
			if strings.TrimSpace(params[0]) != "application/json" {
				continue
			}
			for _, p := range params[1:] {
				if strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(p), " ", ""), myAccountVersion) {
					return true
				}
			}
		}
	}
	return false
}

// handleMyPasswordRequirements serves GET /idp/myaccount/password/complexity-requirements.
// Its answers carry MyAccount's versioned content type, errors included (the
// spec declares them so), except 406, which cannot know the version.
func (s *Server) handleMyPasswordRequirements(w http.ResponseWriter, r *http.Request) {
	writeOktaError := func(w http.ResponseWriter, e *oktaError) {
		ct := contentTypeMyAccount
		if e.status == http.StatusNotAcceptable {
			ct = contentTypeJSON
		}
		writeOktaErrorAs(w, e, ct)
	}
	rec := recordOf(r.Context())
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	rec.auth = scheme
	if !strings.EqualFold(scheme, "Bearer") {
		// MyAccount acts for a signed-in person: an API token is not accepted.
		writeOktaError(w, apiError(http.StatusUnauthorized, codeInvalidToken))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.validAccessToken(strings.TrimSpace(cred))
	if at == nil {
		e := apiError(http.StatusUnauthorized, codeInvalidToken)
		e.header = http.Header{"Www-Authenticate": {s.bearerChallenge("", "invalid_token", "The token is not valid.", r.URL.Path)}}
		writeOktaError(w, e)
		return
	}
	rec.subject = at.userID
	if !s.cfg.IdentityEngine {
		writeOktaError(w, apiError(http.StatusUnauthorized, codeFeatureDisabled))
		return
	}
	if !acceptsMyAccount(r) {
		writeOktaError(w, apiError(http.StatusNotAcceptable, codeNotAcceptable, "Missing or incorrect Accept header; MyAccount needs \"Accept: application/json; okta-version=1.0.0\"."))
		return
	}
	if !slices.Contains(at.scopes, scopeMyPasswordRead) {
		e := apiError(http.StatusForbidden, codeForbidden)
		e.header = http.Header{"Www-Authenticate": {s.bearerChallenge(scopeMyPasswordRead, "insufficient_scope",
			"The access token provided does not contain the required scopes.", r.URL.Path)}}
		writeOktaError(w, e)
		return
	}
	u := s.st.users[at.userID]
	s.applyTimedRules(u, s.now())
	p, _ := s.policyFor(u)
	c := p.complexity
	out := passwordRequirementsJSON{
		Description: p.describe(),
		Complexity: myComplexityJSON{MinLength: c.MinLength, MinLowerCase: c.MinLowerCase, MinUpperCase: c.MinUpperCase,
			MinNumber: c.MinNumber, MinSymbol: c.MinSymbol, ExcludeUsername: c.ExcludeUsername,
			ExcludeAttributes: append([]string{}, c.ExcludeAttributes...)},
		Links: map[string]hintedLinkJSON{"self": {Href: s.abs(r.URL.Path), Hints: &hintsJSON{Allow: []string{"GET"}}}},
	}
	writeJSONAs(w, http.StatusOK, contentTypeMyAccount, out)
}
