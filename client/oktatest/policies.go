package oktatest

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Password policies as Okta models them (docs/OKTA.md "Password policies"): an
// ordered list of PASSWORD policies, each with group and authentication-provider
// conditions, complexity / age / lockout / recovery settings and rules. The
// policy that applies to a person is chosen the way Okta's policy evaluation
// does: by priority, among the ACTIVE policies whose conditions match and that
// have an ACTIVE rule that does not exclude the person; the default policy comes
// last and catches everyone else. Every password operation of the emulator asks
// policyFor and checks the new password against that policy.

// Policy and rule id prefixes (Okta's: 00p… policies, 0pr… rules).
const (
	prefixPolicy = "00p"
	prefixRule   = "0pr"
)

// Policy vocabulary.
const (
	policyTypePassword = "PASSWORD"
	policyActive       = "ACTIVE"
	policyInactive     = "INACTIVE"
	accessAllow        = "ALLOW"
	accessDeny         = "DENY"

	// Authentication-provider conditions (PasswordPolicyAuthenticationProviderType).
	authProviderOkta = "OKTA"
	authProviderAD   = "ACTIVE_DIRECTORY"
	authProviderLDAP = "LDAP"
	authProviderAny  = "ANY"

	// DefaultPolicyName is the name of the system policy every org has.
	DefaultPolicyName = "Default Policy"
	defaultRuleName   = "Default Rule"
)

// Limits Okta documents for password settings (help.okta.com "Configure a
// password policy": minimum length 4 to 30, at most 72 characters stored;
// lockout 1–100 attempts).
const (
	policyMinLengthFloor = 4
	policyMinLengthCeil  = 30
	passwordMaxLength    = 72
	policyHistoryMax     = 30
	policyLockoutMax     = 100
	answerMinLength      = 4
)

// Okta's texts (docs/OKTA.md cites where each was observed).
const (
	msgRequirementsNotMet = "Password requirements were not met. "
	msgPasswordTooRecent  = "Password has been used too recently"
	msgPasswordIsCurrent  = "Password cannot be your current password"
	msgPasswordCommon     = "This password was found in a list of commonly used passwords. Please try another password."
	// Unconfirmed: Okta's text for a strict minimum-age rejection is not
	// recorded; chose this wording.
	msgPasswordMinAge   = "Password cannot be changed more than once within the minimum password age."
	msgAnswerTooShort   = "The security question answer must be at least %d characters in length"
	msgAnswerInQuestion = "The security question answer must not be part of the question"
)

// PasswordComplexity is settings.password.complexity of a password policy.
// minLowerCase and friends are "0 = no, 1 = yes" in Okta's docs; the emulator
// reads them as minimum counts, which is the same for 0 and 1.
type PasswordComplexity struct {
	MinLength         int      `json:"minLength"`
	MinLowerCase      int      `json:"minLowerCase"`
	MinUpperCase      int      `json:"minUpperCase"`
	MinNumber         int      `json:"minNumber"`
	MinSymbol         int      `json:"minSymbol"`
	ExcludeUsername   bool     `json:"excludeUsername"`
	ExcludeAttributes []string `json:"excludeAttributes"`
	// ExcludeCommon is dictionary.common.exclude: refuse commonly used passwords.
	ExcludeCommon bool `json:"excludeCommon"`
}

// PasswordAge is settings.password.age.
type PasswordAge struct {
	MaxAgeDays     int `json:"maxAgeDays"`
	ExpireWarnDays int `json:"expireWarnDays"`
	MinAgeMinutes  int `json:"minAgeMinutes"`
	HistoryCount   int `json:"historyCount"`
}

// PasswordLockout is settings.password.lockout.
type PasswordLockout struct {
	MaxAttempts         int  `json:"maxAttempts"`
	AutoUnlockMinutes   int  `json:"autoUnlockMinutes"`
	ShowLockoutFailures bool `json:"showLockoutFailures"`
}

// PasswordRecovery is settings.recovery.factors, reduced to what the emulator
// models: the security question and the email factor.
type PasswordRecovery struct {
	QuestionActive    bool `json:"questionActive"`
	QuestionMinLength int  `json:"questionMinLength"`
	EmailActive       bool `json:"emailActive"`
	// EmailTokenMinutes is okta_email.properties.recoveryToken.tokenLifetimeMinutes.
	EmailTokenMinutes int `json:"emailTokenMinutes"`
}

