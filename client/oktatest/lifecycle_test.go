package oktatest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

const (
	question  = "What was the name of your first pet?"
	newPass   = "Fresh-Start-42x"
	otherPass = "Another-Go-77y"
)

var allStatuses = []string{"STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", "SUSPENDED", "DEPROVISIONED"}

// addUserIn adds a user in the given status: with a password and a recovery
// question, except PROVISIONED users, who have not set a password yet.
func addUserIn(t *testing.T, s *oktatest.Server, status string) string {
	t.Helper()
	login := fmt.Sprintf("%s.%d@example.net", strings.ToLower(strings.ReplaceAll(status, "_", "")), time.Now().UnixNano())
	u := oktatest.SeedUser{Status: status, Factors: true, Profile: map[string]any{
		"login": login, "email": login, "firstName": "Test", "lastName": "Person"}}
	if status != "PROVISIONED" {
		u.Password, u.RecoveryQuestion, u.RecoveryAnswer = demoPassword, question, "Biscuit"
	}
	return s.AddUser(u)
}

type outcome struct {
	status int    // HTTP status
	code   string // Okta error code, "" on success
	result string // user status afterwards
}

func ok(result string) outcome             { return outcome{status: 200, result: result} }
func fail(status int, code string) outcome { return outcome{status: status, code: code} }

// op is one operation of the state-machine table.
type op struct {
	name   string
	method string
	path   string // below /api/v1/users/{id}
	body   any
	want   map[string]outcome // by status; missing = unchanged success
}

func TestStateMachine(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	same := func(status string) outcome { return ok(status) }
	each := func(f func(status string) outcome) map[string]outcome {
		m := map[string]outcome{}
		for _, st := range allStatuses {
			m[st] = f(st)
		}
		return m
	}
	ops := []op{
		{name: "activate", method: "POST", path: "/lifecycle/activate?sendEmail=false", want: each(func(st string) outcome {
			switch st {
			case "STAGED", "DEPROVISIONED":
				return ok("ACTIVE")
			}
			return fail(403, "E0000016")
		})},
		{name: "deactivate", method: "POST", path: "/lifecycle/deactivate", want: each(func(st string) outcome {
			if st == "DEPROVISIONED" {
				return fail(403, "E0000038")
			}
			return ok("DEPROVISIONED")
		})},
		{name: "suspend", method: "POST", path: "/lifecycle/suspend", want: each(func(st string) outcome {
			if st == "ACTIVE" {
				return ok("SUSPENDED")
			}
			return fail(400, "E0000001")
		})},
		{name: "unsuspend", method: "POST", path: "/lifecycle/unsuspend", want: each(func(st string) outcome {
			if st == "SUSPENDED" {
				return ok("ACTIVE")
			}
			return fail(400, "E0000001")
		})},
		{name: "unlock", method: "POST", path: "/lifecycle/unlock", want: each(func(st string) outcome {
			if st == "LOCKED_OUT" {
				return ok("ACTIVE")
			}
			return fail(403, "E0000032")
		})},
		{name: "expire_password", method: "POST", path: "/lifecycle/expire_password", want: each(func(st string) outcome {
			switch st {
			case "ACTIVE", "PASSWORD_EXPIRED", "RECOVERY", "LOCKED_OUT":
				return ok("PASSWORD_EXPIRED")
			}
			return fail(403, "E0000038")
		})},
		{name: "expire_password temp", method: "POST", path: "/lifecycle/expire_password?tempPassword=true", want: each(func(st string) outcome {
			switch st {
			case "ACTIVE", "PASSWORD_EXPIRED", "RECOVERY", "LOCKED_OUT":
				return ok("PASSWORD_EXPIRED")
			}
			return fail(403, "E0000038")
		})},
		{name: "reset_password", method: "POST", path: "/lifecycle/reset_password?sendEmail=false", want: each(func(st string) outcome {
			switch st {
			case "ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY", "PROVISIONED":
				return ok("RECOVERY")
			}
			return fail(403, "E0000038")
		})},
		{name: "reset_factors", method: "POST", path: "/lifecycle/reset_factors", want: each(func(st string) outcome {
			if st == "DEPROVISIONED" {
				return fail(403, "E0000038")
			}
			return same(st)
		})},
		{name: "change_password", method: "POST", path: "/credentials/change_password",
			body: map[string]any{"oldPassword": map[string]string{"value": demoPassword}, "newPassword": map[string]string{"value": newPass}},
			want: each(func(st string) outcome {
				switch st {
				case "STAGED", "ACTIVE":
					return same(st)
				case "PASSWORD_EXPIRED", "RECOVERY":
					return ok("ACTIVE")
				}
				return fail(403, "E0000035")
			})},
		{name: "change_recovery_question", method: "POST", path: "/credentials/change_recovery_question",
			body: map[string]any{"password": map[string]string{"value": demoPassword},
				"recovery_question": map[string]string{"question": "Favourite colour?", "answer": "Turquoise"}},
			want: each(func(st string) outcome {
				switch st {
				case "STAGED", "ACTIVE", "RECOVERY":
					return same(st)
				}
				return fail(403, "E0000036")
			})},
		{name: "forgot_password", method: "POST", path: "/credentials/forgot_password?sendEmail=false", want: each(func(st string) outcome {
			if st == "ACTIVE" {
				return same(st)
			}
			return fail(403, "E0000034")
		})},
	}
	for _, o := range ops {
		for _, from := range allStatuses {
			want := o.want[from]
			t.Run(o.name+" from "+from, func(t *testing.T) {
				id := addUserIn(t, s, from)
				r := call(t, s, o.method, "/api/v1/users/"+id+o.path, ssws(s), o.body)
				if want.code != "" {
					assertOktaError(t, r, want.status, want.code)
					assert.Equal(t, from, s.UserStatus(id), "a refused operation leaves the status alone")
					return
				}
				require.Equal(t, want.status, r.status, "body: %s", r.body)
				assertAPIHeaders(t, r, true)
				assert.Equal(t, want.result, s.UserStatus(id))
				got := call(t, s, http.MethodGet, "/api/v1/users/"+id, ssws(s), nil).object(t)
				assert.Equal(t, want.result, got["status"], "the API reports the new status")
			})
		}
	}
}

