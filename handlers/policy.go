package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/singleflight"

	"gatehouse/client"
	"gatehouse/i18n"
	"gatehouse/views"
)

// PasswordPolicy is what Gatehouse knows of the password rules Okta applies to one person, so
// they see the rules before they type and get told about the ones Gatehouse can check before
// any Okta call. It is read from Okta (PasswordRules), never assumed: the zero value knows
// nothing, checks nothing and lets Okta judge. Gatehouse never checks more than Okta's policy
// says (a rule it cannot check, such as history, is only shown), and Okta's refusal stays the
// last word (docs/OKTA.md "Password policies").
type PasswordPolicy struct {
	// Known is false when Okta could not say which rules apply.
	Known     bool
	MinLength int
	// MaxLength is the most Okta keeps (72 characters); longer passwords are refused here.
	MaxLength       int
	RequireLower    bool
	RequireUpper    bool
	RequireDigit    bool
	RequireSymbol   bool
	NoUsernameParts bool
	NoFirstName     bool
	NoLastName      bool
	// Rules Gatehouse shows but cannot check, from the Policies API: no common password, not
	// one of the last HistoryCount passwords, at least MinAgeMinutes since the last change.
	// Kept as Okta's settings, so that each page says them in its own language.
	ExcludeCommon bool
	HistoryCount  int
	MinAgeMinutes int
	// OktaNotes are the same kind of rules as the MyAccount API described them, in Okta's own
	// words (English): shown as Okta said them, marked as English.
	OktaNotes []string
	// Source says where the rules came from: "myaccount" (Okta's MyAccount API for the
	// signed-in person) or "policies" (the Policies API, evaluated as Okta does).
	Source string
}

// maxPasswordLength is the most Okta stores (USERS-API.md §4.2).
const maxPasswordLength = 72

// policyFromComplexity turns Okta's settings.password.complexity into the rules. Okta's counts
// mean "0 = no, 1 = yes" ([SPEC] PasswordPolicyPasswordSettingsComplexity); a count above one
// is still checked as one, so Gatehouse is never stricter than Okta.
func policyFromComplexity(c client.PasswordComplexity, source string) PasswordPolicy {
	p := PasswordPolicy{Known: true, Source: source, MinLength: c.MinLength, MaxLength: maxPasswordLength,
		RequireLower: c.MinLowerCase > 0, RequireUpper: c.MinUpperCase > 0, RequireDigit: c.MinNumber > 0,
		RequireSymbol: c.MinSymbol > 0, NoUsernameParts: c.ExcludeUsername}
	for _, a := range c.ExcludeAttributes {
		switch a {
		case "firstName":
			p.NoFirstName = true
		case "lastName":
			p.NoLastName = true
		}
	}
	return p
}

// policyFromOktaPolicy is the rules of a policy Okta returned (the Policies API): complexity,
// and history, minimum age and common passwords as notes.
func policyFromOktaPolicy(op client.PasswordPolicy) PasswordPolicy {
	p := policyFromComplexity(op.Complexity, "policies")
	p.ExcludeCommon = op.Complexity.ExcludeCommon
	p.HistoryCount = max(op.Age.HistoryCount, 0)
	p.MinAgeMinutes = max(op.Age.MinAgeMinutes, 0)
	return p
}

// policyFromRequirements is the rules the MyAccount API reported: its complexity, and the
// sentences of Okta's own description beyond the complexity list (history, minimum age) as
// notes.
func policyFromRequirements(req client.PasswordRequirements) PasswordPolicy {
	p := policyFromComplexity(req.Complexity, "myaccount")
	for _, s := range strings.SplitAfter(req.Description, ". ") {
		s = strings.TrimSpace(s)
		if s == "" || strings.HasPrefix(s, "Password requirements") {
			continue
		}
		p.OktaNotes = append(p.OktaNotes, strings.TrimSuffix(s, "."))
	}
	return p
}

// waitText is a minimum password age in the largest whole unit, in the page's language
// ("2 days", "2 Tage", "2日").
func waitText(loc *i18n.Locale, m int) string {
	switch {
	case m%(24*60) == 0:
		return loc.Tn("password.days", m/(24*60))
	case m%60 == 0:
		return loc.Tn("password.hours", m/60)
	}
	return loc.Tn("password.minutes", m)
}

// Whose says whose password the rules speak of: the person's own (the password page) or
// someone else's (an administrator adding a person), so that each language can say "your" or
// "their" in its own way rather than have words replaced in a sentence.
type Whose int

// The two voices of the rules.
const (
	OwnPassword Whose = iota
	TheirPassword
)