// SeedPolicy describes a PASSWORD policy of a seeded org. Groups are group
// names (the Policies API takes ids); "Everyone" is the built-in group. A seed
// policy gets one ACTIVE rule that allows change, reset and unlock, like the
// rule the Admin Console creates with a policy.
type SeedPolicy struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Priority    int      `json:"priority"` // 0 = after the others, before the default policy
	Groups      []string `json:"groups"`
	// AuthProvider is OKTA (default), ACTIVE_DIRECTORY, LDAP or ANY.
	AuthProvider string             `json:"authProvider"`
	Complexity   PasswordComplexity `json:"complexity"`
	Age          PasswordAge        `json:"age"`
	Lockout      PasswordLockout    `json:"lockout"`
	Recovery     PasswordRecovery   `json:"recovery"`
	// Default marks the org's system default policy (at most one; without one
	// the org gets OktaDefaultPolicy()).
	Default bool `json:"default"`
}

// OktaDefaultPolicy is the "Default Policy" of a new Okta org: Okta's default
// password requirements (8 characters, a lowercase and an uppercase letter, a
// number, no parts of the username), the schema defaults for the rest (10
// attempts before lockout, recovery by question and email) and the history of
// 4 passwords Okta's own examples show.
func OktaDefaultPolicy() SeedPolicy {
	return SeedPolicy{
		Name: DefaultPolicyName, Description: "The default policy applies in all situations if no other policy applies.",
		Default: true, Groups: []string{everyoneName}, AuthProvider: authProviderOkta,
		Complexity: PasswordComplexity{MinLength: 8, MinLowerCase: 1, MinUpperCase: 1, MinNumber: 1, ExcludeUsername: true},
		Age:        PasswordAge{HistoryCount: 4},
		Lockout:    PasswordLockout{MaxAttempts: 10},
		Recovery:   PasswordRecovery{QuestionActive: true, QuestionMinLength: answerMinLength, EmailActive: true, EmailTokenMinutes: 60},
	}
}

// passwordPolicy is one PASSWORD policy of the org. Guarded by Server.mu.
type passwordPolicy struct {
	id, name, description string
	priority              int
	status                string
	system                bool
	created, lastUpdated  time.Time
	groups                []string // people.groups.include: group ids
	authProvider          string
	authInclude           []string
	complexity            PasswordComplexity
	age                   PasswordAge
	lockout               PasswordLockout
	recovery              PasswordRecovery
	skipUnlock            bool
	rules                 []*policyRule // by priority
}

// policyRule is one rule of a password policy.
type policyRule struct {
	id, name             string
	priority             int
	status               string
	system               bool
	created, lastUpdated time.Time
	excludeUsers         []string // conditions.people.users.exclude
	passwordChange       string   // actions.passwordChange.access
	selfServiceReset     string   // actions.selfServicePasswordReset.access
	selfServiceUnlock    string   // actions.selfServiceUnlock.access
	// resetMethods is selfServicePasswordReset.requirement.primary.methods
	// (Identity Engine), e.g. ["email"]; empty means "the policy's recovery
	// factors decide".
	resetMethods []string
	// stepUpQuestion is requirement.stepUp with security_question.
	stepUpRequired, stepUpQuestion bool
}

// policySet holds the org's password policies, default last.
type policySet struct {
	list []*passwordPolicy
}

// sorted orders the policies by priority, the system default always last, and
// renumbers priorities 1..n as Okta does.
func (ps *policySet) sorted() {
	sort.SliceStable(ps.list, func(i, j int) bool {
		a, b := ps.list[i], ps.list[j]
		if a.system != b.system {
			return !a.system
		}
		return a.priority < b.priority
	})
	for i, p := range ps.list {
		p.priority = i + 1
	}
}