func TestLifecycleBodies(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})

	t.Run("activate without email returns the link", func(t *testing.T) {
		id := addUserIn(t, s, "STAGED")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/activate?sendEmail=false", ssws(s), nil)
		require.Equal(t, 200, r.status)
		body := r.object(t)
		tok, _ := body["activationToken"].(string)
		assert.Regexp(t, `^[0-9A-Za-z]{20}$`, tok)
		assert.Equal(t, s.URL()+"/welcome/"+tok, body["activationUrl"])
	})
	t.Run("activate with email answers {} and mails the user", func(t *testing.T) {
		r := call(t, s, "POST", "/api/v1/users", ssws(s), map[string]any{"profile": map[string]any{
			"login": "newbie@example.org", "email": "newbie@example.org", "firstName": "New", "lastName": "Bie"}})
		require.Equal(t, 200, r.status)
		id := r.object(t)["id"].(string)
		assert.Equal(t, "PROVISIONED", s.UserStatus(id), "created with activate=true and no password")
		emails := s.Emails()
		require.NotEmpty(t, emails)
		last := emails[len(emails)-1]
		assert.Equal(t, "newbie@example.org", last.To)
		assert.Equal(t, "activation", last.Kind)
		assert.True(t, strings.HasPrefix(last.Link, s.URL()+"/welcome/"))

		id2 := addUserIn(t, s, "STAGED")
		r = call(t, s, "POST", "/api/v1/users/"+id2+"/lifecycle/activate", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.JSONEq(t, "{}", string(r.body))
	})
	t.Run("expire_password returns the user", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/expire_password", ssws(s), nil)
		require.Equal(t, 200, r.status)
		u := r.object(t)
		assert.Equal(t, id, u["id"])
		assert.Equal(t, "PASSWORD_EXPIRED", u["status"])
	})
	t.Run("expire_password with a temporary password", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/expire_password?tempPassword=true", ssws(s), nil)
		require.Equal(t, 200, r.status)
		body := r.object(t)
		require.Len(t, body, 1, "only tempPassword: %s", r.body)
		temp := body["tempPassword"].(string)
		assert.Regexp(t, `^[0-9A-Za-z]{8,10}$`, temp)
		assert.Regexp(t, `[a-z]`, temp)
		assert.Regexp(t, `[A-Z]`, temp)
		assert.Regexp(t, `[0-9]`, temp)
		// The old password is gone: changing it with the old one fails, with the temp one works.
		bad := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password", ssws(s), changePW(demoPassword, newPass))
		assertOktaError(t, bad, 403, "E0000014")
		good := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password", ssws(s), changePW(temp, newPass))
		require.Equal(t, 200, good.status, "body: %s", good.body)
		assert.Equal(t, "ACTIVE", s.UserStatus(id))
		assert.Equal(t, 1, s.CountRequests(func(r oktatest.Request) bool { return r.Op == "expirePasswordWithTempPassword" }))
	})
	t.Run("reset_password without email returns the link", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/reset_password?sendEmail=false", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.Regexp(t, "^"+s.URL()+`/reset_password/[0-9A-Za-z]{20}$`, r.object(t)["resetPasswordUrl"])
	})
	t.Run("reset_password with email", func(t *testing.T) {
		id := addUserIn(t, s, "LOCKED_OUT")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/reset_password?sendEmail=true", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.JSONEq(t, "{}", string(r.body))
		emails := s.Emails()
		assert.Equal(t, "reset_password", emails[len(emails)-1].Kind)
	})
	t.Run("forgot_password", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/forgot_password?sendEmail=false", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.Regexp(t, "^"+s.URL()+`/signin/reset-password/[0-9A-Za-z]{20}$`, r.object(t)["resetPasswordUrl"])
		r = call(t, s, "POST", "/api/v1/users/"+id+"/credentials/forgot_password", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.JSONEq(t, "{}", string(r.body))
		emails := s.Emails()
		assert.Equal(t, "forgot_password", emails[len(emails)-1].Kind)
		assert.Equal(t, "ACTIVE", s.UserStatus(id))
	})
	t.Run("forgot_password needs a recovery question", func(t *testing.T) {
		id := s.AddUser(oktatest.SeedUser{Password: demoPassword, Profile: map[string]any{
			"login": "noq@example.net", "email": "noq@example.net", "firstName": "No", "lastName": "Question"}})
		r := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/forgot_password?sendEmail=false", ssws(s), nil)
		assertOktaError(t, r, 403, "E0000034")
	})
	t.Run("reset_factors answers an empty JSON response", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/reset_factors", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.Empty(t, r.body)
		assert.Equal(t, "application/json;charset=UTF-8", r.header.Get("Content-Type"))
		u := call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil).object(t)
		assert.NotContains(t, u["_links"], "resetFactors", "no factors left")
	})
	t.Run("suspend and unsuspend error texts", func(t *testing.T) {
		id := addUserIn(t, s, "STAGED")
		e := assertOktaError(t, call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/suspend", ssws(s), nil), 400, "E0000001")
		assert.Equal(t, "Api validation failed: suspendUser", e.ErrorSummary)
		assert.Equal(t, []string{"Cannot suspend a user that is not active"}, e.causes())
		e = assertOktaError(t, call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/unsuspend", ssws(s), nil), 400, "E0000001")
		assert.Equal(t, []string{"Cannot unsuspend a user that is not suspended"}, e.causes())
		e = assertOktaError(t, call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/unlock", ssws(s), nil), 403, "E0000032")
		assert.Equal(t, []string{"The user is not locked out."}, e.causes())
		activeID := addUserIn(t, s, "ACTIVE")
		e = assertOktaError(t, call(t, s, "POST", "/api/v1/users/"+activeID+"/lifecycle/activate", ssws(s), nil), 403, "E0000016")
		assert.Equal(t, "Activation failed because the user is already active", e.ErrorSummary)
	})
	t.Run("timestamps move with the clock", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		before := call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil).object(t)
		clock.Add(time.Hour)
		require.Equal(t, 200, call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/suspend", ssws(s), nil).status)
		after := call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil).object(t)
		want := clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		assert.Equal(t, want, after["statusChanged"])
		assert.Equal(t, want, after["lastUpdated"])
		assert.Equal(t, before["created"], after["created"])
		assert.Equal(t, before["activated"], after["activated"])
	})
	t.Run("delete deactivates then deletes", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, "DELETE", "/api/v1/users/"+id, ssws(s), nil)
		require.Equal(t, 204, r.status)
		assert.Equal(t, "DEPROVISIONED", s.UserStatus(id))
		require.Equal(t, 204, call(t, s, "DELETE", "/api/v1/users/"+id, ssws(s), nil).status)
		assertOktaError(t, call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil), 404, "E0000007")
	})
	t.Run("reactivate a provisioned user", func(t *testing.T) {
		id := addUserIn(t, s, "PROVISIONED")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/reactivate?sendEmail=false", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.Contains(t, r.object(t), "activationUrl")
		assertOktaError(t, call(t, s, "POST", "/api/v1/users/"+addUserIn(t, s, "ACTIVE")+"/lifecycle/reactivate", ssws(s), nil), 403, "E0000038")
	})
}

