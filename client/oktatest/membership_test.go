package oktatest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// TestGroupMembership: PUT and DELETE /api/v1/groups/{groupId}/users/{userId} change
// OKTA_GROUP memberships, idempotently, and refuse APP_GROUPs and Everyone.
func TestGroupMembership(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	finance := s.GroupIDOfType(oktatest.GroupFinance, oktatest.GroupOkta)
	member := func() bool { return slices.Contains(s.GroupMembers(finance), alice) }
	path := "/api/v1/groups/" + finance + "/users/" + alice

	require.False(t, member())
	for range 2 {
		r := call(t, s, http.MethodPut, path, ssws(s), nil)
		require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
		assert.Empty(t, r.body)
		assert.True(t, member())
	}
	var groups []struct {
		ID string `json:"id"`
	}
	call(t, s, http.MethodGet, "/api/v1/users/"+alice+"/groups", ssws(s), nil).json(t, &groups)
	assert.True(t, slices.ContainsFunc(groups, func(g struct {
		ID string `json:"id"`
	}) bool {
		return g.ID == finance
	}), "the person's groups show it")

	for range 2 {
		assert.Equal(t, http.StatusNoContent, call(t, s, http.MethodDelete, path, ssws(s), nil).status)
		assert.False(t, member())
	}

	t.Run("Okta manages only OKTA_GROUP memberships", func(t *testing.T) {
		for _, gid := range []string{s.GroupIDOfType(oktatest.GroupHelpdesk, oktatest.GroupApp), s.GroupIDOfType("Everyone", oktatest.GroupBuiltIn)} {
			assertOktaError(t, call(t, s, http.MethodPut, "/api/v1/groups/"+gid+"/users/"+alice, ssws(s), nil), 403, "E0000006")
			assertOktaError(t, call(t, s, http.MethodDelete, "/api/v1/groups/"+gid+"/users/"+alice, ssws(s), nil), 403, "E0000006")
		}
	})
	t.Run("unknown group or user", func(t *testing.T) {
		assertOktaError(t, call(t, s, http.MethodPut, "/api/v1/groups/00gNoSuchGroup000000/users/"+alice, ssws(s), nil), 404, "E0000007")
		assertOktaError(t, call(t, s, http.MethodPut, "/api/v1/groups/"+finance+"/users/00uNoSuchUser0000000", ssws(s), nil), 404, "E0000007")
	})
	t.Run("the scope is okta.groups.manage", func(t *testing.T) {
		tok, err := s.MintTokens("alice@example.com", "openid", "okta.users.manage.self")
		require.NoError(t, err)
		r := call(t, s, http.MethodPut, path, bearer(tok.AccessToken), nil)
		assertOktaError(t, r, 403, "E0000006")
		assert.Contains(t, r.header.Get("WWW-Authenticate"), `scope="okta.groups.manage"`)
	})
}

// TestReactivate: reactivation restarts the activation of PROVISIONED and RECOVERY people
// (Okta's current spec, sendEmail false by default) and the link's page finishes it.
func TestReactivate(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	grace := s.UserID("grace@example.com")
	before := len(s.Emails())
	r := call(t, s, http.MethodPost, "/api/v1/users/"+grace+"/lifecycle/reactivate", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	var res struct {
		ActivationURL   string `json:"activationUrl"`
		ActivationToken string `json:"activationToken"`
	}
	r.json(t, &res)
	assert.Equal(t, s.URL()+"/welcome/"+res.ActivationToken, res.ActivationURL)
	assert.Len(t, s.Emails(), before, "sendEmail defaults to false")

	b := newBrowser(t)
	page := b.get(t, res.ActivationURL)
	done := b.submitForm(t, s, page, map[string]string{"newPassword": "Gr8-Start-Here", "confirmPassword": "Gr8-Start-Here"})
	require.Equal(t, http.StatusOK, done.status)
	assert.Equal(t, "ACTIVE", s.UserStatus(grace))

	heidi := s.UserID("heidi@example.com")
	r = call(t, s, http.MethodPost, "/api/v1/users/"+heidi+"/lifecycle/reactivate?sendEmail=true", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	mails := s.Emails()
	last := mails[len(mails)-1]
	assert.Equal(t, "heidi@example.com", last.To)
	assert.Equal(t, oktatest.EmailActivation, last.Kind)
	page = newBrowser(t).get(t, last.Link)
	require.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, string(page.body), "newPassword", "a RECOVERY person chooses a new password")

	assertOktaError(t, call(t, s, http.MethodPost, "/api/v1/users/"+s.UserID("alice@example.com")+"/lifecycle/reactivate", ssws(s), nil), 403, "E0000038")
}

// TestLocaleAndZoneinfoClaims: the profile scope releases locale (BCP 47, from the profile's
// locale, en-US when unset) and zoneinfo (the profile's time zone, America/Los_Angeles when
// unset), as Okta's org authorization server does.
func TestLocaleAndZoneinfoClaims(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	tests := []struct{ login, locale, zoneinfo string }{
		{"alice@example.com", "en-US", "America/Los_Angeles"},
		{"lena@example.com", "de-DE", "Europe/Berlin"},
		{"yuki@example.com", "ja-JP", "Asia/Tokyo"},
		{"hal@example.com", "en-US", "America/Los_Angeles"}, // neither set: Okta's defaults
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			tk := login(t, s, tt.login, "openid profile")
			claims, err := verifyJWT(t, s, tk.IDToken)
			require.NoError(t, err)
			assert.Equal(t, tt.locale, claims["locale"])
			assert.Equal(t, tt.zoneinfo, claims["zoneinfo"])

			r := call(t, s, http.MethodGet, "/oauth2/v1/userinfo", bearer(tk.AccessToken), nil)
			require.Equal(t, http.StatusOK, r.status)
			info := r.object(t)
			assert.Equal(t, tt.locale, info["locale"])
			assert.Equal(t, tt.zoneinfo, info["zoneinfo"])
		})
	}
	t.Run("the profile says what the person chose", func(t *testing.T) {
		var u struct {
			Profile map[string]any `json:"profile"`
		}
		call(t, s, http.MethodGet, "/api/v1/users/lena@example.com", ssws(s), nil).json(t, &u)
		assert.Equal(t, "de", u.Profile["preferredLanguage"])
		assert.Equal(t, "de_DE", u.Profile["locale"])
		var hal struct {
			Profile map[string]any `json:"profile"`
		}
		call(t, s, http.MethodGet, "/api/v1/users/hal@example.com", ssws(s), nil).json(t, &hal)
		assert.NotContains(t, hal.Profile, "timezone", "hal chose none; only the claim has a default")
	})
}

