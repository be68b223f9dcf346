package oktatest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

const (
	listDefaultLimit  = 200
	listMaxLimit      = 200
	qDefaultLimit     = 10
	groupDefaultLimit = 200
	groupQueryLimit   = 300
	groupMaxLimit     = 10000
	maxCreateGroupIDs = 20
)

// limitParam reads limit=, applying the default and capping at max (a limit
// above the maximum is capped, not refused).
func limitParam(r *http.Request, def, maxLimit int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		// Unconfirmed (USERS-API.md §9): chose 400 E0000001 for a non-positive or
		// non-numeric limit.
		return 0, validationError("limit", "limit: Invalid value")
	}
	return min(n, maxLimit), nil
}

// linkHeaders sets Okta's paging Link headers: separate lines for self and next.
func (s *Server) linkHeaders(w http.ResponseWriter, r *http.Request, path, nextAfter string, limit int) {
	q := r.URL.Query()
	self := s.abs(path)
	if enc := q.Encode(); enc != "" {
		self += "?" + enc
	}
	w.Header().Add("Link", "<"+self+`>; rel="self"`)
	if nextAfter == "" {
		return
	}
	q.Set("after", nextAfter)
	q.Set("limit", strconv.Itoa(limit))
	w.Header().Add("Link", "<"+s.abs(path)+"?"+q.Encode()+`>; rel="next"`)
}

// listUsers handles GET /api/v1/users with q=, filter=, search= or nothing.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	query := r.URL.Query()
	q, filter, search := query.Get("q"), query.Get("filter"), query.Get("search")
	if (filter != "" && search != "") || (q != "" && (filter != "" || search != "")) {
		// Unconfirmed (USERS-API.md §4.1): q together with filter/search also
		// gets E0000033.
		return apiError(http.StatusBadRequest, codeSearchAndFilter)
	}
	def := listDefaultLimit
	if q != "" {
		def = qDefaultLimit
	}
	limit, err := limitParam(r, def, listMaxLimit)
	if err != nil {
		return err
	}
	after := query.Get("after")
	// The cursor is the last id of the previous page; only a cursor that cannot
	// be a user id counts as altered (USERS-API.md §9).
	if after != "" && !userIDPattern.MatchString(after) {
		return apiError(http.StatusBadRequest, codeBadCursor)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var match predicate
	switch {
	case q != "":
		lq := strings.ToLower(q)
		match = func(u *user) bool {
			if u.status == StatusDeprovisioned {
				return false
			}
			for _, k := range []string{"firstName", "lastName", "email"} {
				if strings.HasPrefix(strings.ToLower(profileString(u.profile, k)), lq) {
					return true
				}
			}
			return false
		}
		after = "" // q is not paginated
	case filter != "" || search != "":
		mode, expr := modeFilter, filter
		if search != "" {
			mode, expr = modeSearch, search
		}
		p, err := parseExpr(expr, mode, s.st.userTypeID)
		if err != nil {
			// Unconfirmed (USERS-API.md §4.1): search= errors share E0000031.
			return apiError(http.StatusBadRequest, codeBadFilter)
		}
		match = p
	default:
		match = func(u *user) bool { return u.status != StatusDeprovisioned }
	}

	if listsOnlySelf(c) {
		all := match
		match = func(u *user) bool { return u.id == c.userID && all(u) }
	}
	order := s.st.order
	start := 0
	if sortBy := query.Get("sortBy"); search != "" && sortBy != "" {
		// sortBy and sortOrder apply to search= only; the cursor stays the
		// last id of the page.
		order = s.sortedOrder(sortBy, strings.EqualFold(query.Get("sortOrder"), "desc"))
		if after != "" {
			start = slices.Index(order, after) + 1
		}
	} else if after != "" {
		start = sort.SearchStrings(order, after)
		if start < len(order) && order[start] == after {
			start++
		}
	}
	out := []userJSON{}
	nextAfter := ""
	for _, id := range order[start:] {
		u := s.st.users[id]
		if !match(u) {
			continue
		}
		if len(out) == limit {
			if q == "" {
				nextAfter = out[len(out)-1].ID
			}
			break
		}
		out = append(out, s.userOut(u, false))
	}
	s.linkHeaders(w, r, "/api/v1/users", nextAfter, limit)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getUser handles GET /api/v1/users/{id} (id, login or "me").
func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userOut(u, true))
	return nil
}