func changePW(oldPW, newPW string) map[string]any {
	return map[string]any{"oldPassword": map[string]string{"value": oldPW}, "newPassword": map[string]string{"value": newPW}}
}

func TestChangePassword(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed(), PasswordMinAge: 24 * time.Hour})
	tests := []struct {
		name       string
		oldPW      string
		newPW      string
		query      string
		status     int
		code       string
		wantCauses []string
	}{
		{name: "success", oldPW: demoPassword, newPW: newPass, status: 200},
		{name: "wrong old password", oldPW: "Wrong-Passw0rd", newPW: newPass, status: 403, code: "E0000014", wantCauses: []string{"Old Password is not correct"}},
		{name: "too short", oldPW: demoPassword, newPW: "Ab1", status: 403, code: "E0000014",
			wantCauses: []string{"Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username. Your password cannot be any of your last 4 passwords. At least 24 hour(s) must have elapsed since you last changed your password."}},
		{name: "no digit", oldPW: demoPassword, newPW: "NoDigitsHere", status: 403, code: "E0000014"},
		{name: "contains the username", oldPW: demoPassword, newPW: "Xpolicy-tester9", status: 403, code: "E0000014"},
		// Okta's default policy does not exclude names (excludeAttributes is empty).
		{name: "contains the last name", oldPW: demoPassword, newPW: "Persson-9ab", status: 200},
		{name: "too long", oldPW: demoPassword, newPW: "Aa1" + strings.Repeat("x", 70), status: 403, code: "E0000014"},
		{name: "current password", oldPW: demoPassword, newPW: demoPassword, status: 403, code: "E0000014", wantCauses: []string{"Password cannot be your current password"}},
		{name: "missing fields", status: 400, code: "E0000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := s.AddUser(oktatest.SeedUser{Password: demoPassword, Profile: map[string]any{
				"login": fmt.Sprintf("policy-tester%d@example.net", time.Now().UnixNano()), "firstName": "Pat", "lastName": "Persson"}})
			var body any = changePW(tt.oldPW, tt.newPW)
			if tt.oldPW == "" {
				body = map[string]any{}
			}
			r := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password"+tt.query, ssws(s), body)
			if tt.code != "" {
				e := assertOktaError(t, r, tt.status, tt.code)
				if tt.wantCauses != nil {
					assert.Equal(t, tt.wantCauses, e.causes())
				}
				return
			}
			require.Equal(t, 200, r.status, "body: %s", r.body)
			assert.JSONEq(t, `{"password":{},"provider":{"type":"OKTA","name":"OKTA"}}`, string(r.body),
				"UserCredentials without a recovery question omit it")
		})
	}

	t.Run("history remembers four passwords", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		seq := []string{demoPassword, "Second-Pass-1a", "Third-Pass-2b", "Fourth-Pass-3c"}
		for i := 1; i < len(seq); i++ {
			r := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password", ssws(s), changePW(seq[i-1], seq[i]))
			require.Equal(t, 200, r.status, "body: %s", r.body)
		}
		r := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password", ssws(s), changePW(seq[3], seq[0]))
		e := assertOktaError(t, r, 403, "E0000014")
		assert.Equal(t, []string{"Password has been used too recently"}, e.causes())
		r = call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password", ssws(s), changePW(seq[3], "Fifth-Pass-4d"))
		require.Equal(t, 200, r.status)
		r = call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password", ssws(s), changePW("Fifth-Pass-4d", seq[0]))
		require.Equal(t, 200, r.status, "the fifth-newest password is forgotten: %s", r.body)
		r = call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil)
		assert.Equal(t, clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"), r.object(t)["passwordChanged"])
	})
	t.Run("revokeSessions ends the user's sessions", func(t *testing.T) {
		id := s.AddUser(oktatest.SeedUser{Password: demoPassword, Profile: map[string]any{
			"login": "revoker@example.net", "firstName": "Rev", "lastName": "Oker"}})
		callbackParams(t, signInAttempt(t, s, newBrowser(t), "revoker@example.net", demoPassword))
		require.Equal(t, 1, s.SignInSessions(id))
		body := changePW(demoPassword, newPass)
		body["revokeSessions"] = false
		require.Equal(t, 200, call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password", ssws(s), body).status)
		assert.Equal(t, 1, s.SignInSessions(id))
		body = changePW(newPass, otherPass)
		body["revokeSessions"] = true
		require.Equal(t, 200, call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password", ssws(s), body).status)
		assert.Equal(t, 0, s.SignInSessions(id))
	})
	t.Run("strict enforces the minimum age", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password?strict=true", ssws(s), changePW(demoPassword, newPass))
		e := assertOktaError(t, r, 403, "E0000014")
		assert.Len(t, e.causes(), 1)
		clock.Add(25 * time.Hour)
		r = call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_password?strict=true", ssws(s), changePW(demoPassword, newPass))
		require.Equal(t, 200, r.status, "body: %s", r.body)
	})
}

