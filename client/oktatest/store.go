package oktatest

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// User statuses (USERS-API.md §5.1).
const (
	StatusStaged          = "STAGED"
	StatusProvisioned     = "PROVISIONED"
	StatusActive          = "ACTIVE"
	StatusRecovery        = "RECOVERY"
	StatusLockedOut       = "LOCKED_OUT"
	StatusPasswordExpired = "PASSWORD_EXPIRED"
	StatusSuspended       = "SUSPENDED"
	StatusDeprovisioned   = "DEPROVISIONED"
)

// Group types.
const (
	GroupOkta    = "OKTA_GROUP"
	GroupApp     = "APP_GROUP"
	GroupBuiltIn = "BUILT_IN"
)

// Email kinds recorded in the outbox.
const (
	EmailActivation     = "activation"
	EmailResetPassword  = "reset_password"
	EmailForgotPassword = "forgot_password"
)

const everyoneName = "Everyone"

// user is one person in the org. Every field is guarded by Server.mu.
type user struct {
	id      string
	status  string
	profile map[string]any
	seq     int // creation order, for stable tie-breaks

	created, activated, statusChanged, lastLogin, lastUpdated, passwordChanged time.Time

	salt        []byte
	hasPassword bool
	password    [32]byte
	history     [][32]byte // most recent first, the current password included

	question   string
	answer     [32]byte
	hasAnswer  bool
	factors    []*factor // enrolled MFA factors (factors.go)
	failedSign int
	lockedAt   time.Time // when a lockout began, for autoUnlockMinutes

	// cred is credentials.provider; the zero value is OKTA (providers.go).
	cred providerJSON
	// async makes activate and deactivate asynchronous; transition is the one
	// in progress, if any (transitions.go).
	async      bool
	transition *transition

	groups map[string]bool // group ids, Everyone excluded (implicit)
	apps   map[string]bool // directly assigned app ids
}

func (u *user) login() string { return profileString(u.profile, "login") }

func (u *user) email() string { return profileString(u.profile, "email") }

func profileString(p map[string]any, key string) string {
	s, _ := p[key].(string)
	return s
}

// canSignIn reports whether Okta lets the user authenticate (and so whether
// their tokens and refresh grants stay valid).
func canSignIn(status string) bool {
	return status == StatusActive || status == StatusPasswordExpired
}

func (u *user) setStatus(status string, now time.Time) {
	if u.status != status {
		u.status = status
		u.statusChanged = now
	}
	u.lastUpdated = now
}

func (u *user) checkPassword(pw string) bool {
	return u.hasPassword && hashSecret(u.salt, pw) == u.password
}

// setPassword replaces the password and records it in the history (as many
// passwords as any policy may ask to remember).
func (u *user) setPassword(pw string, now time.Time) {
	h := hashSecret(u.salt, pw)
	u.password = h
	u.hasPassword = true
	u.history = append([][32]byte{h}, u.history...)
	if len(u.history) > policyHistoryMax {
		u.history = u.history[:policyHistoryMax]
	}
	u.passwordChanged = now
	u.lastUpdated = now
}

// inHistory reports whether pw is one of the last count passwords, the current
// one included (Okta's historyCount: "the number of distinct passwords that a
// User must create before they can reuse a previous password").
func (u *user) inHistory(pw string, count int) bool {
	h := hashSecret(u.salt, pw)
	for i, old := range u.history {
		if i >= count {
			break
		}
		if old == h {
			return true
		}
	}
	return false
}

// clearPassword removes the password credential (a federated user has none).
func (u *user) clearPassword(now time.Time) {
	u.hasPassword = false
	u.password = [32]byte{}
	u.passwordChanged = time.Time{}
	u.lastUpdated = now
}

func normalizeAnswer(a string) string { return strings.ToLower(strings.TrimSpace(a)) }

func (u *user) setRecovery(question, answer string, now time.Time) {
	u.question = question
	u.answer = hashSecret(u.salt, normalizeAnswer(answer))
	u.hasAnswer = true
	u.lastUpdated = now
}