// listAppLinks handles GET /api/v1/users/{id}/appLinks.
func (s *Server) listAppLinks(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	out := []appLinkJSON{}
	// A deactivated user is deprovisioned from their apps; the assignments stay
	// in the store so that reactivation restores them.
	if u.status != StatusDeprovisioned {
		for _, a := range s.st.userApps(u) {
			out = append(out, s.appLinkOut(u, a))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listUserGroups handles GET /api/v1/users/{id}/groups.
func (s *Server) listUserGroups(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	out := []groupJSON{}
	for _, g := range s.st.userGroups(u) {
		out = append(out, s.groupOut(g))
	}
	w.Header().Add("Link", "<"+s.abs("/api/v1/users/"+url.PathEscape(u.id)+"/groups")+`>; rel="self"`)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listGroups handles GET /api/v1/groups with q=, search=, filter= or nothing ([SPEC]
// listGroups): q "finds a group that matches the name property" (a prefix,
// case-insensitively), is not paged and returns up to 300 groups by default; search= and
// filter= (groupsearch.go) and the plain list are paged by Link headers, search= with
// sortBy and sortOrder.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	query := r.URL.Query()
	q, search, filter := strings.ToLower(query.Get("q")), query.Get("search"), query.Get("filter")
	if (search != "" && filter != "") || (q != "" && (search != "" || filter != "")) {
		// Unconfirmed for groups: the Users API's E0000033.
		return apiError(http.StatusBadRequest, codeSearchAndFilter)
	}
	def, after := groupDefaultLimit, query.Get("after")
	if q != "" {
		def, after = groupQueryLimit, ""
	}
	limit, err := limitParam(r, def, groupMaxLimit)
	if err != nil {
		return err
	}
	match := func(g *group) bool { return strings.HasPrefix(strings.ToLower(g.name), q) }
	if search != "" || filter != "" {
		mode, expr := modeFilter, filter
		if search != "" {
			mode, expr = modeSearch, search
		}
		p, err := parseExprOf(expr, mode, groupAttrs())
		if err != nil {
			return apiError(http.StatusBadRequest, codeBadFilter)
		}
		match = p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	order := s.st.groupOrder
	start := 0
	if sortBy := query.Get("sortBy"); search != "" && sortBy != "" {
		order = s.sortedGroups(sortBy, strings.EqualFold(query.Get("sortOrder"), "desc"))
		if after != "" {
			start = slices.Index(order, after) + 1
		}
	} else if after != "" {
		start = sort.SearchStrings(order, after)
		if start < len(order) && order[start] == after {
			start++
		}
	}
	out := []groupJSON{}
	nextAfter := ""
	for _, id := range order[start:] {
		g := s.st.groups[id]
		if !match(g) {
			continue
		}
		if len(out) == limit {
			if q == "" {
				nextAfter = out[len(out)-1].ID
			}
			break
		}
		out = append(out, s.groupOut(g))
	}
	s.linkHeaders(w, r, "/api/v1/groups", nextAfter, limit)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// userBody is the request body of create, replace and update.
type userBody struct {
	Profile     map[string]any `json:"profile"`
	Credentials *struct {
		Password *struct {
			Value *string `json:"value"`
		} `json:"password"`
		RecoveryQuestion *struct {
			Question string `json:"question"`
			Answer   string `json:"answer"`
		} `json:"recovery_question"`
		Provider *providerJSON `json:"provider"`
	} `json:"credentials"`
	GroupIDs []string `json:"groupIds"`
}

func (b *userBody) password() (string, bool) {
	if b.Credentials == nil || b.Credentials.Password == nil || b.Credentials.Password.Value == nil {
		return "", false
	}
	return *b.Credentials.Password.Value, true
}

func (b *userBody) recovery() (question, answer string, ok bool) {
	if b.Credentials == nil || b.Credentials.RecoveryQuestion == nil {
		return "", "", false
	}
	rq := b.Credentials.RecoveryQuestion
	return rq.Question, rq.Answer, true
}

// problems collects validation causes by field, keeping the first field for
// the summary ("Api validation failed: login").
type problems struct {
	first  string
	causes []string
}

func (p *problems) add(field, msg string) {
	if p.first == "" {
		p.first = field
	}
	p.causes = append(p.causes, field+": "+msg)
}

func (p *problems) addRaw(field string, msgs ...string) {
	if len(msgs) > 0 && p.first == "" {
		p.first = field
	}
	p.causes = append(p.causes, msgs...)
}

func (p *problems) err() error {
	if len(p.causes) == 0 {
		return nil
	}
	return validationError(p.first, p.causes...)
}

func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(s, " \t\r\n") &&
		!strings.Contains(domain, "@") && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// checkRecovery validates a recovery question and answer; minLength is the
// answer length the person's policy asks for.
func checkRecovery(question, answer string, minLength int, pr *problems) {
	if strings.TrimSpace(question) == "" {
		pr.add("recovery_question.question", "The field cannot be left blank")
		return
	}
	pr.addRaw("recovery_question.answer", answerProblems(question, answer, minLength)...)
}

// createUser handles POST /api/v1/users?activate=&nextLogin=&provider=. The new
// password is checked against the policy that will apply to the person, their
// groupIds included.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body userBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	activate, err := boolParam(r, "activate", true)
	if err != nil {
		return err
	}
	withProvider, err := boolParam(r, "provider", false)
	if err != nil {
		return err
	}
	expireNow := r.URL.Query().Get("nextLogin") == "changePassword"
	if len(body.GroupIDs) > maxCreateGroupIDs {
		return apiError(http.StatusBadRequest, codeTooManyTargets, "The number of group targets is too large")
	}
	if body.Profile == nil {
		body.Profile = map[string]any{}
	}
	pw, hasPW := body.password()
	if expireNow && !activate {
		return apiError(http.StatusBadRequest, codeNextLoginStaged)
	}
	if expireNow && !hasPW {
		return apiError(http.StatusBadRequest, codeNextLoginNoPw)
	}

	s.mu.Lock()
	var pending []Email
	defer func() {
		s.mu.Unlock()
		s.notify(pending)
	}()
	var pr problems
	s.checkProfile(body.Profile, "", &pr)
	cred := createProvider(&body, withProvider, &pr)
	probe := &user{profile: body.Profile, cred: cred, groups: map[string]bool{}}
	for _, gid := range body.GroupIDs {
		g, ok := s.st.groups[gid]
		switch {
		case !ok:
			// Unconfirmed (USERS-API.md §4.2): chose 400 E0000001 for an unknown group id.
			pr.add("groupIds", "Group not found: "+gid)
		case g.typ != GroupOkta:
			pr.add("groupIds", "Cannot add members to a group of type "+g.typ+": "+gid)
		default:
			probe.groups[gid] = true
		}
	}
	if hasPW && !passwordless(cred.Type) {
		for _, cause := range s.passwordProblems(probe, body.Profile, pw, passwordRules{}, s.now()) {
			pr.add("password", cause)
		}
	}
	if q, a, ok := body.recovery(); ok && !passwordless(cred.Type) {
		checkRecovery(q, a, s.answerMinFor(probe), &pr)
	}
	if err := pr.err(); err != nil {
		return err
	}

	now := s.now()
	u := &user{
		id: newID(prefixUser), status: StatusStaged, profile: copyProfile(body.Profile),
		created: now, lastUpdated: now, salt: newSalt(), cred: cred,
		groups: map[string]bool{}, apps: map[string]bool{},
	}
	if hasPW {
		u.setPassword(pw, now)
	}
	if q, a, ok := body.recovery(); ok {
		u.setRecovery(q, a, now)
	}
	switch {
	case !activate:
		u.status = StatusStaged
	case passwordless(cred.Type):
		// Okta: FEDERATION and SOCIAL users are ACTIVE or STAGED by activate alone.
		u.status, u.activated, u.statusChanged = StatusActive, now, now
	case hasPW && expireNow:
		u.status, u.activated, u.statusChanged = StatusPasswordExpired, now, now
	case hasPW:
		u.status, u.activated, u.statusChanged = StatusActive, now, now
	default:
		u.status, u.activated, u.statusChanged = StatusProvisioned, now, now
		pending = append(pending, s.issueEmail(u, ottActivation, EmailActivation, now))
	}
	u.lastUpdated = now
	for _, gid := range body.GroupIDs {
		u.groups[gid] = true
		s.st.groups[gid].lastMembershipUpdated = now
	}
	s.st.insertUser(u)
	writeJSON(w, http.StatusOK, s.userOut(u, true))
	return nil
}

func copyProfile(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// replaceUser handles PUT /api/v1/users/{id}: the profile, if sent, replaces
// the old one entirely; without a profile it is left untouched (USERS-API.md §4.5).
func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	return s.writeUser(w, r, c, true)
}

// updateUser handles POST /api/v1/users/{id}: a partial update; a null value
// removes a profile attribute.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	return s.writeUser(w, r, c, false)
}

func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, c *apiCall, replace bool) error {
	var body userBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	strict, err := boolParam(r, "strict", false)
	if err != nil {
		return err
	}
	if c.bearer != nil && body.Credentials != nil {
		// okta.users.manage.self covers profile updates only.
		return s.insufficientScope(scopeUsersManage)
	}
	var pendingEmails []Email
	s.mu.Lock()
	defer func() {
		s.mu.Unlock()
		s.notify(pendingEmails)
	}()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	if err := s.refuseWhileTransitioning(u, s.now()); err != nil {
		// Okta's E0000112: "Cannot update this user because they are still
		// being activated."
		return err
	}
	if body.Profile != nil && u.status == StatusDeprovisioned {
		// Unconfirmed (USERS-API.md §4.5): Okta refuses profile updates of
		// deactivated users by default; chose 403 E0000038.
		return apiError(http.StatusForbidden, codeStatusConflict)
	}
	if c.bearer != nil && body.Profile != nil {
		// A person's own token may change only what the schema lets SELF write.
		if err := s.checkSelfWrite(body.Profile); err != nil {
			return err
		}
	}
	profile := u.profile
	if body.Profile != nil {
		if replace {
			profile = copyProfile(body.Profile)
		} else {
			profile = copyProfile(u.profile)
			for k, v := range body.Profile {
				if v == nil {
					delete(profile, k)
				} else {
					profile[k] = v
				}
			}
		}
	}
	if body.Profile != nil {
		if err := s.checkMastered(u, profile); err != nil {
			return err
		}
	}
	var pr problems
	if body.Profile != nil {
		// An untouched profile is not re-validated: a credentials-only update
		// must not fail on attributes the caller did not send.
		s.checkProfile(profile, u.id, &pr)
	}
	pw, hasPW := body.password()
	if hasPW && passwordless(u.provider().Type) {
		// Okta: FEDERATION and SOCIAL users don't support a password.
		pr.add("password", "A "+u.provider().Type+" user cannot have a password")
	} else if hasPW {
		// Admin set-password: complexity always; history and minimum age only
		// with strict=true (USERS-API.md §4.5).
		for _, cause := range s.passwordProblems(u, profile, pw, passwordRules{history: strict, minAge: strict}, s.now()) {
			pr.add("password", cause)
		}
	}
	q, a, hasRQ := body.recovery()
	if hasRQ {
		checkRecovery(q, a, s.answerMinFor(u), &pr)
	}
	if err := pr.err(); err != nil {
		return err
	}
	now := s.now()
	if c.bearer != nil && body.Profile != nil {
		pendingEmails = s.deferEmailChanges(u, body.Profile, profile, now)
	}
	oldLogin := u.login()
	u.profile = profile
	if u.login() != oldLogin {
		s.st.relogin(u, oldLogin)
	}
	if hasPW {
		u.setPassword(pw, now)
		u.failedSign = 0
	}
	if hasRQ {
		u.setRecovery(q, a, now)
	}
	u.lastUpdated = now
	writeJSON(w, http.StatusOK, s.userOut(u, true))
	return nil
}

// deleteUser handles DELETE /api/v1/users/{id}: a deactivated user is deleted,
// anyone else is deactivated first (USERS-API.md §5.2).
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	if err := s.refuseWhileTransitioning(u, s.now()); err != nil {
		return err
	}
	if u.status == StatusDeprovisioned {
		s.st.endSessions(u.id, "")
		s.st.revokeTokens(u.id)
		s.st.dropOneTimeTokens(u.id, ottActivation, ottReset, ottForgot)
		s.st.deleteUser(u)
	} else {
		s.deactivateLocked(u)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// notify delivers emails to Config.OnEmail; call it without holding s.mu.
func (s *Server) notify(emails []Email) {
	for _, e := range emails {
		s.log.Info("oktatest: email", "kind", e.Kind, "to", e.To)
		if s.cfg.OnEmail != nil {
			s.cfg.OnEmail(e)
		}
	}
}

func (s *Server) userDisplayName(u *user) string {
	name := strings.TrimSpace(fmt.Sprintf("%s %s", profileString(u.profile, "firstName"), profileString(u.profile, "lastName")))
	if d := profileString(u.profile, "displayName"); d != "" {
		name = d
	}
	return name
}