// TestListGroupsSearch: q= is a name prefix, unpaged; search= and filter= follow Okta's
// attributes and operators for groups, with paging and sortBy.
func TestListGroupsSearch(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	names := func(path string) ([]string, resp) {
		r := call(t, s, http.MethodGet, path, ssws(s), nil)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var gs []struct {
			Type    string         `json:"type"`
			Profile map[string]any `json:"profile"`
		}
		r.json(t, &gs)
		var out []string
		for _, g := range gs {
			out = append(out, g.Type+" "+g.Profile["name"].(string))
		}
		return out, r
	}
	got, r := names("/api/v1/groups?q=gate")
	assert.ElementsMatch(t, []string{"OKTA_GROUP Gatehouse Admins", "OKTA_GROUP Gatehouse Helpdesk", "APP_GROUP Gatehouse Helpdesk"}, got)
	assert.NotContains(t, links(t, r), "next", "q is not paged")

	got, _ = names(`/api/v1/groups?search=` + url.QueryEscape(`type eq "OKTA_GROUP" and profile.name sw "gate"`))
	assert.ElementsMatch(t, []string{"OKTA_GROUP Gatehouse Admins", "OKTA_GROUP Gatehouse Helpdesk"}, got, "only the groups Okta lets Gatehouse change")
	got, _ = names(`/api/v1/groups?search=` + url.QueryEscape(`profile.description co "password policy"`))
	assert.Equal(t, []string{"OKTA_GROUP Finance"}, got)
	got, _ = names(`/api/v1/groups?search=` + url.QueryEscape(`profile.samAccountName sw "SG-Legal-VPN"`))
	assert.NotEmpty(t, got, "imported app group profile attributes are searchable")
	got, _ = names(`/api/v1/groups?filter=` + url.QueryEscape(`type eq "BUILT_IN"`))
	assert.Equal(t, []string{"BUILT_IN Everyone"}, got)

	t.Run("paged and sorted", func(t *testing.T) {
		expr := url.QueryEscape(`type eq "OKTA_GROUP"`)
		first, r := names("/api/v1/groups?limit=3&sortBy=profile.name&sortOrder=desc&search=" + expr)
		require.Len(t, first, 3)
		assert.True(t, slices.IsSortedFunc(first, func(a, b string) int { return -cmpFold(a, b) }), "%v", first)
		next := links(t, r)["next"]
		require.NotEmpty(t, next)
		u, err := url.Parse(next)
		require.NoError(t, err)
		second, _ := names(u.RequestURI())
		assert.NotContains(t, second, first[2])
	})
	t.Run("Okta's refusals", func(t *testing.T) {
		for _, q := range []string{
			"search=" + url.QueryEscape(`type co "APP"`),           // co only on name and description
			"filter=" + url.QueryEscape(`profile.name eq "Sales"`), // filter has four attributes
			"search=" + url.QueryEscape(`type eq "X"`) + "&filter=" + url.QueryEscape(`type eq "X"`),
		} {
			r := call(t, s, http.MethodGet, "/api/v1/groups?"+q, ssws(s), nil)
			assert.Equal(t, http.StatusBadRequest, r.status, q)
		}
	})
}

func cmpFold(a, b string) int {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	switch {
	case la < lb:
		return -1
	case la > lb:
		return 1
	}
	return 0
}
