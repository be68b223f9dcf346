package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
)

// Password policies through Okta's Policies API (type PASSWORD). Okta decides
// which policy applies to a person; PasswordPolicyFor repeats Okta's documented
// evaluation on the policies Okta returns, so Gatehouse can show the rules
// before the person types. Okta's answer to the password change stays the
// last word (docs/OKTA.md "Password policies").

const policiesPath = "/api/v1/policies"

// maxPolicies bounds ListPasswordPolicies (one call per policy for its rules).
const maxPolicies = 100

// PasswordPolicy is a PASSWORD policy with its rules.
type PasswordPolicy struct {
	ID          string
	Name        string
	Description string
	// Status is ACTIVE or INACTIVE; Okta evaluates ACTIVE policies only.
	Status string
	// Priority orders evaluation: 1 first. The default policy is last.
	Priority int
	// System marks Okta's default policy, which applies to anyone no other
	// policy matches.
	System bool
	// GroupIDs is conditions.people.groups.include.
	GroupIDs []string
	// AuthProvider is conditions.authProvider.provider: OKTA (also when
	// absent), ACTIVE_DIRECTORY, LDAP or ANY.
	AuthProvider string
	Complexity   PasswordComplexity
	Age          PasswordAge
	Lockout      PasswordLockout
	// Rules are the policy's rules by priority; Okta never applies a policy
	// without an ACTIVE rule that matches the person.
	Rules []PolicyRule
}

