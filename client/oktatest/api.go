package oktatest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

const maxBodyBytes = 1 << 20

// OAuth scopes of the org authorization server.
const (
	scopeOpenID          = "openid"
	scopeProfile         = "profile"
	scopeEmail           = "email"
	scopeOffline         = "offline_access"
	scopeUsersReadSelf   = "okta.users.read.self"
	scopeUsersManageSelf = "okta.users.manage.self"
	scopeUsersRead       = "okta.users.read"
	scopeUsersManage     = "okta.users.manage"
	scopeGroupsRead      = "okta.groups.read"
	scopeGroupsManage    = "okta.groups.manage"
	scopeSchemasRead     = "okta.schemas.read"
	scopeSchemasManage   = "okta.schemas.manage"
)

// access says who may call a route with a bearer token (USERS-API.md §7.2). An
// SSWS token acts as a super admin and may call everything.
type access int

const (
	adminOnly       access = iota // bearer → 403 insufficient_scope
	selfRead                      // bearer for its own user with read.self, read or manage
	selfCredentials               // bearer for its own user with manage.self (if allowed) or manage
	selfProfile                   // bearer for its own user with manage.self or manage (profile only)
	selfList                      // bearer with read.self (lists only its own user), read or manage
)

type apiHandler func(w http.ResponseWriter, r *http.Request, c *apiCall) error

type apiRoute struct {
	method string
	path   []string // segments below /api/v1; "{id}" is the user identifier
	op     string
	access access
	scope  string // the scope to name in WWW-Authenticate
	h      apiHandler
	// public routes need no credential: the path holds a secret of its own.
	public bool
}

// apiCall is what an API handler knows about its caller and path.
type apiCall struct {
	id     string            // the raw {id} path segment (unescaped)
	params map[string]string // every {name} path segment, {id} included
	userID string            // the caller: the token owner for SSWS, uid for Bearer; "" for a service app
	bearer *accessToken
	// service is the access token of an OAuth service app (serviceapp.go); it has no user.
	service *serviceToken
	path    string // the request path, for WWW-Authenticate's resource
}

type apiMatch struct {
	route  *apiRoute
	allow  []string // methods of routes with the same path, when the method did not match
	params map[string]string
}

func (m apiMatch) op() string {
	if m.route == nil {
		return ""
	}
	return m.route.op
}

func (s *Server) apiRoutes() []apiRoute {
	lc := func(name, op string, h apiHandler) apiRoute {
		return apiRoute{method: http.MethodPost, path: []string{"users", "{id}", "lifecycle", name},
			op: op, scope: scopeUsersManage, h: h}
	}
	return append([]apiRoute{
		{method: http.MethodGet, path: []string{"users"}, op: "listUsers", access: selfList, scope: scopeUsersRead, h: s.listUsers},
		{method: http.MethodPost, path: []string{"users"}, op: "createUser", scope: scopeUsersManage, h: s.createUser},
		{method: http.MethodGet, path: []string{"users", "{id}"}, op: "getUser", access: selfRead, scope: scopeUsersReadSelf, h: s.getUser},
		{method: http.MethodPut, path: []string{"users", "{id}"}, op: "replaceUser", scope: scopeUsersManage, h: s.replaceUser},
		{method: http.MethodPost, path: []string{"users", "{id}"}, op: "updateUser", access: selfProfile, scope: scopeUsersManageSelf, h: s.updateUser},
		{method: http.MethodDelete, path: []string{"users", "{id}"}, op: "deleteUser", scope: scopeUsersManage, h: s.deleteUser},
		{method: http.MethodGet, path: []string{"users", "{id}", "appLinks"}, op: "listAppLinks", access: selfRead, scope: scopeUsersReadSelf, h: s.listAppLinks},
		{method: http.MethodGet, path: []string{"users", "{id}", "groups"}, op: "listUserGroups", access: selfRead, scope: scopeUsersReadSelf, h: s.listUserGroups},
		{method: http.MethodPost, path: []string{"users", "{id}", "credentials", "change_password"}, op: "changePassword", access: selfCredentials, scope: scopeUsersManageSelf, h: s.changePassword},
		{method: http.MethodPost, path: []string{"users", "{id}", "credentials", "change_recovery_question"}, op: "changeRecoveryQuestion", access: selfCredentials, scope: scopeUsersManageSelf, h: s.changeRecoveryQuestion},
		{method: http.MethodPost, path: []string{"users", "{id}", "credentials", "forgot_password"}, op: "forgotPassword", scope: scopeUsersManage, h: s.forgotPassword},
		{method: http.MethodDelete, path: []string{"users", "{id}", "sessions"}, op: "revokeUserSessions", scope: scopeUsersManage, h: s.clearSessions},
		lc("activate", "activateUser", s.activate),
		lc("reactivate", "reactivateUser", s.reactivate),
		lc("deactivate", "deactivateUser", s.deactivate),
		lc("expire_password", "expirePassword", s.expirePassword),
		lc("expire_password_with_temp_password", "expirePasswordWithTempPassword", s.expirePasswordWithTempPassword),
		lc("reset_factors", "resetFactors", s.resetFactors),
		lc("reset_password", "resetPassword", s.resetPassword),
		lc("suspend", "suspendUser", s.suspend),
		lc("unsuspend", "unsuspendUser", s.unsuspend),
		lc("unlock", "unlockUser", s.unlock),
		{method: http.MethodGet, path: []string{"groups"}, op: "listGroups", scope: scopeGroupsRead, h: s.listGroups},
		{method: http.MethodGet, path: []string{"meta", "schemas", "user", "{schemaId}"}, op: "getUserSchema", scope: scopeSchemasRead, h: s.getUserSchema},
		{method: http.MethodPost, path: []string{"meta", "schemas", "user", "{schemaId}"}, op: "updateUserProfile", scope: scopeSchemasManage, h: s.updateUserProfile},
	}, slices.Concat(s.policyRoutes(), s.roleRoutes(), s.factorRoutes(), s.membershipRoutes())...)
}

