package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web/webtest"
)

// ruleTexts lists the checklist's lines by key.
func ruleTexts(doc *goquery.Document) map[string][]string {
	out := map[string][]string{}
	doc.Find("[data-testid=password-rules] li").Each(func(_ int, s *goquery.Selection) {
		key := strings.TrimPrefix(s.AttrOr("data-testid", ""), "rule-")
		out[key] = append(out[key], strings.TrimSpace(s.Text()))
	})
	return out
}

// passwordPage renders /password for login and returns the checklist.
func passwordPage(t *testing.T, h *webtest.Handlers, login string) map[string][]string {
	t.Helper()
	r := h.As(t, webtest.Request(http.MethodGet, "/password", nil, nil), login)
	w, err := webtest.Call(h.App.Self.PasswordForm, r)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, w.Code)
	return ruleTexts(parseHTML(t, w.Body.String()))
}

// TestPasswordRulesAreTheOnesOktaApplies is handler-level: the rules on /password are the
// policy Okta applies to the person — kate (Finance) 14 characters and a symbol, alice (only
// Okta's default policy) 8 — read from the MyAccount API on an Identity Engine org and from the
// Policies API, evaluated by group, on a Classic org (whose MyAccount answers 401 E0000015).
func TestPasswordRulesAreTheOnesOktaApplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ie         bool
		login      string
		wantLength string
		wantSymbol bool
		wantNote   string // a rule Okta applies that Gatehouse shows without checking
	}{
		{name: "classic org: kate in Finance", login: "kate@example.com", wantLength: "At least 14 characters", wantSymbol: true, wantNote: "last 10 passwords"},
		{name: "classic org: alice, the default policy", login: "alice@example.com", wantLength: "At least 8 characters", wantNote: "last 4 passwords"},
		{name: "identity engine org: kate in Finance", ie: true, login: "kate@example.com", wantLength: "At least 14 characters", wantSymbol: true, wantNote: "last 10 passwords"},
		{name: "identity engine org: alice", ie: true, login: "alice@example.com", wantLength: "At least 8 characters", wantNote: "last 4 passwords"},
	}
	// One org of each kind, shared by its cases.
	orgs := map[bool]*webtest.Handlers{}
	for _, ie := range []bool{false, true} {
		orgs[ie] = webtest.NewHandlers(t, webtest.Options{OktaConfig: oktatest.Config{IdentityEngine: ie}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := orgs[tt.ie]
			h.As(t, webtest.Request(http.MethodGet, "/", nil, nil), tt.login) // signed in before counting
			h.Okta.ResetRequests()
			rules := passwordPage(t, h, tt.login)
			assert.Equal(t, []string{tt.wantLength}, rules["length"])
			assert.Equal(t, tt.wantSymbol, len(rules["symbol"]) == 1, "a symbol only where the policy asks for one")
			assert.Len(t, rules["username"], 1)
			assert.Contains(t, strings.Join(rules["note"], " | "), tt.wantNote)
			assert.Empty(t, rules["unknown"])
			fromMyAccount := h.Okta.CountRequests(func(r oktatest.Request) bool { return r.Op == "getPasswordRequirements" && r.Status == http.StatusOK })
			assert.Equal(t, tt.ie, fromMyAccount == 1, "Okta's MyAccount API answered (Identity Engine only)")
		})
	}
}

