package oktatest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"gatehouse/client/oktatest"
)

// TestGoOIDCInterop signs in with the libraries the portal uses, go-oidc and
// x/oauth2, and checks that go-oidc rejects each spoiled ID token.
func TestGoOIDCInterop(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	ctx := oidc.ClientContext(t.Context(), http.DefaultClient)
	provider, err := oidc.NewProvider(ctx, s.Issuer())
	require.NoError(t, err, "discovery issuer matches the issuer")
	cfg := oauth2.Config{ClientID: s.ClientID(), ClientSecret: s.ClientSecret(), Endpoint: provider.Endpoint(),
		RedirectURL: testRedirect, Scopes: []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess, "okta.users.read.self"}}
	verifier := provider.VerifierContext(ctx, &oidc.Config{ClientID: s.ClientID(), Now: clock.Now})

	signInWithLibs := func(t *testing.T) (*oauth2.Token, string, string) {
		t.Helper()
		pkce := oauth2.GenerateVerifier()
		state, nonce := "st-"+t.Name(), "no-"+t.Name()
		b := newBrowser(t)
		page := b.get(t, cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(pkce)))
		require.Equal(t, http.StatusOK, page.status)
		cb := callbackParams(t, b.submitForm(t, s, page, map[string]string{"username": "alice@example.com", "password": demoPassword}))
		require.Equal(t, state, cb.Get("state"))
		tok, err := cfg.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(pkce))
		require.NoError(t, err)
		raw, _ := tok.Extra("id_token").(string)
		require.NotEmpty(t, raw)
		return tok, raw, nonce
	}

	tok, raw, nonce := signInWithLibs(t)
	idt, err := verifier.Verify(ctx, raw)
	require.NoError(t, err)
	assert.Equal(t, s.UserID("alice@example.com"), idt.Subject)
	assert.Equal(t, nonce, idt.Nonce)
	require.NoError(t, idt.VerifyAccessToken(tok.AccessToken), "at_hash matches")
	var claims struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	require.NoError(t, idt.Claims(&claims))
	assert.Equal(t, "alice@example.com", claims.Email)

	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	require.NoError(t, err)
	assert.Equal(t, idt.Subject, info.Subject)

	// x/oauth2 judges expiry by the real clock: mark the copy as expired.
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	fresh, err := cfg.TokenSource(ctx, &expired).Token()
	require.NoError(t, err, "x/oauth2 refreshes an expired token")
	assert.NotEqual(t, tok.RefreshToken, fresh.RefreshToken)
	assert.Equal(t, 1, s.RefreshCount())

	tests := []struct {
		name   string
		tamper oktatest.TokenTamper
	}{
		{name: "wrong key", tamper: oktatest.TokenTamper{WrongKey: true}},
		{name: "unknown kid", tamper: oktatest.TokenTamper{UnknownKid: true}},
		{name: "alg none", tamper: oktatest.TokenTamper{AlgNone: true}},
		{name: "HS256 with the public key", tamper: oktatest.TokenTamper{HS256WithPublicKey: true}},
		{name: "other issuer", tamper: oktatest.TokenTamper{Claims: func(c map[string]any) { c["iss"] = "https://evil.example" }}},
		{name: "other audience", tamper: oktatest.TokenTamper{Claims: func(c map[string]any) { c["aud"] = "someone-else" }}},
		{name: "expired", tamper: oktatest.TokenTamper{Claims: func(c map[string]any) { c["exp"] = clock.Now().Add(-time.Hour).Unix() }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.TamperNextIDToken(tt.tamper)
			_, raw, _ := signInWithLibs(t)
			_, err := verifier.Verify(ctx, raw)
			assert.Error(t, err)
		})
	}
	t.Run("wrong nonce is visible to the caller", func(t *testing.T) {
		s.TamperNextIDToken(oktatest.TokenTamper{Claims: func(c map[string]any) { c["nonce"] = "other" }})
		_, raw, nonce := signInWithLibs(t)
		idt, err := verifier.Verify(ctx, raw)
		require.NoError(t, err, "go-oidc does not check the nonce itself")
		assert.NotEqual(t, nonce, idt.Nonce)
	})
	t.Run("issuer mismatch in discovery", func(t *testing.T) {
		s.SetDiscoveryIssuer("https://evil.example")
		defer s.SetDiscoveryIssuer("")
		_, err := oidc.NewProvider(ctx, s.Issuer())
		assert.Error(t, err)
	})
	t.Run("after key rotation", func(t *testing.T) {
		s.RotateSigningKey()
		_, raw, _ := signInWithLibs(t)
		_, err := verifier.Verify(ctx, raw)
		assert.NoError(t, err, "go-oidc refetches the JWKS for a new kid")
	})
	t.Run("logout URL", func(t *testing.T) {
		var meta struct {
			EndSession string `json:"end_session_endpoint"`
		}
		require.NoError(t, provider.Claims(&meta))
		b := newBrowser(t)
		r := b.get(t, meta.EndSession+"?"+url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {"http://localhost:8080/"}}.Encode())
		assert.Equal(t, http.StatusFound, r.status)
	})
}