func TestChangeRecoveryQuestion(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	body := func(pw, q, a string) map[string]any {
		return map[string]any{"password": map[string]string{"value": pw},
			"recovery_question": map[string]string{"question": q, "answer": a}}
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		cause  string
	}{
		{name: "success", body: body(demoPassword, "Favourite colour?", "Turquoise"), status: 200},
		{name: "wrong password", body: body("nope", "Favourite colour?", "Turquoise"), status: 403, code: "E0000014"},
		{name: "answer too short", body: body(demoPassword, "Favourite colour?", "Red"), status: 400, code: "E0000001",
			cause: "The security question answer must be at least 4 characters in length"},
		{name: "answer part of the question", body: body(demoPassword, "Favourite colour?", "colour"), status: 400, code: "E0000001",
			cause: "The security question answer must not be part of the question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := addUserIn(t, s, "ACTIVE")
			r := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/change_recovery_question", ssws(s), tt.body)
			if tt.code != "" {
				e := assertOktaError(t, r, tt.status, tt.code)
				if tt.cause != "" {
					assert.Equal(t, []string{tt.cause}, e.causes())
				}
				return
			}
			require.Equal(t, 200, r.status, "body: %s", r.body)
			assert.JSONEq(t, `{"password":{},"recovery_question":{"question":"Favourite colour?"},"provider":{"type":"OKTA","name":"OKTA"}}`, string(r.body))
		})
	}
}

