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

// signInAttempt submits the sign-in form once and returns the response.
func signInAttempt(t *testing.T, s *oktatest.Server, b *browser, username, password string) resp {
	t.Helper()
	page := b.get(t, newAuthRequest(s, "openid").url(s))
	require.Equal(t, http.StatusOK, page.status)
	return b.submitForm(t, s, page, map[string]string{"username": username, "password": password})
}

func formError(t *testing.T, r resp) string {
	t.Helper()
	return strings.TrimSpace(r.doc(t).Find(`[role="alert"]`).Text())
}

func TestSignInRules(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	tests := []struct {
		name, username, password, wantError string
	}{
		{name: "unknown user", username: "nobody@example.com", password: demoPassword, wantError: "Unable to sign in"},
		{name: "wrong password", username: "ada@example.com", password: "nope", wantError: "Unable to sign in"},
		{name: "suspended", username: "carol@example.com", password: demoPassword, wantError: "Unable to sign in"},
		{name: "staged", username: "dave@example.com", password: demoPassword, wantError: "Unable to sign in"},
		{name: "deprovisioned", username: "frank@example.com", password: demoPassword, wantError: "Unable to sign in"},
		{name: "provisioned", username: "grace@example.com", password: demoPassword, wantError: "Unable to sign in"},
		{name: "recovery", username: "heidi@example.com", password: demoPassword, wantError: "Unable to sign in"},
		{name: "locked out", username: "bob@example.com", password: demoPassword, wantError: "Your account is locked. Contact your administrator."},
		{name: "user id is not a username", username: s.UserID("ada@example.com"), password: demoPassword, wantError: "Unable to sign in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signInAttempt(t, s, newBrowser(t), tt.username, tt.password)
			assert.Equal(t, http.StatusUnauthorized, r.status)
			assert.Equal(t, tt.wantError, formError(t, r))
			assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
		})
	}
	t.Run("short name signs in", func(t *testing.T) {
		r := signInAttempt(t, s, newBrowser(t), "ada", demoPassword)
		callbackParams(t, r)
	})
	t.Run("input is escaped", func(t *testing.T) {
		r := signInAttempt(t, s, newBrowser(t), `<script>alert(1)</script>`, "x")
		assert.NotContains(t, string(r.body), "<script>alert(1)</script>")
		assert.Contains(t, string(r.body), "&lt;script&gt;")
	})
}

func TestFiveWrongPasswordsLock(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	hal := s.UserID("hal@example.com")
	b := newBrowser(t)
	for i := 1; i <= 4; i++ {
		signInAttempt(t, s, b, "hal@example.com", "wrong")
		require.Equal(t, i, s.FailedSignIns(hal))
	}
	callbackParams(t, signInAttempt(t, s, b, "hal@example.com", demoPassword))
	assert.Equal(t, 0, s.FailedSignIns(hal), "a success resets the counter")
	assert.Equal(t, "ACTIVE", s.UserStatus(hal))

	for range 5 {
		signInAttempt(t, s, newBrowser(t), "hal@example.com", "wrong")
	}
	assert.Equal(t, "LOCKED_OUT", s.UserStatus(hal))
	r := signInAttempt(t, s, newBrowser(t), "hal@example.com", demoPassword)
	assert.Equal(t, "Your account is locked. Contact your administrator.", formError(t, r))
	u := call(t, s, http.MethodGet, "/api/v1/users/"+hal, ssws(s), nil).object(t)
	assert.Equal(t, "LOCKED_OUT", u["status"])

	require.Equal(t, http.StatusOK, call(t, s, http.MethodPost, "/api/v1/users/"+hal+"/lifecycle/unlock", ssws(s), nil).status)
	callbackParams(t, signInAttempt(t, s, newBrowser(t), "hal@example.com", demoPassword))
}