// matchAPI finds the route for r. Path segments are matched after unescaping,
// so a login like alice%40example.com is one {id} segment.
func matchAPI(routes []apiRoute, r *http.Request) apiMatch {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/api/v1")
	rest = strings.TrimPrefix(rest, "/")
	var segs []string
	for _, raw := range strings.Split(rest, "/") {
		seg, err := url.PathUnescape(raw)
		if err != nil {
			return apiMatch{}
		}
		segs = append(segs, seg)
	}
	var m apiMatch
	for i := range routes {
		rt := &routes[i]
		params, ok := matchSegments(rt.path, segs)
		if !ok {
			continue
		}
		if rt.method == r.Method || (rt.method == http.MethodGet && r.Method == http.MethodHead) {
			return apiMatch{route: rt, params: params}
		}
		m.allow = append(m.allow, rt.method)
	}
	return m
}

// matchSegments matches path segments against a pattern whose "{name}"
// segments capture one non-empty segment each.
func matchSegments(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}")] = segs[i]
		case p != segs[i]:
			return nil, false
		}
	}
	return params, true
}

// serveAPI authenticates, authorizes and dispatches a /api/v1 request.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, m apiMatch, rec *reqRecord) {
	if m.route != nil && m.route.public {
		if err := m.route.h(w, r, &apiCall{id: m.params["id"], params: m.params, path: r.URL.Path}); err != nil {
			var oe *oktaError
			if !errors.As(err, &oe) {
				s.log.Error("oktatest: api handler", "op", rec.op, "err", err)
				oe = apiError(http.StatusInternalServerError, codeInternal)
			}
			writeOktaError(w, oe)
		}
		return
	}
	c, err := s.authenticate(r, rec)
	if err == nil {
		switch {
		case m.route == nil && len(m.allow) > 0:
			// USERS-API.md §6 lists E0000022 under 404; Okta answers it with 405,
			// which is also what HTTP means.
			w.Header().Set("Allow", strings.Join(m.allow, ", "))
			err = apiError(http.StatusMethodNotAllowed, codeMethod)
		case m.route == nil:
			err = &oktaError{status: http.StatusNotImplemented, code: codeUnsupported,
				summary: "Unsupported operation: the Okta emulator does not implement " + r.Method + " " + r.URL.Path}
		default:
			c.id, c.params = m.params["id"], m.params
			err = s.authorize(c, m.route)
		}
	}
	if err == nil {
		err = m.route.h(w, r, c)
	}
	if err != nil {
		var oe *oktaError
		if !errors.As(err, &oe) {
			s.log.Error("oktatest: api handler", "op", rec.op, "err", err)
			oe = apiError(http.StatusInternalServerError, codeInternal)
		}
		writeOktaError(w, oe)
	}
}

// authenticate checks the Authorization header: SSWS (constant-time compare)
// or a Bearer access token issued by this org and still valid.
func (s *Server) authenticate(r *http.Request, rec *reqRecord) (*apiCall, error) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "SSWS"):
		rec.auth = "SSWS"
		if cred != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(s.cfg.APIToken)) == 1 {
			s.mu.Lock()
			defer s.mu.Unlock()
			return &apiCall{userID: s.st.adminID}, nil
		}
	case strings.EqualFold(scheme, "Bearer"):
		rec.auth = "Bearer"
		s.mu.Lock()
		at := s.validAccessToken(cred)
		s.mu.Unlock()
		if at != nil {
			rec.subject = at.userID
			return &apiCall{userID: at.userID, bearer: at}, nil
		}
		if c, ok, err := s.authenticateService(r, rec, scheme, cred); ok {
			return c, err
		}
		e := apiError(http.StatusUnauthorized, codeInvalidToken)
		e.header = http.Header{"Www-Authenticate": {s.bearerChallenge("", "invalid_token", "The token is not valid.", r.URL.Path)}}
		return nil, e
	case strings.EqualFold(scheme, "DPoP"):
		rec.auth = "DPoP"
		if c, ok, err := s.authenticateService(r, rec, scheme, cred); ok {
			return c, err
		}
		e := apiError(http.StatusUnauthorized, codeInvalidToken)
		e.header = http.Header{"Www-Authenticate": {`DPoP algs="ES256 ES384 ES512 RS256 RS384 RS512", error="invalid_token", error_description="The token is not valid."`}}
		return nil, e
	}
	return nil, apiError(http.StatusUnauthorized, codeInvalidToken)
}