func (ps *policySet) byID(id string) *passwordPolicy {
	for _, p := range ps.list {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (ps *policySet) defaultPolicy() *passwordPolicy {
	for _, p := range ps.list {
		if p.system {
			return p
		}
	}
	return nil
}

func (p *passwordPolicy) ruleByID(id string) *policyRule {
	for _, r := range p.rules {
		if r.id == id {
			return r
		}
	}
	return nil
}

func (p *passwordPolicy) sortRules() {
	sort.SliceStable(p.rules, func(i, j int) bool {
		a, b := p.rules[i], p.rules[j]
		if a.system != b.system {
			return !a.system
		}
		return a.priority < b.priority
	})
	for i, r := range p.rules {
		r.priority = i + 1
	}
}

// providerMatches applies conditions.authProvider: a policy without one is an
// OKTA policy; ANY matches every provider.
func (p *passwordPolicy) providerMatches(u *user) bool {
	want := p.authProvider
	if want == "" {
		want = authProviderOkta
	}
	if want == authProviderAny {
		return true
	}
	have := u.provider().Type
	if have == providerImport {
		// An imported hash becomes an Okta password at first sign-in; Okta's
		// policies for OKTA apply to it (docs/OKTA.md, Unconfirmed).
		have = providerOkta
	}
	return want == have
}

// groupsMatch applies conditions.people.groups.include; Everyone includes all.
func (p *passwordPolicy) groupsMatch(st *store, u *user) bool {
	for _, gid := range p.groups {
		if gid == st.everyoneID || u.groups[gid] {
			return true
		}
	}
	return false
}

// ruleFor returns the first ACTIVE rule that does not exclude u, or nil.
func (p *passwordPolicy) ruleFor(u *user) *policyRule {
	for _, r := range p.rules {
		if r.status == policyActive && !slices.Contains(r.excludeUsers, u.id) {
			return r
		}
	}
	return nil
}

// policyFor returns the password policy that applies to u and its matching
// rule, as Okta's policy evaluation chooses them (docs/OKTA.md). The default
// policy applies to anyone no other policy matches. s.mu must be held.
func (s *Server) policyFor(u *user) (*passwordPolicy, *policyRule) {
	for _, p := range s.st.policies.list {
		if p.status != policyActive || !p.providerMatches(u) || !p.groupsMatch(s.st, u) {
			continue
		}
		// Okta: "Policies that have no Rules aren't considered during
		// evaluation and are never applied."
		if r := p.ruleFor(u); r != nil {
			return p, r
		}
	}
	d := s.st.policies.defaultPolicy()
	return d, d.ruleFor(u)
}

// requirementsList is Okta's list of requirements for the complexity settings,
// as it appears after "Password requirements:" in Okta's messages.
func (c PasswordComplexity) requirementsList() string {
	parts := []string{"at least " + strconv.Itoa(c.MinLength) + " characters"}
	if c.MinLowerCase > 0 {
		parts = append(parts, "a lowercase letter")
	}
	if c.MinUpperCase > 0 {
		parts = append(parts, "an uppercase letter")
	}
	if c.MinNumber > 0 {
		parts = append(parts, "a number")
	}
	if c.MinSymbol > 0 {
		parts = append(parts, "a symbol")
	}
	if c.ExcludeUsername {
		parts = append(parts, "no parts of your username")
	}
	for _, a := range c.ExcludeAttributes {
		switch a {
		case "firstName":
			parts = append(parts, "does not include your first name")
		case "lastName":
			parts = append(parts, "does not include your last name")
		}
	}
	return strings.Join(parts, ", ")
}

// describe is Okta's sentence for the whole policy, as the MyAccount API's
// complexity-requirements answer and Okta's error causes phrase it.
func (p *passwordPolicy) describe() string {
	d := "Password requirements: " + p.complexity.requirementsList() + "."
	if n := p.age.HistoryCount; n > 0 {
		d += " Your password cannot be any of your last " + strconv.Itoa(n) + " passwords."
	}
	if m := p.age.MinAgeMinutes; m > 0 {
		if m%60 == 0 {
			d += " At least " + strconv.Itoa(m/60) + " hour(s) must have elapsed since you last changed your password."
		} else {
			d += " At least " + strconv.Itoa(m) + " minute(s) must have elapsed since you last changed your password."
		}
	}
	return d
}

// complexityOK checks pw against the complexity settings for a person with
// profile.
func (c PasswordComplexity) complexityOK(pw string, profile map[string]any) bool {
	n := utf8.RuneCountInString(pw)
	if n < c.MinLength || n > passwordMaxLength {
		return false
	}
	var lower, upper, digit, symbol int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower++
		case unicode.IsUpper(r):
			upper++
		case unicode.IsDigit(r):
			digit++
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			symbol++
		}
	}
	if lower < c.MinLowerCase || upper < c.MinUpperCase || digit < c.MinNumber || symbol < c.MinSymbol {
		return false
	}
	lpw := strings.ToLower(pw)
	if c.ExcludeUsername {
		for _, part := range usernameParts(profileString(profile, "login")) {
			if strings.Contains(lpw, part) {
				return false
			}
		}
	}
	for _, a := range c.ExcludeAttributes {
		v := strings.ToLower(strings.TrimSpace(profileString(profile, a)))
		// Unconfirmed: very short names (1–2 letters) are not checked, or
		// "Al" would forbid every password containing "al".
		if utf8.RuneCountInString(v) >= 3 && strings.Contains(lpw, v) {
			return false
		}
	}
	return true
}