func TestExpiredPasswordFlow(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	erin := s.UserID("erin@example.com")
	b := newBrowser(t)
	a := newAuthRequest(s, "openid profile")
	page := b.get(t, a.url(s))
	expired := b.submitForm(t, s, page, map[string]string{"username": "erin@example.com", "password": demoPassword})
	require.Equal(t, http.StatusOK, expired.status)
	assert.Contains(t, expired.doc(t).Find("h1").Text(), "Your password has expired")

	mismatch := b.submitForm(t, s, expired, map[string]string{"newPassword": newPass, "confirmPassword": otherPass})
	assert.Equal(t, http.StatusUnprocessableEntity, mismatch.status)
	assert.Contains(t, formError(t, mismatch), "Passwords must match")
	weak := b.submitForm(t, s, mismatch, map[string]string{"newPassword": "weak", "confirmPassword": "weak"})
	assert.Contains(t, formError(t, weak), "Password requirements were not met.")
	same := b.submitForm(t, s, weak, map[string]string{"newPassword": demoPassword, "confirmPassword": demoPassword})
	assert.Contains(t, formError(t, same), "Password cannot be your current password")
	assert.Equal(t, "PASSWORD_EXPIRED", s.UserStatus(erin))

	done := b.submitForm(t, s, same, map[string]string{"newPassword": newPass, "confirmPassword": newPass})
	cb := callbackParams(t, done)
	assert.Equal(t, "ACTIVE", s.UserStatus(erin))
	exchange(t, s, a, cb.Get("code"))

	t.Run("temporary password", func(t *testing.T) {
		ada := s.UserID("ada@example.com")
		r := call(t, s, http.MethodPost, "/api/v1/users/"+ada+"/lifecycle/expire_password?tempPassword=true", ssws(s), nil)
		require.Equal(t, http.StatusOK, r.status)
		temp := r.object(t)["tempPassword"].(string)
		b := newBrowser(t)
		assert.Equal(t, "Unable to sign in", formError(t, signInAttempt(t, s, b, "ada@example.com", demoPassword)), "the old password is gone")
		expired := signInAttempt(t, s, b, "ada@example.com", temp)
		require.Equal(t, http.StatusOK, expired.status)
		callbackParams(t, b.submitForm(t, s, expired, map[string]string{"newPassword": newPass, "confirmPassword": newPass}))
		assert.Equal(t, "ACTIVE", s.UserStatus(ada))
	})
}

func TestSingleSignOnAndPrompt(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	b := newBrowser(t)
	signIn(t, s, b, newAuthRequest(s, "openid"), "alice@example.com", demoPassword)

	t.Run("session cookie skips the form", func(t *testing.T) {
		a := newAuthRequest(s, "openid")
		cb := callbackParams(t, b.get(t, a.url(s)))
		assert.NotEmpty(t, cb.Get("code"))
		exchange(t, s, a, cb.Get("code"))
	})
	t.Run("prompt=none with a session", func(t *testing.T) {
		a := newAuthRequest(s, "openid")
		a.params.Set("prompt", "none")
		assert.NotEmpty(t, callbackParams(t, b.get(t, a.url(s))).Get("code"))
	})
	t.Run("prompt=login forces the form", func(t *testing.T) {
		a := newAuthRequest(s, "openid")
		a.params.Set("prompt", "login")
		r := b.get(t, a.url(s))
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, 1, r.doc(t).Find(`input[name="password"]`).Length())
	})
	t.Run("max_age exceeded forces the form", func(t *testing.T) {
		clock.Add(10 * time.Minute)
		a := newAuthRequest(s, "openid")
		a.params.Set("max_age", "300")
		r := b.get(t, a.url(s))
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, 1, r.doc(t).Find(`input[name="password"]`).Length())
		a.params.Set("max_age", "3600")
		callbackParams(t, b.get(t, a.url(s)))
		a.params.Set("max_age", "0")
		r = b.get(t, a.url(s))
		require.Equal(t, http.StatusOK, r.status, "max_age=0 always asks again")
		assert.Equal(t, 1, r.doc(t).Find(`input[name="password"]`).Length())
	})
	t.Run("a suspended user's session no longer works", func(t *testing.T) {
		alice := s.UserID("alice@example.com")
		require.Equal(t, http.StatusOK, call(t, s, http.MethodPost, "/api/v1/users/"+alice+"/lifecycle/suspend", ssws(s), nil).status)
		assert.Equal(t, 0, s.SignInSessions(alice))
		r := b.get(t, newAuthRequest(s, "openid").url(s))
		assert.Equal(t, http.StatusOK, r.status, "back to the sign-in form")
	})
	t.Run("session expires", func(t *testing.T) {
		b := newBrowser(t)
		signIn(t, s, b, newAuthRequest(s, "openid"), "hal@example.com", demoPassword)
		clock.Add(3 * time.Hour)
		r := b.get(t, newAuthRequest(s, "openid").url(s))
		assert.Equal(t, http.StatusOK, r.status)
	})
}
