package handlers

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"gatehouse/client"
)

// TestSignInAsksForOptionalScopesOnlyWhenTheOrgOffersThem: the MyAccount scope exists on
// Identity Engine orgs only; asking a Classic org for it would fail every sign-in.
func TestSignInAsksForOptionalScopesOnlyWhenTheOrgOffersThem(t *testing.T) {
	required := []string{"openid", "profile"}
	optional := []string{"okta.myAccount.password.read"}
	tests := []struct {
		name      string
		supported []string
		want      []string
	}{
		{name: "the org lists it", supported: []string{"openid", "profile", "okta.myAccount.password.read"}, want: []string{"openid", "profile", "okta.myAccount.password.read"}},
		{name: "the org does not list it", supported: []string{"openid", "profile"}, want: required},
		{name: "no scopes_supported at all", want: required},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, signInScopes(required, optional, tt.supported))
		})
	}
}

// TestPasswordCheckIsNeverStricterThanOkta: Gatehouse checks only what the policy says.
func TestPasswordCheckIsNeverStricterThanOkta(t *testing.T) {
	who := Person{Login: "al.kowalski@example.com", FirstName: "Al", LastName: "Kowalski"}
	tests := []struct {
		name       string
		complexity client.PasswordComplexity
		pw         string
		wantIssue  string // "" when Gatehouse lets it through to Okta
	}{
		{name: "no symbol asked, none needed", complexity: client.PasswordComplexity{MinLength: 8}, pw: "harbor77"},
		{name: "classes not asked are not checked", complexity: client.PasswordComplexity{MinLength: 4}, pw: "abcd"},
		{name: "a four-character minimum is four", complexity: client.PasswordComplexity{MinLength: 4, MinNumber: 1}, pw: "abc1"},
		{name: "too short", complexity: client.PasswordComplexity{MinLength: 14}, pw: "Harbor-77-Tre", wantIssue: "Use at least 14 characters."},
		{name: "the username is only checked when excluded", complexity: client.PasswordComplexity{MinLength: 8}, pw: "kowalski-harbor"},
		{name: "a username part", complexity: client.PasswordComplexity{MinLength: 8, ExcludeUsername: true}, pw: "kowalski-harbor", wantIssue: "Do not use any part of your username."},
		{name: "the last name", complexity: client.PasswordComplexity{MinLength: 8, ExcludeAttributes: []string{"lastName"}}, pw: "xKOWALSKIx", wantIssue: "Do not use your last name."},
		{name: "a short first name is left to Okta", complexity: client.PasswordComplexity{MinLength: 8, ExcludeAttributes: []string{"firstName"}}, pw: "harbor-al-77"},
		{name: "a count above one is checked as one", complexity: client.PasswordComplexity{MinLength: 8, MinUpperCase: 2}, pw: "Harbor-77"},
		{name: "over Okta's 72 characters", complexity: client.PasswordComplexity{MinLength: 8}, pw: string(make([]byte, 73)), wantIssue: "Use at most 72 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policyFromComplexity(tt.complexity, "policies")
			assert.Equal(t, tt.wantIssue, p.Problem(t.Context(), tt.pw, who))
		})
	}
	t.Run("unknown rules check nothing", func(t *testing.T) {
		assert.Empty(t, PasswordPolicy{}.Problem(t.Context(), "a", who))
	})
}