// say picks the message of the voice: own, or theirs.
func (w Whose) say(own, their string) string {
	if w == TheirPassword {
		return their
	}
	return own
}

// Rule keys, also used as data-testid suffixes.
const (
	ruleLength    = "length"
	ruleLower     = "lower"
	ruleUpper     = "upper"
	ruleDigit     = "digit"
	ruleSymbol    = "symbol"
	ruleUsername  = "username"
	ruleFirstName = "first-name"
	ruleLastName  = "last-name"
	ruleMatch     = "match"
	ruleNote      = "note"
	ruleUnknown   = "unknown"
)

// Rules lists the policy's rules for the person's own password, unchecked, in the request's
// language.
func (p PasswordPolicy) Rules(ctx context.Context) []views.PasswordRule {
	return p.RulesFor(ctx, OwnPassword)
}

// RulesFor lists the policy's rules, unchecked, speaking of whose password it is.
func (p PasswordPolicy) RulesFor(ctx context.Context, whose Whose) []views.PasswordRule {
	loc := views.LocaleFrom(ctx)
	var rules []views.PasswordRule
	add := func(key, text string) { rules = append(rules, views.PasswordRule{Key: key, Text: text}) }
	note := func(text string) { rules = append(rules, views.PasswordRule{Key: ruleNote, Text: text, Info: true}) }
	if !p.Known {
		rules = append(rules, views.PasswordRule{Key: ruleUnknown, Info: true, Text: loc.T("password.rule.unknown")})
	}
	if p.MinLength > 0 {
		add(ruleLength, loc.Tn("password.rule.length", p.MinLength))
	}
	if p.RequireLower {
		add(ruleLower, loc.T("password.rule.lower"))
	}
	if p.RequireUpper {
		add(ruleUpper, loc.T("password.rule.upper"))
	}
	if p.RequireDigit {
		add(ruleDigit, loc.T("password.rule.digit"))
	}
	if p.RequireSymbol {
		add(ruleSymbol, loc.T("password.rule.symbol"))
	}
	if p.NoUsernameParts {
		add(ruleUsername, loc.T(whose.say("password.rule.username", "password.rule.username_their")))
	}
	if p.NoFirstName {
		add(ruleFirstName, loc.T(whose.say("password.rule.first_name", "password.rule.first_name_their")))
	}
	if p.NoLastName {
		add(ruleLastName, loc.T(whose.say("password.rule.last_name", "password.rule.last_name_their")))
	}
	if p.ExcludeCommon {
		note(loc.T("password.rule.common"))
	}
	if p.HistoryCount > 0 {
		note(loc.Tn(whose.say("password.rule.history", "password.rule.history_their"), p.HistoryCount))
	}
	if p.MinAgeMinutes > 0 {
		note(loc.Tf(whose.say("password.rule.min_age", "password.rule.min_age_their"), map[string]any{"Wait": waitText(loc, p.MinAgeMinutes)}))
	}
	for _, n := range p.OktaNotes {
		rules = append(rules, views.PasswordRule{Key: ruleNote, Text: n, Info: true, Lang: "en"})
	}
	add(ruleMatch, loc.T("password.rule.match"))
	return rules
}

// Person is whose password is being checked (for the username and name rules).
type Person struct {
	Login, FirstName, LastName string
}

// Check evaluates pw (and its confirmation) against every rule Gatehouse can check; notes
// stay unchecked.
func (p PasswordPolicy) Check(ctx context.Context, pw, confirm string, who Person) []views.PasswordRule {
	return p.check(p.Rules(ctx), pw, confirm, who)
}

func (p PasswordPolicy) check(rules []views.PasswordRule, pw, confirm string, who Person) []views.PasswordRule {
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			symbol = true
		}
	}
	n := utf8.RuneCountInString(pw)
	for i := range rules {
		switch rules[i].Key {
		case ruleLength:
			rules[i].Met = n >= p.MinLength && n <= p.maxLength()
		case ruleLower:
			rules[i].Met = lower
		case ruleUpper:
			rules[i].Met = upper
		case ruleDigit:
			rules[i].Met = digit
		case ruleSymbol:
			rules[i].Met = symbol
		case ruleUsername:
			rules[i].Met = pw != "" && !containsLoginParts(pw, who.Login)
		case ruleFirstName:
			rules[i].Met = pw != "" && !containsName(pw, who.FirstName)
		case ruleLastName:
			rules[i].Met = pw != "" && !containsName(pw, who.LastName)
		case ruleMatch:
			rules[i].Met = pw != "" && pw == confirm
		}
	}
	return rules
}

func (p PasswordPolicy) maxLength() int {
	if p.MaxLength > 0 {
		return p.MaxLength
	}
	return maxPasswordLength
}