// PasswordComplexity is settings.password.complexity.
type PasswordComplexity struct {
	MinLength    int `json:"minLength"`
	MinLowerCase int `json:"minLowerCase"`
	MinUpperCase int `json:"minUpperCase"`
	MinNumber    int `json:"minNumber"`
	MinSymbol    int `json:"minSymbol"`
	// ExcludeUsername forbids the username and its parts of four characters
	// or more.
	ExcludeUsername bool `json:"excludeUsername"`
	// ExcludeAttributes lists profile attributes the password must not
	// contain (firstName, lastName).
	ExcludeAttributes []string `json:"excludeAttributes"`
	// ExcludeCommon is dictionary.common.exclude: Okta refuses common passwords.
	ExcludeCommon bool `json:"-"`
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

// PolicyRule is a rule of a password policy.
type PolicyRule struct {
	ID       string
	Name     string
	Status   string
	Priority int
	System   bool
	// ExcludeUserIDs is conditions.people.users.exclude.
	ExcludeUserIDs []string
	// PasswordChange, SelfServicePasswordReset and SelfServiceUnlock are the
	// actions' access: ALLOW or DENY.
	PasswordChange           string
	SelfServicePasswordReset string
	SelfServiceUnlock        string
}

// Wire forms.

type wireInclude struct {
	Include []string `json:"include"`
}

type wireExclude struct {
	Exclude []string `json:"exclude"`
}

type wirePeople struct {
	Groups *wireInclude `json:"groups,omitempty"`
	Users  *wireExclude `json:"users,omitempty"`
}

type wireAuthProvider struct {
	Provider string `json:"provider"`
}

type wirePolicyConditions struct {
	People       *wirePeople       `json:"people,omitempty"`
	AuthProvider *wireAuthProvider `json:"authProvider,omitempty"`
}

type wireCommon struct {
	Exclude bool `json:"exclude"`
}

type wireDictionary struct {
	Common *wireCommon `json:"common,omitempty"`
}

type wireComplexity struct {
	PasswordComplexity
	Dictionary *wireDictionary `json:"dictionary,omitempty"`
}

type wirePasswordSettings struct {
	Complexity *wireComplexity  `json:"complexity,omitempty"`
	Age        *PasswordAge     `json:"age,omitempty"`
	Lockout    *PasswordLockout `json:"lockout,omitempty"`
}

type wireSettings struct {
	Password *wirePasswordSettings `json:"password,omitempty"`
}

type wirePolicy struct {
	ID          string                `json:"id,omitempty"`
	Type        string                `json:"type"`
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	Status      string                `json:"status,omitempty"`
	Priority    int                   `json:"priority,omitempty"`
	System      bool                  `json:"system,omitempty"`
	Conditions  *wirePolicyConditions `json:"conditions,omitempty"`
	Settings    *wireSettings         `json:"settings,omitempty"`
}

type wireAccess struct {
	Access string `json:"access,omitempty"`
}

type wireRuleConditions struct {
	People *wirePeople `json:"people,omitempty"`
}

type wireRuleActions struct {
	PasswordChange           *wireAccess `json:"passwordChange,omitempty"`
	SelfServicePasswordReset *wireAccess `json:"selfServicePasswordReset,omitempty"`
	SelfServiceUnlock        *wireAccess `json:"selfServiceUnlock,omitempty"`
}

type wireRule struct {
	ID         string              `json:"id,omitempty"`
	Type       string              `json:"type"`
	Name       string              `json:"name"`
	Status     string              `json:"status,omitempty"`
	Priority   int                 `json:"priority,omitempty"`
	System     bool                `json:"system,omitempty"`
	Conditions *wireRuleConditions `json:"conditions,omitempty"`
	Actions    *wireRuleActions    `json:"actions,omitempty"`
}

func (w wirePolicy) policy() PasswordPolicy {
	p := PasswordPolicy{ID: w.ID, Name: w.Name, Description: w.Description, Status: w.Status,
		Priority: w.Priority, System: w.System}
	if c := w.Conditions; c != nil {
		if c.People != nil && c.People.Groups != nil {
			p.GroupIDs = c.People.Groups.Include
		}
		if c.AuthProvider != nil {
			p.AuthProvider = c.AuthProvider.Provider
		}
	}
	if w.Settings != nil && w.Settings.Password != nil {
		pw := w.Settings.Password
		if pw.Complexity != nil {
			p.Complexity = pw.Complexity.PasswordComplexity
			if d := pw.Complexity.Dictionary; d != nil && d.Common != nil {
				p.Complexity.ExcludeCommon = d.Common.Exclude
			}
		}
		if pw.Age != nil {
			p.Age = *pw.Age
		}
		if pw.Lockout != nil {
			p.Lockout = *pw.Lockout
		}
	}
	return p
}

func wireFromPolicy(p PasswordPolicy) wirePolicy {
	w := wirePolicy{Type: "PASSWORD", Name: p.Name, Description: p.Description, Priority: p.Priority,
		Conditions: &wirePolicyConditions{}}
	if len(p.GroupIDs) > 0 {
		w.Conditions.People = &wirePeople{Groups: &wireInclude{Include: p.GroupIDs}}
	}
	if p.AuthProvider != "" {
		w.Conditions.AuthProvider = &wireAuthProvider{Provider: p.AuthProvider}
	}
	c := wireComplexity{PasswordComplexity: p.Complexity, Dictionary: &wireDictionary{Common: &wireCommon{Exclude: p.Complexity.ExcludeCommon}}}
	if c.ExcludeAttributes == nil {
		c.ExcludeAttributes = []string{}
	}
	age, lockout := p.Age, p.Lockout
	w.Settings = &wireSettings{Password: &wirePasswordSettings{Complexity: &c, Age: &age, Lockout: &lockout}}
	return w
}

func (w wireRule) rule() PolicyRule {
	r := PolicyRule{ID: w.ID, Name: w.Name, Status: w.Status, Priority: w.Priority, System: w.System}
	if w.Conditions != nil && w.Conditions.People != nil && w.Conditions.People.Users != nil {
		r.ExcludeUserIDs = w.Conditions.People.Users.Exclude
	}
	if a := w.Actions; a != nil {
		if a.PasswordChange != nil {
			r.PasswordChange = a.PasswordChange.Access
		}
		if a.SelfServicePasswordReset != nil {
			r.SelfServicePasswordReset = a.SelfServicePasswordReset.Access
		}
		if a.SelfServiceUnlock != nil {
			r.SelfServiceUnlock = a.SelfServiceUnlock.Access
		}
	}
	return r
}

func wireFromRule(r PolicyRule) wireRule {
	access := func(a string) *wireAccess {
		if a == "" {
			return nil
		}
		return &wireAccess{Access: a}
	}
	return wireRule{Type: "PASSWORD", Name: r.Name, Priority: r.Priority,
		Conditions: &wireRuleConditions{People: &wirePeople{Users: &wireExclude{Exclude: append([]string{}, r.ExcludeUserIDs...)}}},
		Actions: &wireRuleActions{PasswordChange: access(r.PasswordChange), SelfServicePasswordReset: access(r.SelfServicePasswordReset),
			SelfServiceUnlock: access(r.SelfServiceUnlock)}}
}

// ListPasswordPolicies returns the org's PASSWORD policies by priority, each
// with its rules (GET /api/v1/policies?type=PASSWORD, then GET
// /api/v1/policies/{id}/rules per policy, which works on Classic and Identity
// Engine orgs alike). The credential needs okta.policies.read.
func (c *Client) ListPasswordPolicies(ctx context.Context) ([]PasswordPolicy, error) {
	const op = "listPolicies"
	// One deadline for all the calls.
	ctx, cancel := context.WithTimeout(ctx, c.s.cfg.callTimeout)
	defer cancel()
	var wire []wirePolicy
	if _, err := c.call(ctx, request{op: op, method: http.MethodGet, path: policiesPath,
		query: url.Values{"type": {"PASSWORD"}}}, &wire); err != nil {
		return nil, err
	}
	if len(wire) > maxPolicies {
		return nil, fmt.Errorf("okta: %s: more than %d password policies", op, maxPolicies)
	}
	out := make([]PasswordPolicy, 0, len(wire))
	for _, w := range wire {
		if w.ID == "" {
			return nil, fmt.Errorf("okta: %s: decode response: a policy without an id", op)
		}
		p := w.policy()
		rules, err := c.ListPolicyRules(ctx, p.ID)
		if errors.Is(err, ErrNotFound) {
			continue // deleted between the two calls: it no longer applies
		}
		if err != nil {
			return nil, err
		}
		p.Rules = rules
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	return out, nil
}

// ListPolicyRules returns a policy's rules by priority (GET /api/v1/policies/{id}/rules).
func (c *Client) ListPolicyRules(ctx context.Context, policyID string) ([]PolicyRule, error) {
	const op = "listPolicyRules"
	if policyID == "" {
		return nil, invalidArg(op, "empty policy id")
	}
	var wire []wireRule
	if _, err := c.call(ctx, request{op: op, method: http.MethodGet, path: policiesPath + "/" + escapeSegment(policyID) + "/rules"}, &wire); err != nil {
		return nil, err
	}
	out := make([]PolicyRule, 0, len(wire))
	for _, w := range wire {
		out = append(out, w.rule())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	return out, nil
}

// CreatePasswordPolicy creates a PASSWORD policy (POST /api/v1/policies).
// Okta applies it only once it has an ACTIVE rule (CreatePolicyRule). The
// credential needs okta.policies.manage.
func (c *Client) CreatePasswordPolicy(ctx context.Context, p PasswordPolicy) (PasswordPolicy, error) {
	var w wirePolicy
	if _, err := c.call(ctx, request{op: "createPolicy", method: http.MethodPost, path: policiesPath, body: wireFromPolicy(p)}, &w); err != nil {
		return PasswordPolicy{}, err
	}
	return w.policy(), nil
}

// ReplacePasswordPolicy replaces a PASSWORD policy's properties (PUT
// /api/v1/policies/{id}); settings left zero take Okta's defaults.
func (c *Client) ReplacePasswordPolicy(ctx context.Context, p PasswordPolicy) (PasswordPolicy, error) {
	const op = "replacePolicy"
	if p.ID == "" {
		return PasswordPolicy{}, invalidArg(op, "empty policy id")
	}
	var w wirePolicy
	if _, err := c.call(ctx, request{op: op, method: http.MethodPut, path: policiesPath + "/" + escapeSegment(p.ID), body: wireFromPolicy(p)}, &w); err != nil {
		return PasswordPolicy{}, err
	}
	return w.policy(), nil
}

// DeletePolicy deletes a policy (DELETE /api/v1/policies/{id}); Okta keeps
// its default policy.
func (c *Client) DeletePolicy(ctx context.Context, policyID string) error {
	const op = "deletePolicy"
	if policyID == "" {
		return invalidArg(op, "empty policy id")
	}
	_, err := c.call(ctx, request{op: op, method: http.MethodDelete, path: policiesPath + "/" + escapeSegment(policyID)}, nil)
	return err
}

// CreatePolicyRule adds a rule to a password policy (POST
// /api/v1/policies/{id}/rules).
func (c *Client) CreatePolicyRule(ctx context.Context, policyID string, r PolicyRule) (PolicyRule, error) {
	const op = "createPolicyRule"
	if policyID == "" {
		return PolicyRule{}, invalidArg(op, "empty policy id")
	}
	var w wireRule
	if _, err := c.call(ctx, request{op: op, method: http.MethodPost, path: policiesPath + "/" + escapeSegment(policyID) + "/rules", body: wireFromRule(r)}, &w); err != nil {
		return PolicyRule{}, err
	}
	return w.rule(), nil
}

// ErrNoPolicy means no policy applies, which Okta's default policy prevents in
// any real org: the list was empty or incomplete.
var ErrNoPolicy = errors.New("okta: no password policy applies")

// PasswordPolicyFor picks the policy Okta applies to a user in the groups
// groupIDs, following Okta's documented policy evaluation: ACTIVE policies
// by priority; the first whose group condition includes one of the user's
// groups (Okta's groups; the default policy's Everyone includes all) and whose
// authentication-provider condition matches the user's provider (a policy
// without one is an OKTA policy; ANY matches all), and that has an ACTIVE rule
// not excluding the user. Okta's default policy catches everyone else. It
// returns the policy and the rule that matched.
func PasswordPolicyFor(policies []PasswordPolicy, u User, groupIDs []string) (PasswordPolicy, PolicyRule, error) {
	sorted := slices.Clone(policies)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].System != sorted[j].System {
			return !sorted[i].System
		}
		return sorted[i].Priority < sorted[j].Priority
	})
	provider := string(u.Credentials.Provider.Type)
	if provider == "" || provider == string(ProviderImport) {
		provider = string(ProviderOkta)
	}
	var fallback *PasswordPolicy
	for i := range sorted {
		p := &sorted[i]
		if p.System && fallback == nil {
			fallback = p
		}
		if p.Status != "ACTIVE" {
			continue
		}
		want := p.AuthProvider
		if want == "" {
			want = string(ProviderOkta)
		}
		if want != "ANY" && want != provider {
			continue
		}
		inGroup := p.System
		for _, g := range p.GroupIDs {
			inGroup = inGroup || slices.Contains(groupIDs, g)
		}
		if !inGroup {
			continue
		}
		for _, r := range p.Rules {
			if r.Status == "ACTIVE" && !slices.Contains(r.ExcludeUserIDs, u.ID) {
				return *p, r, nil
			}
		}
	}
	if fallback != nil {
		for _, r := range fallback.Rules {
			if r.Status == "ACTIVE" {
				return *fallback, r, nil
			}
		}
		return *fallback, PolicyRule{}, nil
	}
	return PasswordPolicy{}, PolicyRule{}, ErrNoPolicy
}