func (s *Server) bearerChallenge(scope, code, desc, resource string) string {
	parts := []string{
		fmt.Sprintf("authorization_uri=%q", s.abs("/oauth2/v1/authorize")),
		fmt.Sprintf("realm=%q", s.issuer),
	}
	if scope != "" {
		parts = append(parts, fmt.Sprintf("scope=%q", scope))
	}
	parts = append(parts, fmt.Sprintf("error=%q", code), fmt.Sprintf("error_description=%q", desc))
	if resource != "" {
		parts = append(parts, fmt.Sprintf("resource=%q", resource))
	}
	return "Bearer " + strings.Join(parts, ", ")
}

// authorize enforces the bearer-token rules of USERS-API.md §7.2: a user's own
// token reaches only its own user, and only with the matching scope.
func (s *Server) authorize(c *apiCall, rt *apiRoute) error {
	if c.service != nil {
		return s.authorizeService(c, rt)
	}
	if c.bearer == nil {
		return nil
	}
	scopes := c.bearer.scopes
	has := func(want ...string) bool {
		for _, sc := range want {
			if slices.Contains(scopes, sc) {
				return true
			}
		}
		return false
	}
	// Unconfirmed (USERS-API.md §7.2): read.self also covers /users/me/groups
	// and /users/{own id}; manage.self covers the credential calls only while
	// allowSelfCred is on.
	ok := false
	if rt.access == selfList {
		// USERS-API.md §7.2: GET /users with read.self answers with the caller
		// only; listUsers narrows the result (see listsOnlySelf).
		ok = has(scopeUsersReadSelf, scopeUsersRead, scopeUsersManage)
	} else if rt.access != adminOnly && s.isSelf(c) {
		switch rt.access {
		case selfRead:
			ok = has(scopeUsersReadSelf, scopeUsersRead, scopeUsersManage)
		case selfCredentials:
			s.mu.Lock()
			allow := s.st.allowSelfCred
			s.mu.Unlock()
			ok = has(scopeUsersManage) || (allow && has(scopeUsersManageSelf))
		case selfProfile:
			ok = has(scopeUsersManageSelf, scopeUsersManage)
		}
	}
	if ok {
		return nil
	}
	return s.insufficientScope(rt.scope)
}

// listsOnlySelf reports whether a list call may show only the caller: a
// bearer token whose only users scope is okta.users.read.self.
func listsOnlySelf(c *apiCall) bool {
	return c.bearer != nil && !slices.Contains(c.bearer.scopes, scopeUsersRead) &&
		!slices.Contains(c.bearer.scopes, scopeUsersManage)
}

// insufficientScope is the 403 E0000006 a bearer token gets for a call its
// scopes do not cover.
func (s *Server) insufficientScope(scope string) *oktaError {
	e := apiError(http.StatusForbidden, codeForbidden)
	e.header = http.Header{"Www-Authenticate": {s.bearerChallenge(scope, "insufficient_scope",
		"The access token provided does not contain the required scopes.", "/api/v1/users")}}
	return e
}

// isSelf reports whether the path's {id} names the bearer's own user: "me",
// its id or its login.
func (s *Server) isSelf(c *apiCall) bool {
	if c.id == "me" || c.id == c.userID {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[c.userID]
	return u != nil && strings.EqualFold(u.login(), c.id)
}

// target resolves the {id} of the call. s.mu must be held.
func (s *Server) target(c *apiCall) (*user, error) {
	ref := c.id
	if ref == "me" {
		ref = c.userID
	}
	if u := s.st.findUser(ref); u != nil {
		s.applyTimedRules(u, s.now())
		return u, nil
	}
	return nil, notFoundUser(c.id)
}

// readJSON decodes a JSON request body (at most 1 MiB). An empty body decodes
// to the zero value when allowEmpty is set.
func readJSON(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apiError(http.StatusRequestEntityTooLarge, codeMalformedBody, "The request body is larger than 1 MiB.")
		}
		return apiError(http.StatusBadRequest, codeMalformedBody)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if allowEmpty {
			return nil
		}
		return apiError(http.StatusBadRequest, codeMalformedBody)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apiError(http.StatusBadRequest, codeMalformedBody)
	}
	return nil
}

// boolParam parses a boolean query parameter with a default.
func boolParam(r *http.Request, name string, def bool) (bool, error) {
	v := r.URL.Query().Get(name)
	switch strings.ToLower(v) {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, validationError(name, name+": must be true or false")
}