// Problem returns the first unmet rule as a sentence for the new-password field, in the
// request's language, or "".
func (p PasswordPolicy) Problem(ctx context.Context, pw string, who Person) string {
	return p.ProblemFor(ctx, pw, who, OwnPassword)
}

// ProblemFor is Problem speaking of whose password it is.
func (p PasswordPolicy) ProblemFor(ctx context.Context, pw string, who Person, whose Whose) string {
	loc := views.LocaleFrom(ctx)
	if utf8.RuneCountInString(pw) > p.maxLength() {
		return trn(ctx, "password.problem.too_long", p.maxLength())
	}
	for _, r := range p.check(p.RulesFor(ctx, whose), pw, pw, who) {
		if r.Met || r.Info {
			continue
		}
		switch r.Key {
		case ruleLength:
			return trn(ctx, "password.problem.too_short", p.MinLength)
		case ruleLower:
			return loc.T("password.problem.lower")
		case ruleUpper:
			return loc.T("password.problem.upper")
		case ruleDigit:
			return loc.T("password.problem.digit")
		case ruleSymbol:
			return loc.T("password.problem.symbol")
		case ruleUsername:
			return loc.T(whose.say("password.problem.username", "password.problem.username_their"))
		case ruleFirstName:
			return loc.T(whose.say("password.problem.first_name", "password.problem.first_name_their"))
		case ruleLastName:
			return loc.T(whose.say("password.problem.last_name", "password.problem.last_name_their"))
		}
	}
	return ""
}

// containsLoginParts applies Okta's username rule: no part of the login (split on , . _ # @ -)
// of four or more characters may appear in the password (case-insensitive).
func containsLoginParts(pw, login string) bool {
	low := strings.ToLower(pw)
	for _, part := range strings.FieldsFunc(strings.ToLower(login), func(r rune) bool {
		return strings.ContainsRune(",._#@-", r)
	}) {
		if utf8.RuneCountInString(part) >= 4 && strings.Contains(low, part) {
			return true
		}
	}
	return false
}

// containsName applies excludeAttributes for a name. Okta does not document a minimum length;
// Gatehouse checks names of four letters or more only, so that it never refuses what Okta
// might accept (a short name is left to Okta).
func containsName(pw, name string) bool {
	name = strings.ToLower(strings.TrimSpace(name))
	return utf8.RuneCountInString(name) >= 4 && strings.Contains(strings.ToLower(pw), name)
}

// PolicyReader reads the org's password policies with the service credential (scope
// okta.policies.read).
type PolicyReader interface {
	ListPasswordPolicies(ctx context.Context) ([]client.PasswordPolicy, error)
}

// MyPasswordRules is a client acting with a person's own access token.
type MyPasswordRules interface {
	GetMyPasswordComplexity(ctx context.Context) (client.PasswordRequirements, error)
}

// PasswordRules finds the rules Okta applies to a person: on Identity Engine orgs Okta's
// MyAccount API says them for the signed-in person; elsewhere (Classic answers 401 E0000015)
// Gatehouse reads the org's password policies and evaluates them as Okta does, by priority,
// group membership and the person's credential provider (client.PasswordPolicyFor). The
// policy list is one for the whole org, and each person's answer is kept too, both for
// PolicyTTL: an admin's change in Okta shows within that time (Invalidate shows it at once),
// and the checklist, which asks on every keystroke, costs no Okta call.
type PasswordRules struct {
	okta PolicyReader
	ttl  time.Duration
	now  func() time.Time

	mu       sync.Mutex
	policies []client.PasswordPolicy
	expires  time.Time
	gen      uint64
	// classicUntil: Okta said the MyAccount API is not enabled (a Classic org); it is not
	// asked again before then.
	classicUntil time.Time
	people       map[string]personRules
	flight       singleflight.Group
}

// personRules is one person's answer, kept until exp.
type personRules struct {
	policy PasswordPolicy
	who    Person
	exp    time.Time
	gen    uint64
}

// PolicyTTL is how long the org's password policies are cached: short, since a policy change
// in Okta should reach the pages within a minute, and long enough that a busy portal reads
// them about once a minute, not once a page.
const PolicyTTL = time.Minute

// NewPasswordRules returns the resolver; ttl ≤ 0 reads the policies on every use.
func NewPasswordRules(okta PolicyReader, ttl time.Duration, now func() time.Time) *PasswordRules {
	return &PasswordRules{okta: okta, ttl: ttl, now: now}
}

// Invalidate drops the cached policies (and the memory of a Classic org).
func (p *PasswordRules) Invalidate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.policies, p.expires, p.classicUntil, p.people = nil, time.Time{}, time.Time{}, nil
	p.gen++
}