// myAccountAccept is the versioned media type the MyAccount API requires.
const myAccountAccept = "application/json; okta-version=1.0.0"

// PasswordRequirements is the MyAccount API's answer about the signed-in
// person's password rules.
type PasswordRequirements struct {
	// Description is Okta's own sentence for the rules, e.g. "Password
	// requirements: at least 8 characters, … Your password cannot be any of
	// your last 4 passwords."
	Description string             `json:"description"`
	Complexity  PasswordComplexity `json:"complexity"`
}

// GetMyPasswordComplexity returns the password requirements Okta applies to
// the signed-in person (GET /idp/myaccount/password/complexity-requirements).
// Call it on a WithBearer copy with the person's access token carrying
// okta.myAccount.password.read. The MyAccount API exists on Identity Engine
// orgs only: elsewhere the answer matches ErrFeatureDisabled (401 E0000015),
// and the caller falls back to ListPasswordPolicies and PasswordPolicyFor.
func (c *Client) GetMyPasswordComplexity(ctx context.Context) (PasswordRequirements, error) {
	const op = "getPasswordRequirements"
	var res PasswordRequirements
	raw, err := c.do(ctx, request{op: op, method: http.MethodGet, path: "/idp/myaccount/password/complexity-requirements", accept: myAccountAccept})
	if err != nil {
		return PasswordRequirements{}, err
	}
	if err := json.Unmarshal(raw.body, &res); err != nil {
		return PasswordRequirements{}, fmt.Errorf("okta: %s: decode response: %w", op, err)
	}
	if res.Complexity.MinLength == 0 && res.Description == "" {
		return PasswordRequirements{}, fmt.Errorf("okta: %s: decode response: no requirements in the answer", op)
	}
	return res, nil
}