func (u *user) checkAnswer(answer string) bool {
	return u.hasAnswer && hashSecret(u.salt, normalizeAnswer(answer)) == u.answer
}

type group struct {
	id, name, description, typ                  string
	created, lastUpdated, lastMembershipUpdated time.Time
	sourceAppID                                 string         // APP_GROUP only
	extra                                       map[string]any // further profile attributes
}

type app struct {
	id, name, label, logoURL, linkURL string
	linkID                            string
	sortOrder                         int
	hidden, credentialsSetup          bool
	groups                            map[string]bool // group ids
}

// browserSession is an Okta session cookie (okta_sid) in the emulator.
type browserSession struct {
	id       string
	userID   string
	authTime time.Time
	amr      []string // the methods the person proved (stepup.go)
	expires  time.Time
}

// store holds the org. It is only touched with Server.mu held.
type store struct {
	users      map[string]*user
	byLogin    map[string]string // lower-case login → id
	order      []string          // user ids, ascending: the list and cursor order
	nextSeq    int
	groups     map[string]*group
	groupOrder []string            // group ids, ascending
	groupNames map[string][]string // lower-case name → group ids, ascending (groups are never renamed)
	apps       map[string]*app
	everyoneID string
	userTypeID string
	orgID      string
	adminID    string // owner of the SSWS token

	sessions map[string]*browserSession
	txs      map[string]*signinTx
	codes    map[string]*authCode
	access   map[[32]byte]*accessToken
	refresh  map[[32]byte]*refreshToken
	otts     map[[32]byte]*oneTimeToken
	emails   []Email

	tamper          *TokenTamper
	discoveryIssuer string
	jwksDown        bool
	tokenRequests   int
	refreshCount    int
	allowSelfCred   bool

	policies policySet   // password policies, default last (policies.go)
	schema   *userSchema // the default user type's profile schema (schema.go)
	roles    roleBook    // admin role assignments (roles.go)
}

func newStore(allowSelfCred bool) *store {
	return &store{
		users:         map[string]*user{},
		byLogin:       map[string]string{},
		groups:        map[string]*group{},
		groupNames:    map[string][]string{},
		apps:          map[string]*app{},
		sessions:      map[string]*browserSession{},
		txs:           map[string]*signinTx{},
		codes:         map[string]*authCode{},
		access:        map[[32]byte]*accessToken{},
		refresh:       map[[32]byte]*refreshToken{},
		otts:          map[[32]byte]*oneTimeToken{},
		userTypeID:    derivedID(prefixUserType, "default"),
		orgID:         derivedID(prefixOrg, "gatehouse-demo"),
		allowSelfCred: allowSelfCred,
		roles:         newRoleBook(),
		schema:        defaultUserSchema(time.Time{}),
	}
}

func (st *store) insertUser(u *user) {
	u.seq = st.nextSeq
	st.nextSeq++
	st.users[u.id] = u
	st.byLogin[strings.ToLower(u.login())] = u.id
	i := sort.SearchStrings(st.order, u.id)
	st.order = slices.Insert(st.order, i, u.id)
}

func (st *store) deleteUser(u *user) {
	delete(st.users, u.id)
	delete(st.roles.users, u.id)
	delete(st.byLogin, strings.ToLower(u.login()))
	if i := sort.SearchStrings(st.order, u.id); i < len(st.order) && st.order[i] == u.id {
		st.order = slices.Delete(st.order, i, i+1)
	}
}

func (st *store) relogin(u *user, oldLogin string) {
	delete(st.byLogin, strings.ToLower(oldLogin))
	st.byLogin[strings.ToLower(u.login())] = u.id
}

// findUser resolves a path identifier: a user id, a login (case-insensitive) or
// an unambiguous login short name (the part before "@").
func (st *store) findUser(ref string) *user {
	if u, ok := st.users[ref]; ok {
		return u
	}
	if id, ok := st.byLogin[strings.ToLower(ref)]; ok {
		return st.users[id]
	}
	if ref == "" || strings.Contains(ref, "@") {
		return nil
	}
	var found *user
	for _, u := range st.users {
		short, _, _ := strings.Cut(u.login(), "@")
		if strings.EqualFold(short, ref) {
			if found != nil {
				return nil // ambiguous
			}
			found = u
		}
	}
	return found
}