// usernameParts is what "no parts of your username" forbids (Okta's Users API
// reference, "Default Password Policy"): the whole login and its parts split on
// , . _ # @ - that have at least four characters, not counting the parent
// domain (the last label of the domain).
func usernameParts(login string) []string {
	login = strings.ToLower(login)
	if login == "" {
		return nil
	}
	out := []string{login}
	local, domain, hasAt := strings.Cut(login, "@")
	isSep := func(r rune) bool { return strings.ContainsRune(",._#@-", r) }
	fields := strings.FieldsFunc(local, isSep)
	if hasAt {
		labels := strings.FieldsFunc(domain, isSep)
		if len(labels) > 1 {
			labels = labels[:len(labels)-1]
		}
		fields = append(fields, labels...)
	}
	for _, f := range fields {
		if utf8.RuneCountInString(f) >= 4 {
			out = append(out, f)
		}
	}
	return out
}

// isCommonPassword reports whether pw is on the emulator's short list of
// commonly used passwords. Okta's dictionary is not published; this list is
// the emulator's (Unconfirmed), enough to exercise dictionary.common.exclude.
func isCommonPassword(pw string) bool {
	common := []string{
		"password", "password1", "password12", "password123", "password1!", "passw0rd", "p@ssw0rd", "p@ssword1",
		"123456", "12345678", "123456789", "1234567890", "qwerty", "qwerty123", "qwertyuiop", "abc123",
		"letmein", "letmein1", "welcome", "welcome1", "welcome123", "admin", "admin123", "iloveyou",
		"monkey", "dragon", "football", "baseball", "sunshine", "princess", "trustno1", "superman",
		"changeme", "changeme1", "summer2024", "winter2024", "spring2024", "autumn2024", "Password1",
		"Password123", "Password1!", "Welcome1", "Welcome123!", "Qwerty123!", "Passw0rd!", "P@ssw0rd1",
	}
	lpw := strings.ToLower(pw)
	for _, c := range common {
		if strings.ToLower(c) == lpw {
			return true
		}
	}
	return false
}

// passwordRules says which checks a password operation applies on top of the
// complexity settings, which always apply.
type passwordRules struct {
	history bool // the new password must not be the current one nor in the history
	minAge  bool // the current password must be at least minAgeMinutes old
}

// passwordProblems returns Okta's causes for a new password of u under the
// policy that applies to u; profile is the profile to check against (the new
// one on an update). s.mu must be held.
func (s *Server) passwordProblems(u *user, profile map[string]any, pw string, rules passwordRules, now time.Time) []string {
	p, _ := s.policyFor(u)
	var causes []string
	if !p.complexity.complexityOK(pw, profile) {
		causes = append(causes, msgRequirementsNotMet+p.describe())
	}
	if p.complexity.ExcludeCommon && isCommonPassword(pw) {
		causes = append(causes, msgPasswordCommon)
	}
	if rules.history && u.hasPassword {
		switch {
		case u.checkPassword(pw):
			causes = append(causes, msgPasswordIsCurrent)
		case u.inHistory(pw, p.age.HistoryCount):
			causes = append(causes, msgPasswordTooRecent)
		}
	}
	if rules.minAge && p.age.MinAgeMinutes > 0 && !u.passwordChanged.IsZero() &&
		now.Sub(u.passwordChanged) < time.Duration(p.age.MinAgeMinutes)*time.Minute {
		causes = append(causes, msgPasswordMinAge)
	}
	return causes
}