// TestPasswordRulesAreCheckedAsOktaWill is handler-level: kate's new password is held to
// Finance's 14 characters before Okta is asked, and one that meets them is accepted by Okta;
// alice's 9-character password, which a stricter copy of Finance's rules would refuse, goes to
// Okta and is accepted (Gatehouse is never stricter than Okta).
func TestPasswordRulesAreCheckedAsOktaWill(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	change := func(login, next string) (int, *goquery.Document) {
		form := url.Values{"current_password": {webtest.DemoPassword}, "new_password": {next}, "confirm_password": {next}}
		r := h.As(t, webtest.Request(http.MethodPost, "/password", form, nil), login)
		w, err := webtest.Call(h.App.Self.ChangePassword, r)
		require.NoError(t, err)
		return w.Code, parseHTML(t, w.Body.String())
	}
	changes := func() int {
		return h.Okta.CountRequests(func(r oktatest.Request) bool { return strings.Contains(r.Path, "change_password") })
	}

	h.Okta.ResetRequests()
	status, doc := change("kate@example.com", "Harbor-77-Tree") // 14 characters
	assert.Equal(t, http.StatusOK, status, doc.Text())

	h.Okta.ResetRequests()
	status, doc = change("kate@example.com", "Harbor-77-Tre") // 13
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, doc.Find("[data-testid=error-new_password]").Text(), "Use at least 14 characters.")
	assert.Zero(t, changes(), "refused before Okta was asked")

	status, doc = change("kate@example.com", "Harbor77TreeTop") // no symbol
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, doc.Find("[data-testid=error-new_password]").Text(), "symbol")

	status, doc = change("kate@example.com", "Kowalski-Harbor-77") // her last name
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, doc.Find("[data-testid=error-new_password]").Text(), "last name")
	assert.Zero(t, changes())

	status, doc = change("alice@example.com", "Harbor77x")
	assert.Equal(t, http.StatusOK, status, doc.Text())
	assert.Equal(t, 1, changes(), "Okta judged alice's short password, and took it")
}

// TestPasswordRulesFollowAPolicyChange: an administrator changes the Finance policy in Okta
// (replacePolicy); kate's page shows the old rules until the cached policies expire
// (handlers.PolicyTTL, one minute; Gatehouse is not told of the change), then the new ones.
func TestPasswordRulesFollowAPolicyChange(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	h := webtest.NewHandlers(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}})
	assert.Equal(t, []string{"At least 14 characters"}, passwordPage(t, h, "kate@example.com")["length"])

	policies, err := h.App.Okta.ListPasswordPolicies(t.Context())
	require.NoError(t, err)
	var changed bool
	for _, p := range policies {
		if p.Name == oktatest.FinancePolicyName {
			p.Complexity.MinLength, p.Complexity.MinSymbol = 12, 0
			_, err := h.App.Okta.ReplacePasswordPolicy(t.Context(), p)
			require.NoError(t, err)
			changed = true
		}
	}
	require.True(t, changed)

	rules := passwordPage(t, h, "kate@example.com")
	assert.Equal(t, []string{"At least 14 characters"}, rules["length"], "still the cached policy")
	clock.Advance(handlers.PolicyTTL)
	rules = passwordPage(t, h, "kate@example.com")
	assert.Equal(t, []string{"At least 12 characters"}, rules["length"], "the page follows Okta's policy")
	assert.Empty(t, rules["symbol"])
}

// TestPasswordRulesUnknownLetOktaJudge is handler-level: when Okta cannot say which rules
// apply (the policies cannot be read), the page says so and Gatehouse checks nothing itself:
// Okta's refusal, in its own words, is the answer.
func TestPasswordRulesUnknownLetOktaJudge(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	h.Okta.Inject(oktatest.Fault{Path: "/api/v1/policies", Status: http.StatusForbidden})
	t.Cleanup(h.Okta.ClearFaults)
	rules := passwordPage(t, h, "kate@example.com")
	assert.Len(t, rules["unknown"], 1)
	assert.Empty(t, rules["length"])

	form := url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"Harbor-77-Tre"}, "confirm_password": {"Harbor-77-Tre"}}
	r := h.As(t, webtest.Request(http.MethodPost, "/password", form, nil), "kate@example.com")
	w, err := webtest.Call(h.App.Self.ChangePassword, r)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	doc := parseHTML(t, w.Body.String())
	msg := doc.Find("[data-testid=error-new_password]").Text()
	assert.Contains(t, msg, "Okta's password policy rejected it.")
	assert.Contains(t, msg, "at least 14 characters", "Okta's own list of its requirements")
	assert.Equal(t, 1, h.Okta.CountRequests(func(r oktatest.Request) bool { return strings.Contains(r.Path, "change_password") }))
}
