package oktatest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// TestStepUpACR: acr_values asking for two factors adds an emailed one-time code after the
// password, and the ID token reflects the chosen acr and the methods used in amr; a
// password-only value asks for nothing more; a session that proved one factor does not
// satisfy a later two-factor request; values the emulator cannot satisfy are refused.
func TestStepUpACR(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	claimsOf := func(a *authRequest, code string) map[string]any {
		t.Helper()
		tk := exchange(t, s, a, code)
		claims, err := verifyJWT(t, s, tk.IDToken)
		require.NoError(t, err)
		return claims
	}

	t.Run("two factors", func(t *testing.T) {
		b := newBrowser(t)
		a := newAuthRequest(s, "openid")
		a.params.Set("acr_values", oktatest.ACR2FAAny)
		page := b.get(t, a.url(s))
		factor := b.submitForm(t, s, page, map[string]string{"username": "alice@example.com", "password": demoPassword})
		require.Equal(t, http.StatusOK, factor.status, "a second step, not the callback")
		assert.Contains(t, string(factor.body), "a…e@example.com")
		code := s.LastVerificationCode("alice@example.com")
		require.Len(t, code, 6)

		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		again := b.submitForm(t, s, factor, map[string]string{"code": wrong})
		assert.Equal(t, http.StatusUnauthorized, again.status)
		cb := callbackParams(t, b.submitForm(t, s, again, map[string]string{"code": code}))
		claims := claimsOf(a, cb.Get("code"))
		assert.Equal(t, oktatest.ACR2FAAny, claims["acr"])
		assert.Equal(t, []any{"pwd", "email"}, claims["amr"])

		// The emulator session remembers the two factors: a second two-factor request passes.
		a2 := newAuthRequest(s, "openid")
		a2.params.Set("acr_values", oktatest.ACR2FAAny)
		cb = callbackParams(t, b.get(t, a2.url(s)))
		assert.Equal(t, []any{"pwd", "email"}, claimsOf(a2, cb.Get("code"))["amr"])
	})
	t.Run("one factor does not satisfy two", func(t *testing.T) {
		b := newBrowser(t)
		a := newAuthRequest(s, "openid")
		claims := claimsOf(a, signIn(t, s, b, a, "alice@example.com", demoPassword))
		assert.Equal(t, []any{"pwd"}, claims["amr"])
		assert.NotContains(t, claims, "acr", "no acr_values, no acr")

		a2 := newAuthRequest(s, "openid")
		a2.params.Set("acr_values", oktatest.ACR2FAAny)
		page := b.get(t, a2.url(s))
		assert.Equal(t, http.StatusOK, page.status, "the password session is not enough: sign in again")
		assert.Contains(t, string(page.body), `name="password"`)
	})
	t.Run("password only", func(t *testing.T) {
		a := newAuthRequest(s, "openid")
		a.params.Set("acr_values", "phr "+oktatest.ACR1FAPassword) // the first value it can satisfy
		claims := claimsOf(a, signIn(t, s, newBrowser(t), a, "alice@example.com", demoPassword))
		assert.Equal(t, oktatest.ACR1FAPassword, claims["acr"])
		assert.Equal(t, []any{"pwd"}, claims["amr"])
	})
	t.Run("unsupported values", func(t *testing.T) {
		a := newAuthRequest(s, "openid")
		a.params.Set("acr_values", "phrh")
		cb := callbackParams(t, newBrowser(t).get(t, a.url(s)))
		assert.Equal(t, "invalid_request", cb.Get("error"))
	})
	t.Run("too many wrong codes end the sign-in", func(t *testing.T) {
		b := newBrowser(t)
		a := newAuthRequest(s, "openid")
		a.params.Set("acr_values", oktatest.ACR2FAAny)
		page := b.submitForm(t, s, b.get(t, a.url(s)), map[string]string{"username": "alice@example.com", "password": demoPassword})
		code := s.LastVerificationCode("alice@example.com")
		for range 4 {
			page = b.submitForm(t, s, page, map[string]string{"code": "x" + code})
			require.Equal(t, http.StatusUnauthorized, page.status)
		}
		last := b.submitForm(t, s, page, map[string]string{"code": "x"})
		assert.Equal(t, http.StatusUnauthorized, last.status)
		assert.Contains(t, string(last.body), "Too many wrong codes")
	})
}