// answerProblems returns the causes a recovery answer breaks under the policy's
// recovery-question complexity.
func answerProblems(question, answer string, minLength int) []string {
	if minLength <= 0 {
		minLength = answerMinLength
	}
	a := normalizeAnswer(answer)
	if utf8.RuneCountInString(a) < minLength {
		return []string{strings.Replace(msgAnswerTooShort, "%d", strconv.Itoa(minLength), 1)}
	}
	if strings.Contains(strings.ToLower(question), a) {
		return []string{msgAnswerInQuestion}
	}
	return nil
}

// answerMinFor is the minimum recovery answer length for u. s.mu must be held.
func (s *Server) answerMinFor(u *user) int {
	p, _ := s.policyFor(u)
	return p.recovery.QuestionMinLength
}

// tempPassword returns a temporary password that meets the policy for u: as
// long as the policy asks, at least 10 characters, with every class it asks for.
func (s *Server) tempPassword(u *user) string {
	p, _ := s.policyFor(u)
	n := max(p.complexity.MinLength, 10)
	for {
		pw := randomString(n)
		if p.complexity.MinSymbol > 0 {
			pw = pw[:n-1] + "#"
		}
		if p.complexity.complexityOK(pw, u.profile) && !isCommonPassword(pw) && !u.inHistory(pw, p.age.HistoryCount) {
			return pw
		}
	}
}

// recordFailedPassword counts a wrong current password against the lockout
// settings of u's policy and locks u out when they are reached. It is used for
// sign-in and for the current-password checks of change_password and
// change_recovery_question (docs/OKTA.md "Lockout"). s.mu must be held.
func (s *Server) recordFailedPassword(u *user, now time.Time) {
	p, _ := s.policyFor(u)
	u.failedSign++
	if limit := p.lockout.MaxAttempts; limit > 0 && u.failedSign >= limit && u.status == StatusActive {
		u.setStatus(StatusLockedOut, now)
		u.lockedAt = now
	}
}

// applyTimedRules applies the policy rules Okta evaluates lazily, when a person
// is looked at rather than by a background sweep (USERS-API.md §5.1): a lockout
// with autoUnlockMinutes ends, and a transition in progress completes. s.mu
// must be held.
func (s *Server) applyTimedRules(u *user, now time.Time) {
	if u.status == StatusLockedOut && !u.lockedAt.IsZero() {
		p, _ := s.policyFor(u)
		if m := p.lockout.AutoUnlockMinutes; m > 0 && !now.Before(u.lockedAt.Add(time.Duration(m)*time.Minute)) {
			u.setStatus(StatusActive, now)
			u.failedSign = 0
			u.lockedAt = time.Time{}
		}
	}
	s.finishTransition(u, now)
}

// passwordAgedOut reports whether u's password is older than maxAgeDays of the
// policy; Okta applies this when the person signs in. s.mu must be held.
func (s *Server) passwordAgedOut(u *user, now time.Time) bool {
	p, _ := s.policyFor(u)
	return p.age.MaxAgeDays > 0 && !u.passwordChanged.IsZero() &&
		now.Sub(u.passwordChanged) >= time.Duration(p.age.MaxAgeDays)*24*time.Hour
}

// lockoutMessageShown reports whether the sign-in page may tell a locked-out
// person so (lockout.showLockoutFailures). s.mu must be held.
func (s *Server) lockoutMessageShown(u *user) bool {
	p, _ := s.policyFor(u)
	return p.lockout.ShowLockoutFailures
}

// policyText is the requirements sentence of u's policy, for the emulator's
// own pages. s.mu must be held.
func (s *Server) policyText(u *user) string {
	p, _ := s.policyFor(u)
	return p.describe()
}