// Person returns userID's rules and who they are, from what load found within PolicyTTL.
// Only a known policy is kept: an unknown one (Okta did not answer) is asked again next time.
func (p *PasswordRules) Person(ctx context.Context, userID string, load func(context.Context) (PasswordPolicy, Person)) (PasswordPolicy, Person) {
	p.mu.Lock()
	e, ok := p.people[userID]
	gen := p.gen
	p.mu.Unlock()
	if ok && e.gen == gen && p.now().Before(e.exp) {
		return e.policy, e.who
	}
	policy, who := load(ctx)
	if policy.Known && p.ttl > 0 {
		p.mu.Lock()
		if p.gen == gen {
			if p.people == nil {
				p.people = map[string]personRules{}
			}
			// Entries of people who left are dropped as new ones come: the map holds at most
			// the people seen within one TTL.
			now := p.now()
			for id, old := range p.people {
				if !now.Before(old.exp) {
					delete(p.people, id)
				}
			}
			p.people[userID] = personRules{policy: policy, who: who, exp: now.Add(p.ttl), gen: gen}
		}
		p.mu.Unlock()
	}
	return policy, who
}

// ForMe asks the MyAccount API for the signed-in person's rules (me acts with their token).
// ok is false when the org has no MyAccount API (Classic) or the token may not read it: the
// caller then uses ForUser.
func (p *PasswordRules) ForMe(ctx context.Context, me MyPasswordRules) (PasswordPolicy, bool) {
	p.mu.Lock()
	classic := p.now().Before(p.classicUntil)
	p.mu.Unlock()
	if classic || me == nil {
		return PasswordPolicy{}, false
	}
	req, err := me.GetMyPasswordComplexity(ctx)
	if err != nil {
		if errors.Is(err, client.ErrFeatureDisabled) {
			p.mu.Lock()
			p.classicUntil = p.now().Add(max(p.ttl, time.Minute))
			p.mu.Unlock()
		}
		ScopeFrom(ctx).Note("password_rules_myaccount", errorKind(err))
		return PasswordPolicy{}, false
	}
	return policyFromRequirements(req), true
}

// ForUser evaluates the org's password policies for u, a member of groups, as Okta does.
// Without an answer from Okta the policy is unknown (Known false): Okta will judge.
func (p *PasswordRules) ForUser(ctx context.Context, u client.User, groups []client.Group) PasswordPolicy {
	policies, err := p.load(ctx)
	if err != nil {
		ScopeFrom(ctx).Note("password_rules", errorKind(err))
		return PasswordPolicy{}
	}
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		ids = append(ids, g.ID)
	}
	op, _, err := client.PasswordPolicyFor(policies, u, ids)
	if err != nil {
		ScopeFrom(ctx).Note("password_rules", "no_policy")
		return PasswordPolicy{}
	}
	return policyFromOktaPolicy(op)
}

// ForNewUser is ForUser for someone Okta does not know yet: an Okta-sourced person who will be
// in the groups with these ids (and Everyone).
func (p *PasswordRules) ForNewUser(ctx context.Context, groupIDs []string) PasswordPolicy {
	groups := make([]client.Group, 0, len(groupIDs))
	for _, id := range groupIDs {
		groups = append(groups, client.Group{ID: id})
	}
	return p.ForUser(ctx, client.User{}, groups)
}

// load returns the org's password policies, from the cache while fresh.
func (p *PasswordRules) load(ctx context.Context) ([]client.PasswordPolicy, error) {
	p.mu.Lock()
	if p.policies != nil && p.now().Before(p.expires) {
		defer p.mu.Unlock()
		return p.policies, nil
	}
	gen := p.gen
	p.mu.Unlock()
	v, err, _ := p.flight.Do(strconv.FormatUint(gen, 10), func() (any, error) {
		policies, err := p.okta.ListPasswordPolicies(ctx)
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		if p.gen == gen && p.ttl > 0 {
			p.policies, p.expires = policies, p.now().Add(p.ttl)
		}
		p.mu.Unlock()
		return policies, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]client.PasswordPolicy), nil
}

// errorKind names an Okta failure for a log note (never Okta's text).
func errorKind(err error) string {
	switch {
	case errors.Is(err, client.ErrFeatureDisabled):
		return "not_enabled"
	case errors.Is(err, client.ErrMissingScope):
		return "missing_scope"
	case errors.Is(err, client.ErrForbidden):
		return "forbidden"
	case errors.Is(err, client.ErrRateLimited):
		return "rate_limited"
	}
	return "failed"
}
