package oktatest_test

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

var generatedLoginRe = regexp.MustCompile(`^[a-z]+\.[a-z]+\d+@example\.com$`)

func TestDemoOrg(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{})
	tests := []struct {
		login, status string
		groups        []string
	}{
		{"alice@example.com", "ACTIVE", []string{"Everyone", "Engineering"}},
		{"ada@example.com", "ACTIVE", []string{"Everyone", "Gatehouse Admins"}},
		{"hal@example.com", "ACTIVE", []string{"Everyone", "Gatehouse Helpdesk"}},
		{"bob@example.com", "LOCKED_OUT", []string{"Everyone", "Sales"}},
		{"carol@example.com", "SUSPENDED", []string{"Everyone", "Sales"}},
		{"dave@example.com", "STAGED", []string{"Everyone"}},
		{"erin@example.com", "PASSWORD_EXPIRED", []string{"Everyone", "Engineering"}},
		{"frank@example.com", "DEPROVISIONED", []string{"Everyone"}},
		{"grace@example.com", "PROVISIONED", []string{"Everyone"}},
		{"heidi@example.com", "RECOVERY", []string{"Everyone"}},
		{"ivan@example.com", "ACTIVE", []string{"Everyone", "Engineering"}},
		{"judy@example.com", "ACTIVE", []string{"Everyone", "Sales"}},
		{"kate@example.com", "ACTIVE", []string{"Everyone", "Finance"}},
		{"mia@example.com", "ACTIVE", []string{"Everyone", "Sales"}},
		{"okta-admin@example.com", "ACTIVE", []string{"Everyone"}},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			id := s.UserID(tt.login)
			require.Regexp(t, userIDRe, id)
			assert.Equal(t, tt.status, s.UserStatus(id))
			r := call(t, s, http.MethodGet, "/api/v1/users/"+id+"/groups", ssws(s), nil)
			var groups []map[string]any
			r.json(t, &groups)
			var names []string
			for _, g := range groups {
				names = append(names, g["profile"].(map[string]any)["name"].(string))
			}
			assert.Equal(t, tt.groups, names)
		})
	}
	t.Run("leo is in 300 Active Directory groups and the helpdesk", func(t *testing.T) {
		r := call(t, s, http.MethodGet, "/api/v1/users/leo@example.com/groups", ssws(s), nil)
		require.Equal(t, http.StatusOK, r.status)
		var groups []map[string]any
		r.json(t, &groups)
		require.Len(t, groups, 2+oktatest.DemoDirectoryGroups)
		var ad, helpdesk int
		for _, g := range groups {
			p := g["profile"].(map[string]any)
			switch {
			case g["type"] == "APP_GROUP":
				ad++
				assert.Equal(t, []any{"okta:windows_security_principal"}, g["objectClass"])
				assert.Contains(t, p["dn"], "DC=corp,DC=example,DC=com")
				assert.Contains(t, p["windowsDomainQualifiedName"], `CORP\`)
			case p["name"] == "Gatehouse Helpdesk":
				helpdesk++
			}
		}
		assert.Equal(t, oktatest.DemoDirectoryGroups, ad)
		assert.Equal(t, 1, helpdesk)
		assert.Greater(t, len(r.body), 300_000, "a large answer, as real directory groups give")
	})
	t.Run("providers and the asynchronous person", func(t *testing.T) {
		cred := func(login string) map[string]any {
			return call(t, s, http.MethodGet, "/api/v1/users/"+login, ssws(s), nil).object(t)["credentials"].(map[string]any)
		}
		assert.Equal(t, map[string]any{"type": "FEDERATION", "name": "FEDERATION"}, cred("ivan@example.com")["provider"])
		assert.NotContains(t, cred("ivan@example.com"), "password")
		assert.Equal(t, map[string]any{"type": "ACTIVE_DIRECTORY", "name": oktatest.DemoDirectory}, cred("judy@example.com")["provider"])
		assert.Equal(t, map[string]any{"type": "ACTIVE_DIRECTORY", "name": oktatest.DemoDirectory}, cred("leo@example.com")["provider"])
		mia := s.UserID("mia@example.com")
		require.Equal(t, http.StatusOK, call(t, s, http.MethodPost, "/api/v1/users/"+mia+"/lifecycle/deactivate", ssws(s), nil).status)
		assert.Equal(t, "DEPROVISIONED", s.TransitioningTo(mia), "mia's lifecycle is asynchronous")
	})
	t.Run("grace has no password", func(t *testing.T) {
		u := call(t, s, http.MethodGet, "/api/v1/users/grace@example.com", ssws(s), nil).object(t)
		assert.NotContains(t, u["credentials"], "password")
	})
	t.Run("generated users", func(t *testing.T) {
		page := listLogins(t, s, map[string][]string{"filter": {`status eq "ACTIVE"`}, "limit": {"200"}})
		generated := 0
		for _, l := range page {
			if generatedLoginRe.MatchString(l) {
				generated++
			}
		}
		assert.Greater(t, generated, 190, "firstname.lastname<n>@example.com logins")
		eng := listLogins(t, s, map[string][]string{"search": {`profile.department eq "Engineering"`}, "limit": {"200"}})
		assert.Greater(t, len(eng), 10, "some generated users are engineers")
	})
	t.Run("apps", func(t *testing.T) {
		var hidden, noLogo, setup int
		for _, a := range oktatest.DemoOrg().Apps {
			if a.Hidden {
				hidden++
			}
			if a.LogoURL == "" {
				noLogo++
			}
			if a.CredentialsSetup {
				setup++
			}
		}
		assert.Equal(t, 1, hidden)
		assert.Equal(t, 1, noLogo)
		assert.Equal(t, 1, setup)
	})
}

func TestSeededIDsAreStable(t *testing.T) {
	a, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	b, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	for _, login := range []string{"alice@example.com", "okta-admin@example.com"} {
		assert.Equal(t, a.UserID(login), b.UserID(login), login)
	}
	assert.Equal(t, a.GroupID("Engineering"), b.GroupID("Engineering"))
	assert.Regexp(t, groupIDRe, a.GroupID("Engineering"))
	la := call(t, a, http.MethodGet, "/api/v1/users/alice/appLinks", ssws(a), nil)
	lb := call(t, b, http.MethodGet, "/api/v1/users/alice/appLinks", ssws(b), nil)
	assert.Equal(t, strings.ReplaceAll(string(la.body), a.URL(), "PUBLIC"), strings.ReplaceAll(string(lb.body), b.URL(), "PUBLIC"))
}

func TestLoadSeed(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{name: "valid", json: `{"groups":[{"name":"Ops"}],"apps":[{"name":"wiki","label":"Wiki","groups":["Ops"]}],
			"users":[{"profile":{"login":"zed@example.com","firstName":"Zed","lastName":"Zero"},"password":"Zed-Passw0rd-9","groups":["Ops"]}],
			"generatedUsers":3,
			"passwordPolicies":[{"name":"Ops policy","groups":["Ops"],"complexity":{"minLength":12,"minLowerCase":1}}]}`},
		{name: "unknown field", json: `{"users":[{"profile":{"login":"a@b.c"},"pasword":"x"}]}`, wantErr: "unknown field"},
		{name: "missing login", json: `{"users":[{"profile":{"firstName":"x"}}]}`, wantErr: "profile.login is required"},
		{name: "bad status", json: `{"users":[{"profile":{"login":"a@b.c"},"status":"HAPPY"}]}`, wantErr: "unknown status"},
		{name: "bad provider", json: `{"users":[{"profile":{"login":"a@b.c"},"provider":{"type":"KERBEROS"}}]}`, wantErr: "unknown provider type"},
		{name: "two default policies", json: `{"passwordPolicies":[{"name":"a","default":true},{"name":"b","default":true}]}`, wantErr: "at most one"},
		{name: "not JSON", json: `{`, wantErr: "decode seed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed, err := oktatest.LoadSeed(strings.NewReader(tt.json))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			s, _ := newServer(t, oktatest.Config{Seed: &seed})
			zed := s.UserID("zed@example.com")
			require.NotEmpty(t, zed)
			assert.NotEmpty(t, s.UserID("okta-admin@example.com"), "the API token's owner always exists")
			r := call(t, s, http.MethodGet, "/api/v1/users/"+zed+"/appLinks", ssws(s), nil)
			assert.Contains(t, string(r.body), `"label":"Wiki"`)
			all := listLogins(t, s, map[string][]string{"limit": {"200"}})
			assert.Len(t, all, 5, "zed, three generated users and the admin")
			callbackParams(t, signInAttempt(t, s, newBrowser(t), "zed@example.com", "Zed-Passw0rd-9"))
			e := assertOktaError(t, call(t, s, http.MethodPost, "/api/v1/users/"+zed+"/credentials/change_password", ssws(s),
				changePW("Zed-Passw0rd-9", "short-pass1")), 403, "E0000014")
			assert.Contains(t, e.causes()[0], "at least 12 characters", "the seed's policy applies to Ops")
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	ids := make([]string, 8)
	for i := range ids {
		ids[i] = addUserIn(t, s, "ACTIVE")
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			for range 10 {
				for _, op := range []string{"suspend", "unsuspend", "reset_password?sendEmail=false", "expire_password"} {
					req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/api/v1/users/"+id+"/lifecycle/"+op, nil)
					req.Header.Set("Authorization", ssws(s))
					if res, err := http.DefaultClient.Do(req); err == nil {
						res.Body.Close()
					}
				}
				s.SetStatus(id, "ACTIVE")
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL()+"/api/v1/users?q=Test&limit="+string(rune('1'+i%9)), nil)
				req.Header.Set("Authorization", ssws(s))
				if res, err := http.DefaultClient.Do(req); err == nil {
					res.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, "ACTIVE", s.UserStatus(id))
	}
	assert.Equal(t, 8*10*5, len(s.Requests()))
}