func TestClearSessionsAndDeactivateEndAccess(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	login(t, s, "alice@example.com", fullScope)
	require.Equal(t, 1, s.SignInSessions(alice))
	require.Equal(t, 1, s.ActiveTokens(alice))

	r := call(t, s, "DELETE", "/api/v1/users/"+alice+"/sessions", ssws(s), nil)
	require.Equal(t, 204, r.status)
	assertAPIHeaders(t, r, false)
	assert.Empty(t, r.body)
	assert.Equal(t, 0, s.SignInSessions(alice))
	assert.Equal(t, 1, s.ActiveTokens(alice), "tokens survive without oauthTokens=true")

	require.Equal(t, 204, call(t, s, "DELETE", "/api/v1/users/"+alice+"/sessions?oauthTokens=true", ssws(s), nil).status)
	assert.Equal(t, 0, s.ActiveTokens(alice))

	tk := login(t, s, "alice@example.com", fullScope)
	require.Equal(t, 200, call(t, s, "POST", "/api/v1/users/"+alice+"/lifecycle/deactivate", ssws(s), nil).status)
	assert.Equal(t, 0, s.SignInSessions(alice))
	assert.Equal(t, 0, s.ActiveTokens(alice))
	assertOktaError(t, call(t, s, "GET", "/api/v1/users/me", bearer(tk.AccessToken), nil), 401, "E0000011")
}