func (st *store) insertGroup(g *group) {
	st.groups[g.id] = g
	i := sort.SearchStrings(st.groupOrder, g.id)
	st.groupOrder = slices.Insert(st.groupOrder, i, g.id)
	key := strings.ToLower(g.name)
	named := st.groupNames[key]
	st.groupNames[key] = slices.Insert(named, sort.SearchStrings(named, g.id), g.id)
}

// groupByName finds a group by name. Okta lets an APP_GROUP (imported from a
// directory or an app) share its name with an OKTA_GROUP, so a name can match
// two groups: the Okta-mastered one wins, and ties go to the lowest id, so the
// answer never depends on map order.
func (st *store) groupByName(name string) *group {
	var app *group
	for _, id := range st.groupNames[strings.ToLower(name)] {
		g := st.groups[id]
		if !strings.EqualFold(g.name, name) {
			continue
		}
		if g.typ != GroupApp {
			return g
		}
		if app == nil {
			app = g
		}
	}
	return app
}

// groupByNameType finds the group of that name and type.
func (st *store) groupByNameType(name, typ string) *group {
	for _, id := range st.groupNames[strings.ToLower(name)] {
		if g := st.groups[id]; g.typ == typ && strings.EqualFold(g.name, name) {
			return g
		}
	}
	return nil
}

// userGroups returns the user's groups: Everyone first, then by name.
func (st *store) userGroups(u *user) []*group {
	var out []*group
	for id := range u.groups {
		if g, ok := st.groups[id]; ok && id != st.everyoneID {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].name) < strings.ToLower(out[j].name) })
	if g, ok := st.groups[st.everyoneID]; ok {
		out = append([]*group{g}, out...)
	}
	return out
}

// userApps returns the apps assigned to the user directly or through a group,
// ordered by sortOrder then label.
func (st *store) userApps(u *user) []*app {
	var out []*app
	for _, a := range st.apps {
		if u.apps[a.id] || a.groups[st.everyoneID] {
			out = append(out, a)
			continue
		}
		for gid := range a.groups {
			if u.groups[gid] {
				out = append(out, a)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].sortOrder != out[j].sortOrder {
			return out[i].sortOrder < out[j].sortOrder
		}
		return out[i].label < out[j].label
	})
	return out
}

// endSessions ends the user's browser sessions except keep (may be "").
func (st *store) endSessions(userID, keep string) {
	for id, bs := range st.sessions {
		if bs.userID == userID && id != keep {
			delete(st.sessions, id)
		}
	}
}

// revokeTokens revokes every access and refresh token of the user.
func (st *store) revokeTokens(userID string) {
	for _, at := range st.access {
		if at.userID == userID {
			at.revoked = true
		}
	}
	for _, rt := range st.refresh {
		if rt.userID == userID {
			rt.revoked = true
		}
	}
}

// dropOneTimeTokens invalidates the user's outstanding links of the given kinds.
func (st *store) dropOneTimeTokens(userID string, kinds ...string) {
	for k, t := range st.otts {
		if t.userID == userID && slices.Contains(kinds, t.kind) {
			delete(st.otts, k)
		}
	}
}

// purge drops expired short-lived records so a long-running dev emulator does
// not grow without bound.
func (st *store) purge(now time.Time) {
	for k, bs := range st.sessions {
		if !now.Before(bs.expires) {
			delete(st.sessions, k)
		}
	}
	for k, tx := range st.txs {
		if !now.Before(tx.expires) {
			delete(st.txs, k)
		}
	}
	for k, c := range st.codes {
		if now.Sub(c.expires) > time.Hour {
			delete(st.codes, k)
		}
	}
	for k, at := range st.access {
		if now.Sub(at.expires) > time.Hour {
			delete(st.access, k)
		}
	}
	for k, rt := range st.refresh {
		if now.Sub(rt.expires) > time.Hour {
			delete(st.refresh, k)
		}
	}
	for k, t := range st.otts {
		if !now.Before(t.expires) {
			delete(st.otts, k)
		}
	}
}
