package oktatest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// policyLite decodes the parts of a policy the tests look at.
type policyLite struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	Priority   int    `json:"priority"`
	System     bool   `json:"system"`
	Conditions struct {
		People struct {
			Groups struct {
				Include []string `json:"include"`
			} `json:"groups"`
		} `json:"people"`
		AuthProvider struct {
			Provider string `json:"provider"`
		} `json:"authProvider"`
	} `json:"conditions"`
	Settings struct {
		Password struct {
			Complexity map[string]any `json:"complexity"`
			Age        map[string]any `json:"age"`
			Lockout    map[string]any `json:"lockout"`
		} `json:"password"`
	} `json:"settings"`
	Links map[string]map[string]any `json:"_links"`
}

func listPolicies(t *testing.T, s *oktatest.Server) []policyLite {
	t.Helper()
	r := call(t, s, http.MethodGet, "/api/v1/policies?type=PASSWORD", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var out []policyLite
	r.json(t, &out)
	return out
}

func policyByName(t *testing.T, s *oktatest.Server, name string) policyLite {
	t.Helper()
	for _, p := range listPolicies(t, s) {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no policy %q", name)
	return policyLite{}
}

// passwordPolicyBody is a create/replace body for a PASSWORD policy.
func passwordPolicyBody(name string, priority int, groupIDs []string, complexity map[string]any) map[string]any {
	body := map[string]any{
		"type": "PASSWORD", "name": name,
		"conditions": map[string]any{"people": map[string]any{"groups": map[string]any{"include": groupIDs}}},
		"settings":   map[string]any{"password": map[string]any{"complexity": complexity}},
	}
	if priority > 0 {
		body["priority"] = priority
	}
	return body
}

func allowAllRule(name string) map[string]any {
	return map[string]any{"type": "PASSWORD", "name": name, "actions": map[string]any{
		"passwordChange": map[string]any{"access": "ALLOW"}, "selfServicePasswordReset": map[string]any{"access": "ALLOW"},
		"selfServiceUnlock": map[string]any{"access": "ALLOW"}}}
}

func TestPoliciesOfTheDemoOrg(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	got := listPolicies(t, s)
	require.Len(t, got, 3)
	var names []string
	for i, p := range got {
		names = append(names, p.Name)
		assert.Equal(t, i+1, p.Priority, "priorities run 1..n")
		assert.Equal(t, "PASSWORD", p.Type)
		assert.Equal(t, "ACTIVE", p.Status)
	}
	assert.Equal(t, []string{oktatest.FinancePolicyName, oktatest.DirectoryPolicyName, oktatest.DefaultPolicyName}, names)
	def := got[2]
	assert.True(t, def.System, "the default policy is Okta's system policy")
	assert.Equal(t, []string{s.GroupID("Everyone")}, def.Conditions.People.Groups.Include)
	assert.Equal(t, 8.0, def.Settings.Password.Complexity["minLength"])
	assert.Equal(t, 0.0, def.Settings.Password.Complexity["minSymbol"])
	assert.Equal(t, 4.0, def.Settings.Password.Age["historyCount"])
	assert.Equal(t, 5.0, def.Settings.Password.Lockout["maxAttempts"], "DESIGN.md §5: five wrong passwords lock")
	fin := got[0]
	assert.Equal(t, []string{s.GroupID(oktatest.GroupFinance)}, fin.Conditions.People.Groups.Include)
	assert.Equal(t, 14.0, fin.Settings.Password.Complexity["minLength"])
	assert.Equal(t, "OKTA", fin.Conditions.AuthProvider.Provider)
	assert.Equal(t, "ACTIVE_DIRECTORY", got[1].Conditions.AuthProvider.Provider)
	assert.Contains(t, fin.Links, "rules")
	assert.Contains(t, fin.Links, "deactivate")

	r := call(t, s, http.MethodGet, "/api/v1/policies/"+fin.ID+"/rules", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	var rules []map[string]any
	r.json(t, &rules)
	require.Len(t, rules, 1, "a seeded policy has its rule, or Okta would not apply it")
	assert.Equal(t, "ACTIVE", rules[0]["status"])
}

func TestPoliciesAPIErrors(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	def := policyByName(t, s, oktatest.DefaultPolicyName)
	eng := s.GroupID(oktatest.GroupEngineering)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{name: "list without a type", method: "GET", path: "/api/v1/policies", status: 400, code: "E0000001"},
		{name: "list an unknown type", method: "GET", path: "/api/v1/policies?type=NOPE", status: 400, code: "E0000001"},
		{name: "list a type the emulator does not model", method: "GET", path: "/api/v1/policies?type=OKTA_SIGN_ON", status: 501, code: "E0000060"},
		{name: "unknown policy", method: "GET", path: "/api/v1/policies/00pNoSuchPolicy00000", status: 404, code: "E0000007"},
		{name: "create without a name", method: "POST", path: "/api/v1/policies", body: passwordPolicyBody("", 0, []string{eng}, nil), status: 400, code: "E0000001"},
		{name: "create too short a minimum", method: "POST", path: "/api/v1/policies",
			body: passwordPolicyBody("Tiny", 0, []string{eng}, map[string]any{"minLength": 3}), status: 400, code: "E0000001"},
		{name: "create for an unknown group", method: "POST", path: "/api/v1/policies",
			body: passwordPolicyBody("Ghost", 0, []string{"00gNoSuchGroup000000"}, nil), status: 400, code: "E0000001"},
		{name: "the default policy cannot be deleted", method: "DELETE", path: "/api/v1/policies/" + def.ID, status: 403, code: "E0000006"},
		{name: "the default policy cannot be deactivated", method: "POST", path: "/api/v1/policies/" + def.ID + "/lifecycle/deactivate", status: 403, code: "E0000006"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertOktaError(t, call(t, s, tt.method, tt.path, ssws(s), tt.body), tt.status, tt.code)
		})
	}
	t.Run("an end user's token cannot read policies", func(t *testing.T) {
		tok, err := s.MintTokens("alice@example.com", "openid", "okta.policies.read")
		require.NoError(t, err)
		assertOktaError(t, call(t, s, "GET", "/api/v1/policies?type=PASSWORD", bearer(tok.AccessToken), nil), 403, "E0000006")
	})
}

// changePassword calls change_password for the user with that login.
func changePassword(t *testing.T, s *oktatest.Server, login, oldPW, newPW string) resp {
	t.Helper()
	return call(t, s, http.MethodPost, "/api/v1/users/"+s.UserID(login)+"/credentials/change_password", ssws(s), changePW(oldPW, newPW))
}

func TestPolicyChosenAsOktaDoes(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	const twelve = "Gr33n-Teapot"       // 12 characters with a symbol
	const sixteen = "Gr33n-Teapot-Blu!" // 17 characters

	t.Run("a Finance member gets the Finance policy", func(t *testing.T) {
		e := assertOktaError(t, changePassword(t, s, "kate@example.com", demoPassword, twelve), 403, "E0000014")
		assert.Equal(t, []string{"Password requirements were not met. Password requirements: at least 14 characters, a lowercase letter, " +
			"an uppercase letter, a number, a symbol, no parts of your username, does not include your first name, " +
			"does not include your last name. Your password cannot be any of your last 10 passwords."}, e.causes())
		require.Equal(t, 200, changePassword(t, s, "kate@example.com", demoPassword, sixteen).status)
	})
	t.Run("an Everyone member gets the default policy", func(t *testing.T) {
		require.Equal(t, 200, changePassword(t, s, "hal@example.com", demoPassword, twelve).status)
	})
	t.Run("a directory-mastered person gets the directory's policy", func(t *testing.T) {
		e := assertOktaError(t, changePassword(t, s, "judy@example.com", demoPassword, "short1A"), 403, "E0000014")
		assert.Contains(t, e.causes()[0], "any of your last 24 passwords")
	})
	t.Run("changing the policy through the API changes what Okta accepts", func(t *testing.T) {
		fin := policyByName(t, s, oktatest.FinancePolicyName)
		body := passwordPolicyBody(fin.Name, 0, fin.Conditions.People.Groups.Include,
			map[string]any{"minLength": 20, "minSymbol": 1, "excludeAttributes": []string{"firstName", "lastName"}})
		r := call(t, s, http.MethodPut, "/api/v1/policies/"+fin.ID, ssws(s), body)
		require.Equal(t, 200, r.status, "body: %s", r.body)
		assert.Equal(t, 20.0, r.object(t)["settings"].(map[string]any)["password"].(map[string]any)["complexity"].(map[string]any)["minLength"])
		e := assertOktaError(t, changePassword(t, s, "kate@example.com", sixteen, "Longer-Gr33n-Teapot"), 403, "E0000014")
		assert.Contains(t, e.causes()[0], "at least 20 characters")
		require.Equal(t, 200, changePassword(t, s, "kate@example.com", sixteen, "Much-Longer-Gr33n-Teapot").status)
	})
	t.Run("a policy without a rule is never applied", func(t *testing.T) {
		sales := s.GroupID(oktatest.GroupSales)
		r := call(t, s, http.MethodPost, "/api/v1/policies", ssws(s), passwordPolicyBody("Sales Policy", 1, []string{sales},
			map[string]any{"minLength": 25}))
		require.Equal(t, 200, r.status, "body: %s", r.body)
		var created policyLite
		r.json(t, &created)
		assert.Equal(t, 1, created.Priority, "inserted at the priority asked for")
		assert.Equal(t, 1.0, created.Settings.Password.Complexity["minSymbol"], "the schema's default for a missing setting")
		mia := "mia@example.com"
		require.Equal(t, 200, changePassword(t, s, mia, demoPassword, "Sales-Pitch-42").status, "no rule yet: the default policy applies")

		r = call(t, s, http.MethodPost, "/api/v1/policies/"+created.ID+"/rules", ssws(s), allowAllRule("Sales rule"))
		require.Equal(t, 200, r.status, "body: %s", r.body)
		rule := r.object(t)
		e := assertOktaError(t, changePassword(t, s, mia, "Sales-Pitch-42", "Sales-Pitch-43!"), 403, "E0000014")
		assert.Contains(t, e.causes()[0], "at least 25 characters")

		// A rule that excludes the person does not match them.
		excl := allowAllRule("Sales rule")
		excl["conditions"] = map[string]any{"people": map[string]any{"users": map[string]any{"exclude": []string{s.UserID(mia)}}}}
		r = call(t, s, http.MethodPut, "/api/v1/policies/"+created.ID+"/rules/"+rule["id"].(string), ssws(s), excl)
		require.Equal(t, 200, r.status, "body: %s", r.body)
		require.Equal(t, 200, changePassword(t, s, mia, "Sales-Pitch-42", "Sales-Pitch-44!").status)

		// Deactivating or deleting the policy takes it out of evaluation too.
		require.Equal(t, 204, call(t, s, http.MethodDelete, "/api/v1/policies/"+created.ID, ssws(s), nil).status)
		assert.Len(t, listPolicies(t, s), 3)
	})
	t.Run("an inactive policy is not applied", func(t *testing.T) {
		fin := policyByName(t, s, oktatest.FinancePolicyName)
		require.Equal(t, 204, call(t, s, http.MethodPost, "/api/v1/policies/"+fin.ID+"/lifecycle/deactivate", ssws(s), nil).status)
		assert.Equal(t, "INACTIVE", policyByName(t, s, oktatest.FinancePolicyName).Status)
		require.Equal(t, 200, changePassword(t, s, "kate@example.com", "Much-Longer-Gr33n-Teapot", "Ledger-2024a").status)
		require.Equal(t, 204, call(t, s, http.MethodPost, "/api/v1/policies/"+fin.ID+"/lifecycle/activate", ssws(s), nil).status)
	})
}

func TestPolicyEnforcedOnEveryPasswordOperation(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	finance := s.GroupID(oktatest.GroupFinance)
	short := "Short-Pass-1" // fine for Everyone, too short for Finance
	t.Run("create in Finance", func(t *testing.T) {
		body := map[string]any{"profile": newProfile("fin.new@example.org"), "groupIds": []string{finance},
			"credentials": map[string]any{"password": map[string]string{"value": short}}}
		e := assertOktaError(t, call(t, s, "POST", "/api/v1/users?activate=true", ssws(s), body), 400, "E0000001")
		assert.Equal(t, "Api validation failed: password", e.ErrorSummary)
		assert.True(t, strings.HasPrefix(e.causes()[0], "password: Password requirements were not met. Password requirements: at least 14 characters"), e.causes()[0])
		body["groupIds"] = []string{}
		require.Equal(t, 200, call(t, s, "POST", "/api/v1/users?activate=true", ssws(s), body).status, "outside Finance the default applies")
	})
	t.Run("admin set-password", func(t *testing.T) {
		kate := s.UserID("kate@example.com")
		body := map[string]any{"credentials": map[string]any{"password": map[string]string{"value": short}}}
		e := assertOktaError(t, call(t, s, "POST", "/api/v1/users/"+kate, ssws(s), body), 400, "E0000001")
		assert.Contains(t, e.causes()[0], "at least 14 characters")
	})
	t.Run("expire with a temporary password meets the policy", func(t *testing.T) {
		kate := s.UserID("kate@example.com")
		r := call(t, s, "POST", "/api/v1/users/"+kate+"/lifecycle/expire_password_with_temp_password", ssws(s), nil)
		require.Equal(t, 200, r.status)
		temp := r.object(t)["tempPassword"].(string)
		assert.GreaterOrEqual(t, len(temp), 14)
		assert.Regexp(t, `[^0-9A-Za-z]`, temp, "Finance asks for a symbol")
	})
	t.Run("the reset page", func(t *testing.T) {
		id := s.AddUser(oktatest.SeedUser{Profile: newProfile("fin.reset@example.org"), Password: demoPassword, Groups: []string{oktatest.GroupFinance}})
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/reset_password?sendEmail=false", ssws(s), nil)
		require.Equal(t, 200, r.status)
		link := r.object(t)["resetPasswordUrl"].(string)
		b := newBrowser(t)
		page := b.get(t, link)
		assert.Contains(t, page.doc(t).Find("#rules").Text(), "at least 14 characters", "the page shows the person's policy")
		res := b.submitForm(t, s, page, map[string]string{"newPassword": short, "confirmPassword": short})
		assert.Equal(t, http.StatusUnprocessableEntity, res.status)
		assert.Contains(t, formError(t, res), "at least 14 characters")
	})
	t.Run("a commonly used password", func(t *testing.T) {
		eng := s.GroupID(oktatest.GroupEngineering)
		body := passwordPolicyBody("Dictionary", 1, []string{eng}, map[string]any{"minSymbol": 0,
			"dictionary": map[string]any{"common": map[string]any{"exclude": true}}})
		r := call(t, s, "POST", "/api/v1/policies", ssws(s), body)
		require.Equal(t, 200, r.status, "body: %s", r.body)
		pid := r.object(t)["id"].(string)
		require.Equal(t, 200, call(t, s, "POST", "/api/v1/policies/"+pid+"/rules", ssws(s), allowAllRule("r")).status)
		e := assertOktaError(t, changePassword(t, s, "alice@example.com", demoPassword, "Password123"), 403, "E0000014")
		assert.Equal(t, []string{"This password was found in a list of commonly used passwords. Please try another password."}, e.causes())
	})
}

func TestLockoutFollowsThePolicy(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	t.Run("wrong current passwords in change_password count", func(t *testing.T) {
		hal := s.UserID("hal@example.com")
		for i := 1; i <= 4; i++ {
			assertOktaError(t, changePassword(t, s, "hal@example.com", "Wrong-Passw0rd", "Another-Pass-9"), 403, "E0000014")
			assert.Equal(t, i, s.FailedSignIns(hal))
		}
		// A policy violation of the new password does not count; the right
		// current password resets the count.
		assertOktaError(t, changePassword(t, s, "hal@example.com", demoPassword, "short"), 403, "E0000014")
		assert.Equal(t, 0, s.FailedSignIns(hal))
		for range 5 {
			changePassword(t, s, "hal@example.com", "Wrong-Passw0rd", "Another-Pass-9")
		}
		assert.Equal(t, oktatest.StatusLockedOut, s.UserStatus(hal), "the default policy's five attempts")
	})
	t.Run("autoUnlockMinutes ends a lockout when the person is next looked at", func(t *testing.T) {
		def := policyByName(t, s, oktatest.DefaultPolicyName)
		body := passwordPolicyBody(def.Name, 0, nil, map[string]any{"minSymbol": 0})
		body["settings"].(map[string]any)["password"].(map[string]any)["lockout"] = map[string]any{"maxAttempts": 3, "autoUnlockMinutes": 30, "showLockoutFailures": true}
		require.Equal(t, 200, call(t, s, "PUT", "/api/v1/policies/"+def.ID, ssws(s), body).status)
		id := s.AddUser(oktatest.SeedUser{Profile: newProfile("auto.unlock@example.org"), Password: demoPassword})
		for range 3 {
			signInAttempt(t, s, newBrowser(t), "auto.unlock@example.org", "wrong")
		}
		require.Equal(t, oktatest.StatusLockedOut, s.UserStatus(id))
		clock.Add(29 * time.Minute)
		assert.Equal(t, "LOCKED_OUT", call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil).object(t)["status"])
		clock.Add(time.Minute)
		assert.Equal(t, "ACTIVE", call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil).object(t)["status"])
	})
	t.Run("showLockoutFailures off hides the lockout on the sign-in page", func(t *testing.T) {
		s2, _ := newServer(t, oktatest.Config{Seed: &oktatest.Seed{Users: []oktatest.SeedUser{
			{Profile: newProfile("locked.quiet@example.org"), Password: demoPassword, Status: oktatest.StatusLockedOut}}}})
		r := signInAttempt(t, s2, newBrowser(t), "locked.quiet@example.org", demoPassword)
		assert.Equal(t, "Unable to sign in", formError(t, r), "Okta's default policy does not show lockout failures")
	})
	t.Run("maxAgeDays expires a password at sign-in", func(t *testing.T) {
		s3, clock3 := newServer(t, oktatest.Config{Seed: &oktatest.Seed{
			Users: []oktatest.SeedUser{{Profile: newProfile("aged@example.org"), Password: demoPassword}},
			PasswordPolicies: []oktatest.SeedPolicy{func() oktatest.SeedPolicy {
				p := oktatest.OktaDefaultPolicy()
				p.Age.MaxAgeDays = 90
				return p
			}()},
		}})
		id := s3.UserID("aged@example.org")
		s3.SetPassword(id, "Fresh-Start-2025")
		clock3.Add(89 * 24 * time.Hour)
		callbackParams(t, signInAttempt(t, s3, newBrowser(t), "aged@example.org", "Fresh-Start-2025"))
		clock3.Add(24 * time.Hour)
		r := signInAttempt(t, s3, newBrowser(t), "aged@example.org", "Fresh-Start-2025")
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "Your password has expired", strings.TrimSpace(r.doc(t).Find("h1").Text()))
		assert.Equal(t, oktatest.StatusPasswordExpired, s3.UserStatus(id))
	})
}

