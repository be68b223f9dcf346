package oktatest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The Policies API for PASSWORD policies (management spec, tag Policy:
// listPolicies, createPolicy, getPolicy, replacePolicy, deletePolicy,
// activatePolicy, deactivatePolicy and the rule operations). Other policy
// types are not modelled and answer 501 E0000060.

const (
	scopePoliciesRead   = "okta.policies.read"
	scopePoliciesManage = "okta.policies.manage"
)

// policyTypes are Okta's PolicyType values; only PASSWORD is modelled.
func policyTypes() []string {
	return []string{"OKTA_SIGN_ON", "PASSWORD", "MFA_ENROLL", "IDP_DISCOVERY", "ACCESS_POLICY", "PROFILE_ENROLLMENT",
		"POST_AUTH_SESSION", "ENTITY_RISK", "DEVICE_SIGNAL_COLLECTION", "SESSION_VIOLATION_DETECTION", "CLIENT_UPDATE",
		"IDENTITY_CLAIM_SOURCING"}
}

func (s *Server) policyRoutes() []apiRoute {
	read := func(method string, path []string, op string, h apiHandler) apiRoute {
		return apiRoute{method: method, path: path, op: op, scope: scopePoliciesRead, h: h}
	}
	manage := func(method string, path []string, op string, h apiHandler) apiRoute {
		return apiRoute{method: method, path: path, op: op, scope: scopePoliciesManage, h: h}
	}
	pol := []string{"policies", "{policyId}"}
	rules := append(slices.Clone(pol), "rules")
	rule := append(slices.Clone(rules), "{ruleId}")
	return []apiRoute{
		read(http.MethodGet, []string{"policies"}, "listPolicies", s.listPolicies),
		manage(http.MethodPost, []string{"policies"}, "createPolicy", s.createPolicy),
		read(http.MethodGet, pol, "getPolicy", s.getPolicy),
		manage(http.MethodPut, pol, "replacePolicy", s.replacePolicy),
		manage(http.MethodDelete, pol, "deletePolicy", s.deletePolicy),
		manage(http.MethodPost, append(slices.Clone(pol), "lifecycle", "activate"), "activatePolicy", s.policyLifecycle(policyActive)),
		manage(http.MethodPost, append(slices.Clone(pol), "lifecycle", "deactivate"), "deactivatePolicy", s.policyLifecycle(policyInactive)),
		read(http.MethodGet, rules, "listPolicyRules", s.listPolicyRules),
		manage(http.MethodPost, rules, "createPolicyRule", s.createPolicyRule),
		read(http.MethodGet, rule, "getPolicyRule", s.getPolicyRule),
		manage(http.MethodPut, rule, "replacePolicyRule", s.replacePolicyRule),
		manage(http.MethodDelete, rule, "deletePolicyRule", s.deletePolicyRule),
		manage(http.MethodPost, append(slices.Clone(rule), "lifecycle", "activate"), "activatePolicyRule", s.ruleLifecycle(policyActive)),
		manage(http.MethodPost, append(slices.Clone(rule), "lifecycle", "deactivate"), "deactivatePolicyRule", s.ruleLifecycle(policyInactive)),
	}
}

// Wire structs of the Policies API, used both ways (pointers tell "absent"
// from zero so that the schema's defaults apply to what a request leaves out).

type hintsJSON struct {
	Allow []string `json:"allow"`
}

type hintedLinkJSON struct {
	Href  string     `json:"href"`
	Hints *hintsJSON `json:"hints,omitempty"`
}

type includeJSON struct {
	Include []string `json:"include"`
}

type excludeJSON struct {
	Exclude []string `json:"exclude"`
}

type peopleJSON struct {
	Groups *includeJSON `json:"groups,omitempty"`
	Users  *excludeJSON `json:"users,omitempty"`
}

type authProviderJSON struct {
	Provider string   `json:"provider"`
	Include  []string `json:"include,omitempty"`
}

type policyConditionsJSON struct {
	People       *peopleJSON       `json:"people,omitempty"`
	AuthProvider *authProviderJSON `json:"authProvider,omitempty"`
}

type commonJSON struct {
	Exclude *bool `json:"exclude,omitempty"`
}

type dictionaryJSON struct {
	Common *commonJSON `json:"common,omitempty"`
}

type complexityJSON struct {
	MinLength         *int            `json:"minLength,omitempty"`
	MinLowerCase      *int            `json:"minLowerCase,omitempty"`
	MinUpperCase      *int            `json:"minUpperCase,omitempty"`
	MinNumber         *int            `json:"minNumber,omitempty"`
	MinSymbol         *int            `json:"minSymbol,omitempty"`
	ExcludeUsername   *bool           `json:"excludeUsername,omitempty"`
	ExcludeAttributes []string        `json:"excludeAttributes"`
	Dictionary        *dictionaryJSON `json:"dictionary,omitempty"`
}

type ageJSON struct {
	MaxAgeDays     *int `json:"maxAgeDays,omitempty"`
	ExpireWarnDays *int `json:"expireWarnDays,omitempty"`
	MinAgeMinutes  *int `json:"minAgeMinutes,omitempty"`
	HistoryCount   *int `json:"historyCount,omitempty"`
}

type lockoutJSON struct {
	MaxAttempts                     *int     `json:"maxAttempts,omitempty"`
	AutoUnlockMinutes               *int     `json:"autoUnlockMinutes,omitempty"`
	ShowLockoutFailures             *bool    `json:"showLockoutFailures,omitempty"`
	UserLockoutNotificationChannels []string `json:"userLockoutNotificationChannels"`
}

type passwordSettingsJSON struct {
	Complexity *complexityJSON `json:"complexity,omitempty"`
	Age        *ageJSON        `json:"age,omitempty"`
	Lockout    *lockoutJSON    `json:"lockout,omitempty"`
}

type minLengthJSON struct {
	MinLength *int `json:"minLength,omitempty"`
}

type questionFactorJSON struct {
	Status     string `json:"status,omitempty"`
	Properties *struct {
		Complexity *minLengthJSON `json:"complexity,omitempty"`
	} `json:"properties,omitempty"`
}

type tokenLifetimeJSON struct {
	TokenLifetimeMinutes *int `json:"tokenLifetimeMinutes,omitempty"`
}

type emailFactorJSON struct {
	Status     string `json:"status,omitempty"`
	Properties *struct {
		RecoveryToken *tokenLifetimeJSON `json:"recoveryToken,omitempty"`
	} `json:"properties,omitempty"`
}

type factorStatusJSON struct {
	Status string `json:"status,omitempty"`
}

type recoveryFactorsJSON struct {
	RecoveryQuestion *questionFactorJSON `json:"recovery_question,omitempty"`
	OktaEmail        *emailFactorJSON    `json:"okta_email,omitempty"`
	OktaSMS          *factorStatusJSON   `json:"okta_sms,omitempty"`
	OktaCall         *factorStatusJSON   `json:"okta_call,omitempty"`
}

type recoveryJSON struct {
	Factors *recoveryFactorsJSON `json:"factors,omitempty"`
}

type delegationJSON struct {
	Options *struct {
		SkipUnlock *bool `json:"skipUnlock,omitempty"`
	} `json:"options,omitempty"`
}

type policySettingsJSON struct {
	Password   *passwordSettingsJSON `json:"password,omitempty"`
	Recovery   *recoveryJSON         `json:"recovery,omitempty"`
	Delegation *delegationJSON       `json:"delegation,omitempty"`
}

// policyJSON is a PASSWORD policy on the wire.
type policyJSON struct {
	ID          string                    `json:"id,omitempty"`
	Type        string                    `json:"type"`
	Status      string                    `json:"status,omitempty"`
	Name        string                    `json:"name"`
	Description *string                   `json:"description,omitempty"`
	Priority    *int                      `json:"priority,omitempty"`
	System      bool                      `json:"system"`
	Created     string                    `json:"created,omitempty"`
	LastUpdated string                    `json:"lastUpdated,omitempty"`
	Conditions  *policyConditionsJSON     `json:"conditions,omitempty"`
	Settings    *policySettingsJSON       `json:"settings,omitempty"`
	Links       map[string]hintedLinkJSON `json:"_links,omitempty"`
}

type accessJSON struct {
	Access string `json:"access,omitempty"`
}

type stepUpJSON struct {
	Required bool     `json:"required"`
	Methods  []string `json:"methods,omitempty"`
}

type ssprRequirementJSON struct {
	Primary *struct {
		Methods []string `json:"methods,omitempty"`
	} `json:"primary,omitempty"`
	StepUp *stepUpJSON `json:"stepUp,omitempty"`
}

type ssprJSON struct {
	Access      string               `json:"access,omitempty"`
	Requirement *ssprRequirementJSON `json:"requirement,omitempty"`
}

type ruleActionsJSON struct {
	PasswordChange           *accessJSON `json:"passwordChange,omitempty"`
	SelfServicePasswordReset *ssprJSON   `json:"selfServicePasswordReset,omitempty"`
	SelfServiceUnlock        *accessJSON `json:"selfServiceUnlock,omitempty"`
}

type networkJSON struct {
	Connection string `json:"connection"`
}

type ruleConditionsJSON struct {
	People  *peopleJSON  `json:"people,omitempty"`
	Network *networkJSON `json:"network,omitempty"`
}

// ruleJSON is a PASSWORD policy rule on the wire.
type ruleJSON struct {
	ID          string                    `json:"id,omitempty"`
	Type        string                    `json:"type"`
	Status      string                    `json:"status,omitempty"`
	Name        string                    `json:"name"`
	Priority    *int                      `json:"priority,omitempty"`
	System      bool                      `json:"system"`
	Created     string                    `json:"created,omitempty"`
	LastUpdated string                    `json:"lastUpdated,omitempty"`
	Conditions  *ruleConditionsJSON       `json:"conditions,omitempty"`
	Actions     *ruleActionsJSON          `json:"actions,omitempty"`
	Links       map[string]hintedLinkJSON `json:"_links,omitempty"`
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func statusFlag(active bool) string {
	if active {
		return policyActive
	}
	return policyInactive
}

// policyOut renders a policy as the Policies API answers it.
func (s *Server) policyOut(p *passwordPolicy) policyJSON {
	self := s.abs("/api/v1/policies/" + url.PathEscape(p.id))
	prio := p.priority
	out := policyJSON{ID: p.id, Type: policyTypePassword, Status: p.status, Name: p.name, Priority: &prio,
		System: p.system, Created: formatTime(p.created), LastUpdated: formatTime(p.lastUpdated)}
	if p.description != "" {
		d := p.description
		out.Description = &d
	}
	out.Conditions = &policyConditionsJSON{
		People:       &peopleJSON{Groups: &includeJSON{Include: append([]string{}, p.groups...)}},
		AuthProvider: &authProviderJSON{Provider: p.authProvider, Include: p.authInclude},
	}
	c, a, l := p.complexity, p.age, p.lockout
	exclude, skip := c.ExcludeCommon, p.skipUnlock
	set := &policySettingsJSON{
		Password: &passwordSettingsJSON{
			Complexity: &complexityJSON{MinLength: &c.MinLength, MinLowerCase: &c.MinLowerCase, MinUpperCase: &c.MinUpperCase,
				MinNumber: &c.MinNumber, MinSymbol: &c.MinSymbol, ExcludeUsername: &c.ExcludeUsername,
				ExcludeAttributes: append([]string{}, c.ExcludeAttributes...),
				Dictionary:        &dictionaryJSON{Common: &commonJSON{Exclude: &exclude}}},
			Age: &ageJSON{MaxAgeDays: &a.MaxAgeDays, ExpireWarnDays: &a.ExpireWarnDays, MinAgeMinutes: &a.MinAgeMinutes, HistoryCount: &a.HistoryCount},
			Lockout: &lockoutJSON{MaxAttempts: &l.MaxAttempts, AutoUnlockMinutes: &l.AutoUnlockMinutes,
				ShowLockoutFailures: &l.ShowLockoutFailures, UserLockoutNotificationChannels: []string{}},
		},
		Recovery:   recoveryOut(p.recovery),
		Delegation: &delegationJSON{},
	}
	set.Delegation.Options = &struct {
		SkipUnlock *bool `json:"skipUnlock,omitempty"`
	}{SkipUnlock: &skip}
	out.Settings = set

	out.Links = map[string]hintedLinkJSON{
		"self":  {Href: self, Hints: &hintsJSON{Allow: []string{"GET", "PUT", "DELETE"}}},
		"rules": {Href: self + "/rules", Hints: &hintsJSON{Allow: []string{"GET", "POST"}}},
	}
	if p.status == policyActive {
		out.Links["deactivate"] = hintedLinkJSON{Href: self + "/lifecycle/deactivate", Hints: &hintsJSON{Allow: []string{"POST"}}}
	} else {
		out.Links["activate"] = hintedLinkJSON{Href: self + "/lifecycle/activate", Hints: &hintsJSON{Allow: []string{"POST"}}}
	}
	return out
}

func recoveryOut(r PasswordRecovery) *recoveryJSON {
	minLen, life := r.QuestionMinLength, r.EmailTokenMinutes
	q := &questionFactorJSON{Status: statusFlag(r.QuestionActive)}
	q.Properties = &struct {
		Complexity *minLengthJSON `json:"complexity,omitempty"`
	}{Complexity: &minLengthJSON{MinLength: &minLen}}
	e := &emailFactorJSON{Status: statusFlag(r.EmailActive)}
	e.Properties = &struct {
		RecoveryToken *tokenLifetimeJSON `json:"recoveryToken,omitempty"`
	}{RecoveryToken: &tokenLifetimeJSON{TokenLifetimeMinutes: &life}}
	return &recoveryJSON{Factors: &recoveryFactorsJSON{RecoveryQuestion: q, OktaEmail: e,
		OktaSMS: &factorStatusJSON{Status: policyInactive}, OktaCall: &factorStatusJSON{Status: policyInactive}}}
}

// policySettingsIn reads the settings of a create or replace body, applying
// the schema's defaults to what is missing (management spec,
// PasswordPolicyPasswordSettingsComplexity / Age / Lockout), and validates
// them against the ranges Okta documents.
func policySettingsIn(in *policySettingsJSON, pr *problems) (PasswordComplexity, PasswordAge, PasswordLockout, PasswordRecovery, bool) {
	var cj complexityJSON
	var aj ageJSON
	var lj lockoutJSON
	skip := false
	if in != nil && in.Password != nil {
		if in.Password.Complexity != nil {
			cj = *in.Password.Complexity
		}
		if in.Password.Age != nil {
			aj = *in.Password.Age
		}
		if in.Password.Lockout != nil {
			lj = *in.Password.Lockout
		}
	}
	if in != nil && in.Delegation != nil && in.Delegation.Options != nil {
		skip = boolOr(in.Delegation.Options.SkipUnlock, false)
	}
	c := PasswordComplexity{
		MinLength: intOr(cj.MinLength, 8), MinLowerCase: intOr(cj.MinLowerCase, 1), MinUpperCase: intOr(cj.MinUpperCase, 1),
		MinNumber: intOr(cj.MinNumber, 1), MinSymbol: intOr(cj.MinSymbol, 1), ExcludeUsername: boolOr(cj.ExcludeUsername, true),
		ExcludeAttributes: append([]string{}, cj.ExcludeAttributes...),
	}
	if cj.Dictionary != nil && cj.Dictionary.Common != nil {
		c.ExcludeCommon = boolOr(cj.Dictionary.Common.Exclude, false)
	}
	a := PasswordAge{MaxAgeDays: intOr(aj.MaxAgeDays, 0), ExpireWarnDays: intOr(aj.ExpireWarnDays, 0),
		MinAgeMinutes: intOr(aj.MinAgeMinutes, 0), HistoryCount: intOr(aj.HistoryCount, 0)}
	l := PasswordLockout{MaxAttempts: intOr(lj.MaxAttempts, 10), AutoUnlockMinutes: intOr(lj.AutoUnlockMinutes, 0),
		ShowLockoutFailures: boolOr(lj.ShowLockoutFailures, false)}
	r := PasswordRecovery{QuestionActive: true, QuestionMinLength: answerMinLength, EmailActive: true, EmailTokenMinutes: 10080}
	if in != nil && in.Recovery != nil && in.Recovery.Factors != nil {
		f := in.Recovery.Factors
		if q := f.RecoveryQuestion; q != nil {
			r.QuestionActive = q.Status != policyInactive
			if q.Properties != nil && q.Properties.Complexity != nil {
				r.QuestionMinLength = intOr(q.Properties.Complexity.MinLength, answerMinLength)
			}
		}
		if e := f.OktaEmail; e != nil && e.Properties != nil && e.Properties.RecoveryToken != nil {
			r.EmailTokenMinutes = intOr(e.Properties.RecoveryToken.TokenLifetimeMinutes, r.EmailTokenMinutes)
		}
	}
	// Unconfirmed: Okta's wording for out-of-range settings is not recorded;
	// the ranges are the Admin Console's (docs/OKTA.md).
	if c.MinLength < policyMinLengthFloor || c.MinLength > policyMinLengthCeil {
		pr.add("minLength", "Minimum length must be between 4 and 30")
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"minLowerCase", c.MinLowerCase}, {"minUpperCase", c.MinUpperCase}, {"minNumber", c.MinNumber}, {"minSymbol", c.MinSymbol}} {
		if v.n < 0 || v.n > 1 {
			pr.add(v.name, "Must be 0 or 1")
		}
	}
	for _, attr := range c.ExcludeAttributes {
		if attr != "firstName" && attr != "lastName" {
			pr.add("excludeAttributes", "Only firstName and lastName can be excluded")
		}
	}
	if a.HistoryCount < 0 || a.HistoryCount > policyHistoryMax {
		pr.add("historyCount", "Password history must be between 0 and 30")
	}
	if a.MinAgeMinutes < 0 || a.MaxAgeDays < 0 || a.ExpireWarnDays < 0 {
		pr.add("age", "Password age settings cannot be negative")
	}
	if l.MaxAttempts < 0 || l.MaxAttempts > policyLockoutMax || l.AutoUnlockMinutes < 0 {
		pr.add("maxAttempts", "Lockout attempts must be between 0 and 100")
	}
	return c, a, l, r, skip
}

// policyFromBody validates a create/replace body into a policy; self is the
// policy being replaced (nil on create). s.mu must be held.
func (s *Server) policyFromBody(body *policyJSON, into, self *passwordPolicy) error {
	var pr problems
	if body.Type != policyTypePassword {
		if slices.Contains(policyTypes(), body.Type) {
			return &oktaError{status: http.StatusNotImplemented, code: codeUnsupported,
				summary: "Unsupported operation: the Okta emulator models PASSWORD policies only"}
		}
		pr.add("type", "Invalid value")
	}
	if strings.TrimSpace(body.Name) == "" {
		pr.add("name", "The field cannot be left blank")
	}
	for _, other := range s.st.policies.list {
		if other != self && strings.EqualFold(other.name, strings.TrimSpace(body.Name)) {
			pr.add("name", "A policy with the same name already exists")
		}
	}
	var groups []string
	provider, include := authProviderOkta, []string(nil)
	if body.Conditions != nil {
		if body.Conditions.People != nil && body.Conditions.People.Groups != nil {
			for _, gid := range body.Conditions.People.Groups.Include {
				if _, ok := s.st.groups[gid]; !ok {
					// Unconfirmed: chose 400 E0000001 for an unknown group id.
					pr.add("conditions.people.groups.include", "Group not found: "+gid)
				}
				groups = append(groups, gid)
			}
		}
		if ap := body.Conditions.AuthProvider; ap != nil && ap.Provider != "" {
			switch ap.Provider {
			case authProviderOkta, authProviderAD, authProviderLDAP, authProviderAny:
				provider, include = ap.Provider, ap.Include
			default:
				pr.add("conditions.authProvider.provider", "Invalid value")
			}
		}
	}
	c, a, l, r, skip := policySettingsIn(body.Settings, &pr)
	if err := pr.err(); err != nil {
		return err
	}
	if into.system {
		// The default policy keeps its name, its group (Everyone) and its
		// place; its settings may change (Unconfirmed: chose to ignore rather
		// than refuse the fixed parts).
		groups, provider = into.groups, into.authProvider
	} else {
		into.name = strings.TrimSpace(body.Name)
	}
	if len(groups) == 0 {
		groups = []string{s.st.everyoneID}
	}
	into.description = ""
	if body.Description != nil {
		into.description = *body.Description
	}
	into.groups, into.authProvider, into.authInclude = groups, provider, include
	into.complexity, into.age, into.lockout, into.recovery, into.skipUnlock = c, a, l, r, skip
	return nil
}

// policyParam resolves {policyId}. s.mu must be held.
func (s *Server) policyParam(c *apiCall) (*passwordPolicy, error) {
	if p := s.st.policies.byID(c.params["policyId"]); p != nil {
		return p, nil
	}
	return nil, &oktaError{status: http.StatusNotFound, code: codeNotFound,
		summary: "Not found: Resource not found: " + c.params["policyId"] + " (Policy)"}
}

// listPolicies handles GET /api/v1/policies?type=&status=&q=.
func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	q := r.URL.Query()
	typ := q.Get("type")
	switch {
	case typ == "":
		return validationError("type", "type: The field cannot be left blank")
	case typ != policyTypePassword && slices.Contains(policyTypes(), typ):
		return &oktaError{status: http.StatusNotImplemented, code: codeUnsupported,
			summary: "Unsupported operation: the Okta emulator models PASSWORD policies only"}
	case typ != policyTypePassword:
		return validationError("type", "type: Invalid value")
	}
	status, prefix := q.Get("status"), strings.ToLower(q.Get("q"))
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []policyJSON{}
	for _, p := range s.st.policies.list {
		if (status == "" || p.status == status) && strings.HasPrefix(strings.ToLower(p.name), prefix) {
			out = append(out, s.policyOut(p))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getPolicy handles GET /api/v1/policies/{policyId}.
func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyParam(c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.policyOut(p))
	return nil
}

// createPolicy handles POST /api/v1/policies?activate= (default true). A new
// policy has no rules, so Okta does not apply it until one is added.
func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body policyJSON
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	activate, err := boolParam(r, "activate", true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	p := &passwordPolicy{id: newID(prefixPolicy), created: now, lastUpdated: now, status: statusFlag(activate)}
	if err := s.policyFromBody(&body, p, nil); err != nil {
		return err
	}
	p.priority = intOr(body.Priority, len(s.st.policies.list))
	if body.Priority != nil {
		p.priority-- // sort before the policy that holds the priority today
	}
	s.st.policies.list = append(s.st.policies.list, p)
	s.st.policies.sorted()
	writeJSON(w, http.StatusOK, s.policyOut(p))
	return nil
}

// replacePolicy handles PUT /api/v1/policies/{policyId}: full replacement.
func (s *Server) replacePolicy(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body policyJSON
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyParam(c)
	if err != nil {
		return err
	}
	next := *p
	if err := s.policyFromBody(&body, &next, p); err != nil {
		return err
	}
	*p = next
	p.lastUpdated = s.now()
	if body.Priority != nil && !p.system && *body.Priority != p.priority {
		p.priority = *body.Priority
		if *body.Priority < next.priority {
			p.priority-- // ahead of the policy that holds it today
		}
		s.st.policies.sorted()
	}
	writeJSON(w, http.StatusOK, s.policyOut(p))
	return nil
}

// deletePolicy handles DELETE /api/v1/policies/{policyId}; the default policy
// cannot be deleted.
func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyParam(c)
	if err != nil {
		return err
	}
	if p.system {
		// Unconfirmed: Okta says the default policy can't be deleted; chose
		// 403 E0000006, a status the spec documents for deletePolicy.
		return apiError(http.StatusForbidden, codeForbidden, "The default policy cannot be deleted.")
	}
	s.st.policies.list = slices.DeleteFunc(s.st.policies.list, func(x *passwordPolicy) bool { return x == p })
	s.st.policies.sorted()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// policyLifecycle handles POST …/lifecycle/activate and …/deactivate: 204.
func (s *Server) policyLifecycle(status string) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c *apiCall) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		p, err := s.policyParam(c)
		if err != nil {
			return err
		}
		if p.system && status == policyInactive {
			return apiError(http.StatusForbidden, codeForbidden, "The default policy cannot be deactivated.")
		}
		p.status, p.lastUpdated = status, s.now()
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// ruleOut renders a rule of policy p.
func (s *Server) ruleOut(p *passwordPolicy, ru *policyRule) ruleJSON {
	self := s.abs("/api/v1/policies/" + url.PathEscape(p.id) + "/rules/" + url.PathEscape(ru.id))
	prio := ru.priority
	out := ruleJSON{ID: ru.id, Type: policyTypePassword, Status: ru.status, Name: ru.name, Priority: &prio,
		System: ru.system, Created: formatTime(ru.created), LastUpdated: formatTime(ru.lastUpdated)}
	out.Conditions = &ruleConditionsJSON{
		People:  &peopleJSON{Users: &excludeJSON{Exclude: append([]string{}, ru.excludeUsers...)}},
		Network: &networkJSON{Connection: "ANYWHERE"},
	}
	out.Actions = &ruleActionsJSON{PasswordChange: &accessJSON{Access: ru.passwordChange},
		SelfServiceUnlock: &accessJSON{Access: ru.selfServiceUnlock}, SelfServicePasswordReset: &ssprJSON{Access: ru.selfServiceReset}}
	if len(ru.resetMethods) > 0 || ru.stepUpRequired {
		req := &ssprRequirementJSON{StepUp: &stepUpJSON{Required: ru.stepUpRequired}}
		req.Primary = &struct {
			Methods []string `json:"methods,omitempty"`
		}{Methods: append([]string{}, ru.resetMethods...)}
		if ru.stepUpQuestion {
			req.StepUp.Methods = []string{"security_question"}
		}
		out.Actions.SelfServicePasswordReset.Requirement = req
	}
	allow := []string{"GET", "PUT", "DELETE"}
	if ru.system {
		allow = []string{"GET", "PUT"}
	}
	out.Links = map[string]hintedLinkJSON{"self": {Href: self, Hints: &hintsJSON{Allow: allow}}}
	if ru.status == policyActive {
		out.Links["deactivate"] = hintedLinkJSON{Href: self + "/lifecycle/deactivate", Hints: &hintsJSON{Allow: []string{"POST"}}}
	} else {
		out.Links["activate"] = hintedLinkJSON{Href: self + "/lifecycle/activate", Hints: &hintsJSON{Allow: []string{"POST"}}}
	}
	return out
}

// ruleFromBody validates a rule body into ru. s.mu must be held.
func (s *Server) ruleFromBody(body *ruleJSON, ru *policyRule) error {
	var pr problems
	if body.Type != policyTypePassword {
		pr.add("type", "Invalid value")
	}
	if strings.TrimSpace(body.Name) == "" {
		pr.add("name", "The field cannot be left blank")
	}
	access := func(a *accessJSON, field string) string {
		if a == nil || a.Access == "" {
			return accessDeny // PolicyAccess default in Okta's docs
		}
		if a.Access != accessAllow && a.Access != accessDeny {
			pr.add(field, "Invalid value")
		}
		return a.Access
	}
	var exclude []string
	if body.Conditions != nil && body.Conditions.People != nil && body.Conditions.People.Users != nil {
		for _, id := range body.Conditions.People.Users.Exclude {
			if s.st.users[id] == nil {
				pr.add("conditions.people.users.exclude", "User not found: "+id)
			}
			exclude = append(exclude, id)
		}
	}
	change, reset, unlock := accessDeny, accessDeny, accessDeny
	var methods []string
	stepUp, stepUpQ := false, false
	if a := body.Actions; a != nil {
		change = access(a.PasswordChange, "actions.passwordChange.access")
		unlock = access(a.SelfServiceUnlock, "actions.selfServiceUnlock.access")
		if sp := a.SelfServicePasswordReset; sp != nil {
			reset = access(&accessJSON{Access: sp.Access}, "actions.selfServicePasswordReset.access")
			if req := sp.Requirement; req != nil {
				if req.Primary != nil {
					for _, m := range req.Primary.Methods {
						if !slices.Contains([]string{"push", "sms", "voice", "email", "otp"}, m) {
							pr.add("actions.selfServicePasswordReset.requirement.primary.methods", "Invalid value: "+m)
						}
					}
					methods = req.Primary.Methods
				}
				if req.StepUp != nil {
					stepUp = req.StepUp.Required
					stepUpQ = slices.Contains(req.StepUp.Methods, "security_question")
				}
			}
		}
	}
	if err := pr.err(); err != nil {
		return err
	}
	if !ru.system {
		ru.name = strings.TrimSpace(body.Name)
	}
	ru.excludeUsers, ru.passwordChange, ru.selfServiceReset, ru.selfServiceUnlock = exclude, change, reset, unlock
	ru.resetMethods, ru.stepUpRequired, ru.stepUpQuestion = methods, stepUp, stepUpQ
	return nil
}

// ruleParam resolves {ruleId} of policy p. s.mu must be held.
func ruleParam(p *passwordPolicy, c *apiCall) (*policyRule, error) {
	if ru := p.ruleByID(c.params["ruleId"]); ru != nil {
		return ru, nil
	}
	return nil, &oktaError{status: http.StatusNotFound, code: codeNotFound,
		summary: "Not found: Resource not found: " + c.params["ruleId"] + " (PolicyRule)"}
}

// listPolicyRules handles GET /api/v1/policies/{policyId}/rules.
func (s *Server) listPolicyRules(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyParam(c)
	if err != nil {
		return err
	}
	out := []ruleJSON{}
	for _, ru := range p.rules {
		out = append(out, s.ruleOut(p, ru))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getPolicyRule handles GET /api/v1/policies/{policyId}/rules/{ruleId}.
func (s *Server) getPolicyRule(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyParam(c)
	if err != nil {
		return err
	}
	ru, err := ruleParam(p, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.ruleOut(p, ru))
	return nil
}

// createPolicyRule handles POST /api/v1/policies/{policyId}/rules?activate=.
func (s *Server) createPolicyRule(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body ruleJSON
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	activate, err := boolParam(r, "activate", true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyParam(c)
	if err != nil {
		return err
	}
	now := s.now()
	ru := &policyRule{id: newID(prefixRule), created: now, lastUpdated: now, status: statusFlag(activate)}
	if err := s.ruleFromBody(&body, ru); err != nil {
		return err
	}
	ru.priority = intOr(body.Priority, len(p.rules)+1)
	if body.Priority != nil {
		ru.priority--
	}
	p.rules = append(p.rules, ru)
	p.sortRules()
	p.lastUpdated = now
	writeJSON(w, http.StatusOK, s.ruleOut(p, ru))
	return nil
}

// replacePolicyRule handles PUT /api/v1/policies/{policyId}/rules/{ruleId}.
func (s *Server) replacePolicyRule(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body ruleJSON
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyParam(c)
	if err != nil {
		return err
	}
	ru, err := ruleParam(p, c)
	if err != nil {
		return err
	}
	next := *ru
	if err := s.ruleFromBody(&body, &next); err != nil {
		return err
	}
	*ru = next
	ru.lastUpdated = s.now()
	writeJSON(w, http.StatusOK, s.ruleOut(p, ru))
	return nil
}

// deletePolicyRule handles DELETE /api/v1/policies/{policyId}/rules/{ruleId}.
func (s *Server) deletePolicyRule(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyParam(c)
	if err != nil {
		return err
	}
	ru, err := ruleParam(p, c)
	if err != nil {
		return err
	}
	if ru.system {
		return apiError(http.StatusForbidden, codeForbidden, "The default rule cannot be deleted.")
	}
	p.rules = slices.DeleteFunc(p.rules, func(x *policyRule) bool { return x == ru })
	p.sortRules()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ruleLifecycle handles …/rules/{ruleId}/lifecycle/activate and …/deactivate.
func (s *Server) ruleLifecycle(status string) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c *apiCall) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		p, err := s.policyParam(c)
		if err != nil {
			return err
		}
		ru, err := ruleParam(p, c)
		if err != nil {
			return err
		}
		if ru.system && status == policyInactive {
			return apiError(http.StatusForbidden, codeForbidden, "The default rule cannot be deactivated.")
		}
		ru.status, ru.lastUpdated = status, s.now()
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// addPolicyLocked adds a seed policy (with its rule) to the org. s.mu must be held.
func (s *Server) addPolicyLocked(sp SeedPolicy, created time.Time) error {
	p := &passwordPolicy{id: derivedID(prefixPolicy, "policy:"+sp.Name), name: sp.Name, description: sp.Description,
		priority: sp.Priority, status: policyActive, system: sp.Default, created: created, lastUpdated: created,
		authProvider: sp.AuthProvider, complexity: sp.Complexity, age: sp.Age, lockout: sp.Lockout, recovery: sp.Recovery}
	if p.authProvider == "" {
		p.authProvider = authProviderOkta
	}
	if p.priority == 0 {
		p.priority = len(s.st.policies.list) + 1
	} else {
		p.priority--
	}
	if p.recovery.QuestionMinLength == 0 {
		p.recovery.QuestionMinLength = answerMinLength
	}
	for _, name := range sp.Groups {
		if strings.EqualFold(name, everyoneName) {
			p.groups = append(p.groups, s.st.everyoneID)
			continue
		}
		p.groups = append(p.groups, s.groupForMember(name).id)
	}
	if len(p.groups) == 0 {
		p.groups = []string{s.st.everyoneID}
	}
	var errs []string
	if c := p.complexity; c.MinLength < policyMinLengthFloor || c.MinLength > policyMinLengthCeil {
		errs = append(errs, "minLength must be between 4 and 30")
	}
	if len(errs) > 0 {
		return &oktaError{status: http.StatusBadRequest, code: codeValidation, summary: "seed policy " + sp.Name + ": " + strings.Join(errs, "; ")}
	}
	ruleName := "Rule 1"
	if sp.Default {
		ruleName = defaultRuleName
	}
	p.rules = []*policyRule{{id: derivedID(prefixRule, "rule:"+sp.Name), name: ruleName, priority: 1, status: policyActive,
		system: sp.Default, created: created, lastUpdated: created,
		passwordChange: accessAllow, selfServiceReset: accessAllow, selfServiceUnlock: accessAllow}}
	s.st.policies.list = append(s.st.policies.list, p)
	s.st.policies.sorted()
	return nil
}
