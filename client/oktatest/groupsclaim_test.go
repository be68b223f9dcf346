package oktatest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// signInClaims signs alice in with scope and returns her ID token's claims.
func signInClaims(t *testing.T, s *oktatest.Server, scope string) map[string]any {
	t.Helper()
	a := newAuthRequest(s, scope)
	b := newBrowser(t)
	page := b.get(t, a.url(s))
	require.Equal(t, http.StatusOK, page.status)
	cb := callbackParams(t, b.submitForm(t, s, page, map[string]string{"username": "alice@example.com", "password": demoPassword}))
	tk := exchange(t, s, a, cb.Get("code"))
	claims, err := verifyJWT(t, s, tk.IDToken)
	require.NoError(t, err)
	at, err := verifyJWT(t, s, tk.AccessToken)
	require.NoError(t, err)
	assert.NotContains(t, at, "groups", "the org authorization server puts the groups claim in ID tokens only")
	return claims
}

// TestGroupsClaim: the OIDC app's groups claim (type Filter) as Okta's org authorization server
// releases it (docs/OKTA.md "Groups claim").
func TestGroupsClaim(t *testing.T) {
	const withGroups = "openid profile email groups"
	tests := []struct {
		name   string
		filter string
		claim  string // the claim's name; "" is "groups"
		scope  string
		extra  int // further OKTA_GROUPs alice joins, "Team 001"…
		want   []string
		absent bool
	}{
		{name: "no claim configured: none, even with the groups scope", scope: withGroups, absent: true},
		{name: "a claim without the groups scope is not released", filter: ".*", scope: "openid profile email", absent: true},
		{name: "Matches regex .* lists Everyone and every Okta group, no app group", filter: ".*", scope: withGroups,
			want: []string{"Everyone", "Engineering", "Okta Group"}},
		{name: "the regex must match the whole name", filter: "Eng", scope: withGroups, want: []string{}},
		{name: "a filter keeps only the names it matches", filter: "Eng.*|Okta.*", scope: withGroups, want: []string{"Engineering", "Okta Group"}},
		{name: "another claim name", filter: ".*", claim: "memberOf", scope: withGroups, want: []string{"Everyone", "Engineering", "Okta Group"}},
		{name: "Okta truncates the claim at 100 groups without saying so", filter: ".*", scope: withGroups, extra: 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := oktatest.DemoOrg()
			seed.GeneratedUsers = 0
			seed.Users = nil
			seed.Groups = nil
			seed.Apps = nil
			seed.Users = []oktatest.SeedUser{{Profile: map[string]any{"login": "alice@example.com", "email": "alice@example.com", "firstName": "Alice", "lastName": "Anderson"}, Password: demoPassword}}
			s, _ := newServer(t, oktatest.Config{Seed: &seed, GroupsClaimFilter: tt.filter, GroupsClaimName: tt.claim})
			alice := s.UserID("alice@example.com")
			for _, g := range []oktatest.SeedGroup{{Name: "Engineering"}, {Name: "Okta Group"}, {Name: "AD Engineering", Type: "APP_GROUP"}} {
				s.AddGroup(g)
				s.AddUserToGroup(alice, g.Name)
			}
			for i := range tt.extra {
				name := fmt.Sprintf("Team %03d", i)
				s.AddGroup(oktatest.SeedGroup{Name: name})
				s.AddUserToGroup(alice, name)
			}
			claims := signInClaims(t, s, tt.scope)
			name := tt.claim
			if name == "" {
				name = "groups"
			}
			if tt.absent {
				assert.NotContains(t, claims, name)
				return
			}
			require.Contains(t, claims, name)
			got := []string{}
			for _, v := range claims[name].([]any) {
				got = append(got, v.(string))
			}
			if tt.extra > 0 {
				assert.Len(t, got, 100, "the claim stops at 100 groups")
				assert.Equal(t, "Everyone", got[0])
				return
			}
			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

// TestGroupsClaimBadFilter: a filter that is not a regular expression is refused at start.
func TestGroupsClaimBadFilter(t *testing.T) {
	_, err := oktatest.Listen("127.0.0.1:0", oktatest.Config{GroupsClaimFilter: "("})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "groups claim filter")
}