func TestMinimumAgeOnlyWithStrict(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed(), PasswordMinAge: time.Hour})
	id := addUserIn(t, s, "ACTIVE")
	path := "/api/v1/users/" + id + "/credentials/change_password"
	require.Equal(t, 200, call(t, s, "POST", path, ssws(s), changePW(demoPassword, "First-Change-1")).status)
	e := assertOktaError(t, call(t, s, "POST", path+"?strict=true", ssws(s), changePW("First-Change-1", "Second-Change-2")), 403, "E0000014")
	assert.Contains(t, e.causes(), "Password cannot be changed more than once within the minimum password age.")
	require.Equal(t, 200, call(t, s, "POST", path, ssws(s), changePW("First-Change-1", "Second-Change-2")).status, "without strict Okta skips the minimum age")
	clock.Add(time.Hour)
	require.Equal(t, 200, call(t, s, "POST", path+"?strict=true", ssws(s), changePW("Second-Change-2", "Third-Change-3")).status)
	p := policyByName(t, s, oktatest.DefaultPolicyName)
	assert.Equal(t, 60.0, p.Settings.Password.Age["minAgeMinutes"], "Config.PasswordMinAge sets the default policy")
}

func TestPolicyCreateAndRules(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	eng := s.GroupID(oktatest.GroupEngineering)
	r := call(t, s, "POST", "/api/v1/policies?activate=false", ssws(s), passwordPolicyBody("Engineering", 0, []string{eng}, map[string]any{"minLength": 12}))
	require.Equal(t, 200, r.status, "body: %s", r.body)
	var p policyLite
	r.json(t, &p)
	assert.Equal(t, "INACTIVE", p.Status, "activate=false")
	assert.Equal(t, 3, p.Priority, "without a priority: last before the default policy")
	assert.Equal(t, 4, policyByName(t, s, oktatest.DefaultPolicyName).Priority)
	assert.Contains(t, p.Links, "activate")
	assert.True(t, strings.HasPrefix(p.ID, "00p"))

	r = call(t, s, "POST", "/api/v1/policies/"+p.ID+"/rules", ssws(s), allowAllRule("Engineering rule"))
	require.Equal(t, 200, r.status, "body: %s", r.body)
	rule := r.object(t)
	rid := rule["id"].(string)
	assert.True(t, strings.HasPrefix(rid, "0pr"))
	assert.Equal(t, "ALLOW", rule["actions"].(map[string]any)["passwordChange"].(map[string]any)["access"])
	r = call(t, s, "GET", "/api/v1/policies/"+p.ID+"/rules/"+rid, ssws(s), nil)
	require.Equal(t, 200, r.status)
	require.Equal(t, 204, call(t, s, "POST", "/api/v1/policies/"+p.ID+"/rules/"+rid+"/lifecycle/deactivate", ssws(s), nil).status)
	assert.Equal(t, "INACTIVE", call(t, s, "GET", "/api/v1/policies/"+p.ID+"/rules/"+rid, ssws(s), nil).object(t)["status"])
	require.Equal(t, 204, call(t, s, "DELETE", "/api/v1/policies/"+p.ID+"/rules/"+rid, ssws(s), nil).status)
	assertOktaError(t, call(t, s, "GET", "/api/v1/policies/"+p.ID+"/rules/"+rid, ssws(s), nil), 404, "E0000007")

	def := policyByName(t, s, oktatest.DefaultPolicyName)
	r = call(t, s, "GET", "/api/v1/policies/"+def.ID+"/rules", ssws(s), nil)
	var rules []map[string]any
	r.json(t, &rules)
	require.Len(t, rules, 1)
	assert.Equal(t, true, rules[0]["system"])
	assertOktaError(t, call(t, s, "DELETE", "/api/v1/policies/"+def.ID+"/rules/"+rules[0]["id"].(string), ssws(s), nil), 403, "E0000006")
	q := call(t, s, "GET", "/api/v1/policies?type=PASSWORD&q=eng&status=INACTIVE", ssws(s), nil)
	var found []policyLite
	q.json(t, &found)
	require.Len(t, found, 1, "q= is a name prefix, status= filters")
	assert.Equal(t, "Engineering", found[0].Name)
}
