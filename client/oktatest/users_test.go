package oktatest_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

var (
	userIDRe    = regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`)
	groupIDRe   = regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`)
	appIDRe     = regexp.MustCompile(`^0oa[0-9A-Za-z]{17}$`)
	assignIDRe  = regexp.MustCompile(`^0ua[0-9A-Za-z]{17}$`)
	typeIDRe    = regexp.MustCompile(`^oty[0-9A-Za-z]{17}$`)
	timestampRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	errorIDRe   = regexp.MustCompile(`^oae[0-9A-Za-z]{22}$`)
	linkRe      = regexp.MustCompile(`^<([^>]+)>; rel="(self|next)"$`)
)

// assertAPIHeaders checks the headers every /api/v1 response carries.
func assertAPIHeaders(t *testing.T, r resp, wantJSON bool) {
	t.Helper()
	if wantJSON {
		assert.Equal(t, "application/json;charset=UTF-8", r.header.Get("Content-Type"))
	} else {
		assert.Empty(t, r.header.Get("Content-Type"), "no content type on 204")
	}
	assert.NotEmpty(t, r.header.Get("Date"))
	assert.Regexp(t, `^req[0-9A-Za-z]{22}$`, r.header.Get("X-Okta-Request-Id"))
	for _, h := range []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
		_, err := strconv.Atoi(r.header.Get(h))
		assert.NoError(t, err, "%s is an integer", h)
	}
}

// assertOktaError checks an error response's status, code and body shape.
func assertOktaError(t *testing.T, r resp, status int, code string) oktaErr {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	assertAPIHeaders(t, r, true)
	e := r.oktaError(t)
	assert.Equal(t, code, e.ErrorCode)
	assert.Equal(t, code, e.ErrorLink)
	assert.NotEmpty(t, e.ErrorSummary)
	assert.Regexp(t, errorIDRe, e.ErrorID)
	raw := r.object(t)
	assert.Contains(t, raw, "errorCauses", "errorCauses is always present")
	return e
}

func TestGetUserWireShape(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	require.Regexp(t, userIDRe, alice)

	for _, tt := range []struct{ name, path string }{
		{name: "by id", path: "/api/v1/users/" + alice},
		{name: "by login", path: "/api/v1/users/alice@example.com"},
		{name: "by escaped login", path: "/api/v1/users/" + url.PathEscape("ALICE@example.com")},
		{name: "by short name", path: "/api/v1/users/alice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, http.MethodGet, tt.path, ssws(s), nil)
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			assertAPIHeaders(t, r, true)
			u := r.object(t)
			assert.Equal(t, alice, u["id"])
			assert.Equal(t, "ACTIVE", u["status"])
			for _, k := range []string{"created", "activated", "statusChanged", "lastLogin", "lastUpdated", "passwordChanged"} {
				assert.Regexp(t, timestampRe, u[k], k)
			}
			assert.Regexp(t, typeIDRe, u["type"].(map[string]any)["id"])
			p := u["profile"].(map[string]any)
			assert.Equal(t, "Alice", p["firstName"])
			assert.Equal(t, "alice@example.com", p["login"])
			assert.Contains(t, p, "secondEmail", "secondEmail is emitted as null")
			assert.Nil(t, p["secondEmail"])
			assert.NotContains(t, p, "middleName", "other unset attributes are omitted")
			creds := u["credentials"].(map[string]any)
			assert.Equal(t, map[string]any{}, creds["password"])
			assert.Equal(t, map[string]any{"question": "What was the name of your first pet?"}, creds["recovery_question"])
			assert.Equal(t, map[string]any{"type": "OKTA", "name": "OKTA"}, creds["provider"])
			links := u["_links"].(map[string]any)
			self := links["self"].(map[string]any)
			assert.Equal(t, s.URL()+"/api/v1/users/"+alice, self["href"])
			assert.NotContains(t, self, "method")
			suspend := links["suspend"].(map[string]any)
			assert.Equal(t, s.URL()+"/api/v1/users/"+alice+"/lifecycle/suspend", suspend["href"])
			assert.Equal(t, "POST", suspend["method"])
			assert.Equal(t, s.URL()+"/api/v1/users/"+alice+"/credentials/forgot_password", links["forgotPassword"].(map[string]any)["href"])
		})
	}
}

func TestUserLinksFollowStatus(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	tests := []struct {
		name  string
		login string
		want  []string
	}{
		{name: "active with question and factors", login: "alice@example.com", want: []string{"changePassword", "changeRecoveryQuestion", "deactivate", "expirePassword", "forgotPassword", "resetFactors", "resetPassword", "self", "suspend"}},
		{name: "active without factors", login: "kate@example.com", want: []string{"changePassword", "changeRecoveryQuestion", "deactivate", "expirePassword", "forgotPassword", "resetPassword", "self", "suspend"}},
		{name: "staged", login: "dave@example.com", want: []string{"activate", "self"}},
		{name: "suspended", login: "carol@example.com", want: []string{"deactivate", "self", "unsuspend"}},
		{name: "locked out", login: "bob@example.com", want: []string{"deactivate", "expirePassword", "resetPassword", "self", "unlock"}},
		{name: "deprovisioned", login: "frank@example.com", want: []string{"activate", "self"}},
		// Okta's expirePassword example offers forgotPassword and
		// changeRecoveryQuestion to a PASSWORD_EXPIRED user (links.go).
		// erin has a TOTP factor pending activation: resetFactors too.
		{name: "password expired", login: "erin@example.com", want: []string{"changePassword", "changeRecoveryQuestion", "deactivate", "expirePassword", "forgotPassword", "resetFactors", "resetPassword", "self"}},
		{name: "provisioned", login: "grace@example.com", want: []string{"deactivate", "reactivate", "resetPassword", "self"}},
		{name: "recovery", login: "heidi@example.com", want: []string{"changePassword", "changeRecoveryQuestion", "deactivate", "expirePassword", "resetPassword", "self"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, http.MethodGet, "/api/v1/users/"+tt.login, ssws(s), nil)
			require.Equal(t, http.StatusOK, r.status)
			var u struct {
				Links map[string]struct {
					Href   string `json:"href"`
					Method string `json:"method"`
				} `json:"_links"`
			}
			r.json(t, &u)
			var rels []string
			for rel, l := range u.Links {
				rels = append(rels, rel)
				if rel != "self" {
					assert.Equal(t, "POST", l.Method, rel)
				}
			}
			sort.Strings(rels)
			assert.Equal(t, tt.want, rels)
		})
	}
}

func TestUserNotFound(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	for _, path := range []string{"/api/v1/users/nobody@example.com", "/api/v1/users/00u00000000000000000/appLinks",
		"/api/v1/users/nobody@example.com/lifecycle/suspend"} {
		t.Run(path, func(t *testing.T) {
			method := http.MethodGet
			if strings.HasSuffix(path, "suspend") {
				method = http.MethodPost
			}
			r := call(t, s, method, path, ssws(s), nil)
			e := assertOktaError(t, r, http.StatusNotFound, "E0000007")
			assert.Regexp(t, `^Not found: Resource not found: .+ \(User\)$`, e.ErrorSummary)
		})
	}
}

func TestUsersMeWithAPIToken(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	r := call(t, s, http.MethodGet, "/api/v1/users/me", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	u := r.object(t)
	assert.Equal(t, "okta-admin@example.com", u["profile"].(map[string]any)["login"], "SSWS /me is the token's owner")
	assert.Equal(t, "ACTIVE", u["status"])
}

type userLite struct {
	ID      string            `json:"id"`
	Status  string            `json:"status"`
	Profile map[string]any    `json:"profile"`
	Links   map[string]any    `json:"_links"`
	Creds   map[string]any    `json:"credentials"`
	Type    map[string]string `json:"type"`
}

// links parses the Link header lines of a response.
func links(t *testing.T, r resp) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range r.header.Values("Link") {
		m := linkRe.FindStringSubmatch(line)
		require.NotNil(t, m, "Link line %q", line)
		out[m[2]] = m[1]
	}
	return out
}

func TestListUsersPagesToTheEnd(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{})
	next := "/api/v1/users?" + url.Values{"filter": {`status eq "ACTIVE"`}, "limit": {"200"}}.Encode()
	seen := map[string]bool{}
	var last string
	pages := 0
	for next != "" {
		pages++
		require.Less(t, pages, 20, "paging terminates")
		r := call(t, s, http.MethodGet, strings.TrimPrefix(next, s.URL()), ssws(s), nil)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assertAPIHeaders(t, r, true)
		var page []userLite
		r.json(t, &page)
		for _, u := range page {
			assert.Equal(t, "ACTIVE", u.Status)
			assert.False(t, seen[u.ID], "user %s appears once", u.ID)
			seen[u.ID] = true
			assert.Greater(t, u.ID, last, "ascending id order")
			last = u.ID
			assert.Equal(t, []string{"self"}, keys(u.Links), "collections carry only self links")
		}
		l := links(t, r)
		require.Contains(t, l, "self")
		assert.Len(t, r.header.Values("Link"), len(l), "one Link header line per relation")
		next = l["next"]
		if next != "" {
			assert.Len(t, page, 200)
			nu, err := url.Parse(next)
			require.NoError(t, err)
			assert.Equal(t, s.URL()+"/api/v1/users", nu.Scheme+"://"+nu.Host+nu.Path, "next is absolute on the public URL")
			assert.Equal(t, `status eq "ACTIVE"`, nu.Query().Get("filter"), "next echoes the filter")
			assert.Equal(t, page[len(page)-1].ID, nu.Query().Get("after"))
		}
	}
	// 1,000 generated + alice, ada, hal, ivan, judy, kate, leo, mia, nina, oscar,
	// lena, yuki and the API token's owner.
	assert.Len(t, seen, 1013)
	assert.Equal(t, 6, pages)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func listLogins(t *testing.T, s *oktatest.Server, query url.Values) []string {
	t.Helper()
	r := call(t, s, http.MethodGet, "/api/v1/users?"+query.Encode(), ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var page []userLite
	r.json(t, &page)
	var out []string
	for _, u := range page {
		out = append(out, u.Profile["login"].(string))
	}
	sort.Strings(out)
	return out
}

func TestListUsersQuery(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{})
	tests := []struct {
		name  string
		query url.Values
		want  []string
		count int
	}{
		{name: "q first name prefix", query: url.Values{"q": {"alic"}}, want: []string{"alice@example.com"}},
		{name: "q is case-insensitive", query: url.Values{"q": {"ALICE"}}, want: []string{"alice@example.com"}},
		{name: "q last name prefix", query: url.Values{"q": {"Lovel"}}, want: []string{"ada@example.com"}},
		{name: "q email prefix", query: url.Values{"q": {"hal@"}}, want: []string{"hal@example.com"}},
		{name: "q hides deprovisioned", query: url.Values{"q": {"frank"}}, want: nil},
		{name: "q default limit is 10", query: url.Values{"q": {"a"}}, count: 10},
		{name: "q limit", query: url.Values{"q": {"a"}, "limit": {"3"}}, count: 3},
		{name: "q limit capped at 200", query: url.Values{"q": {"a"}, "limit": {"5000"}}, count: 200},
		{name: "filter includes deprovisioned", query: url.Values{"filter": {`status eq "DEPROVISIONED"`}}, want: []string{"frank@example.com"}},
		{name: "filter login", query: url.Values{"filter": {`profile.login eq "bob@example.com"`}}, want: []string{"bob@example.com"}},
		// Okta: filter= is case sensitive for values, search= is not.
		{name: "filter values are case sensitive", query: url.Values{"filter": {`profile.login eq "Bob@example.com"`}}, want: nil},
		{name: "filter operators are not", query: url.Values{"filter": {`profile.login EQ "bob@example.com"`}}, want: []string{"bob@example.com"}},
		{name: "search values are case insensitive", query: url.Values{"search": {`profile.login eq "Bob@Example.com"`}}, want: []string{"bob@example.com"}},
		{name: "search attribute names are case sensitive", query: url.Values{"search": {`profile.Login eq "bob@example.com"`}}, want: nil},
		{name: "search by login prefix", query: url.Values{"search": {`profile.login sw "ju"`}}, want: []string{"judy@example.com"}},
		{name: "search present", query: url.Values{"search": {`profile.nickName pr`}}, want: []string{"alice@example.com"}},
		{name: "filter or", query: url.Values{"filter": {`status eq "SUSPENDED" or status eq "STAGED"`}}, want: []string{"carol@example.com", "dave@example.com"}},
		{name: "filter and with parentheses", query: url.Values{"filter": {`(status eq "ACTIVE") and profile.email eq "ada@example.com"`}}, want: []string{"ada@example.com"}},
		{name: "filter lastUpdated gt", query: url.Values{"filter": {`lastUpdated gt "2099-01-01T00:00:00.000Z"`}}, want: nil},
		{name: "search sw", query: url.Values{"search": {`profile.firstName sw "Hei"`}}, want: []string{"heidi@example.com"}},
		{name: "search co", query: url.Values{"search": {`profile.lastName co "ovela"`}}, want: []string{"ada@example.com"}},
		{name: "search custom attribute", query: url.Values{"search": {`profile.department eq "IT Support" and status eq "ACTIVE"`}}, want: []string{"hal@example.com", "leo@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := listLogins(t, s, tt.query)
			if tt.count > 0 {
				assert.Len(t, got, tt.count)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("q has no next link", func(t *testing.T) {
		r := call(t, s, http.MethodGet, "/api/v1/users?q=a&limit=5", ssws(s), nil)
		l := links(t, r)
		assert.Contains(t, l, "self")
		assert.NotContains(t, l, "next")
	})
	t.Run("q never matches the login", func(t *testing.T) {
		s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
		s.AddUser(oktatest.SeedUser{Profile: map[string]any{"login": "zz.login@example.org", "email": "other.mail@example.org",
			"firstName": "Quentin", "lastName": "Quill"}, Password: demoPassword})
		assert.Empty(t, listLogins(t, s, url.Values{"q": {"zz.login"}}), "Okta's q= looks at firstName, lastName and email only")
		assert.Equal(t, []string{"zz.login@example.org"}, listLogins(t, s, url.Values{"q": {"other.mail"}}))
		assert.Equal(t, []string{"zz.login@example.org"}, listLogins(t, s, url.Values{"search": {`profile.login sw "zz.log"`}}),
			"search= finds people by login")
	})
	t.Run("search sorted by last name", func(t *testing.T) {
		order := func(sortOrder string) []string {
			q := url.Values{"search": {`profile.title eq "Sales Manager" or profile.title eq "Account Executive"`}, "sortBy": {"profile.lastName"}}
			if sortOrder != "" {
				q.Set("sortOrder", sortOrder)
			}
			r := call(t, s, http.MethodGet, "/api/v1/users?"+q.Encode(), ssws(s), nil)
			require.Equal(t, http.StatusOK, r.status)
			var page []userLite
			r.json(t, &page)
			var last []string
			for _, u := range page {
				last = append(last, strings.ToLower(u.Profile["lastName"].(string)))
			}
			return last
		}
		asc := order("")
		require.Greater(t, len(asc), 5)
		assert.True(t, sort.StringsAreSorted(asc), "ascending by default: %v", asc)
		desc := order("desc")
		assert.True(t, sort.SliceIsSorted(desc, func(i, j int) bool { return desc[i] > desc[j] }), "descending: %v", desc)
	})
	t.Run("plain list excludes deprovisioned", func(t *testing.T) {
		var all []string
		next := "/api/v1/users"
		for next != "" {
			r := call(t, s, http.MethodGet, strings.TrimPrefix(next, s.URL()), ssws(s), nil)
			var page []userLite
			r.json(t, &page)
			for _, u := range page {
				all = append(all, u.Status)
			}
			next = links(t, r)["next"]
		}
		assert.Len(t, all, 1000+19) // the demo people and the admin, minus frank
		assert.NotContains(t, all, "DEPROVISIONED")
	})
}

func TestListUsersErrors(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	tests := []struct {
		name   string
		query  url.Values
		status int
		code   string
	}{
		{name: "malformed filter", query: url.Values{"filter": {`status eq`}}, status: 400, code: "E0000031"},
		{name: "unterminated string", query: url.Values{"filter": {`status eq "ACTIVE`}}, status: 400, code: "E0000031"},
		{name: "unsupported filter attribute", query: url.Values{"filter": {`profile.city eq "Austin"`}}, status: 400, code: "E0000031"},
		{name: "unquoted filter value", query: url.Values{"filter": {`status eq ACTIVE`}}, status: 400, code: "E0000031"},
		{name: "ne is not supported", query: url.Values{"search": {`status ne "ACTIVE"`}}, status: 400, code: "E0000031"},
		{name: "filter and search", query: url.Values{"filter": {`status eq "ACTIVE"`}, "search": {`status eq "ACTIVE"`}}, status: 400, code: "E0000033"},
		{name: "q and filter", query: url.Values{"q": {"a"}, "filter": {`status eq "ACTIVE"`}}, status: 400, code: "E0000033"},
		{name: "altered cursor", query: url.Values{"after": {"not-a-cursor"}}, status: 400, code: "E0000029"},
		{name: "bad limit", query: url.Values{"limit": {"-1"}}, status: 400, code: "E0000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, http.MethodGet, "/api/v1/users?"+tt.query.Encode(), ssws(s), nil)
			assertOktaError(t, r, tt.status, tt.code)
		})
	}
}

func TestAppLinksWireShape(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	r := call(t, s, http.MethodGet, "/api/v1/users/"+alice+"/appLinks", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	assertAPIHeaders(t, r, true)
	var apps []struct {
		ID               string `json:"id"`
		Label            string `json:"label"`
		LinkURL          string `json:"linkUrl"`
		LogoURL          string `json:"logoUrl"`
		AppName          string `json:"appName"`
		AppInstanceID    string `json:"appInstanceId"`
		AppAssignmentID  string `json:"appAssignmentId"`
		CredentialsSetup bool   `json:"credentialsSetup"`
		Hidden           bool   `json:"hidden"`
		SortOrder        *int   `json:"sortOrder"`
	}
	r.json(t, &apps)
	var labels []string
	for _, a := range apps {
		labels = append(labels, a.Label)
		assert.Equal(t, alice, a.ID, "AppLink id is the user id, as in Okta's examples")
		assert.Regexp(t, appIDRe, a.AppInstanceID)
		assert.Regexp(t, assignIDRe, a.AppAssignmentID)
		assert.True(t, strings.HasPrefix(a.LinkURL, s.URL()+"/home/"+a.AppName+"/"+a.AppInstanceID+"/"), a.LinkURL)
		assert.NotNil(t, a.SortOrder)
		assert.Equal(t, a.Label == "Legacy VPN", a.Hidden, "only Legacy VPN is hidden")
		assert.Equal(t, a.Label == "Zoom", a.CredentialsSetup)
		if a.Label == "Jira" {
			assert.Empty(t, a.LogoURL, "Jira has no logo")
		} else {
			assert.Equal(t, s.URL()+"/logos/"+a.AppName+".svg", a.LogoURL)
		}
	}
	assert.Equal(t, []string{"Slack", "GitHub", "Google Workspace", "Zoom", "Jira", "Legacy VPN"}, labels)

	t.Run("link and logo are served", func(t *testing.T) {
		b := newBrowser(t)
		page := b.get(t, apps[0].LinkURL)
		require.Equal(t, http.StatusOK, page.status)
		assert.Contains(t, string(page.body), "You would now be signed in to Slack")
		logo := b.get(t, apps[0].LogoURL)
		require.Equal(t, http.StatusOK, logo.status)
		assert.Equal(t, "image/svg+xml", logo.header.Get("Content-Type"))
		assert.Contains(t, string(logo.body), "<svg")
	})
	t.Run("a deactivated user has no app links", func(t *testing.T) {
		frank := s.UserID("frank@example.com")
		r := call(t, s, http.MethodGet, "/api/v1/users/"+frank+"/appLinks", ssws(s), nil)
		require.Equal(t, http.StatusOK, r.status)
		assert.JSONEq(t, "[]", string(r.body))
	})
}

func TestUserGroupsWireShape(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	r := call(t, s, http.MethodGet, "/api/v1/users/alice@example.com/groups", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	assertAPIHeaders(t, r, true)
	var groups []map[string]any
	r.json(t, &groups)
	require.Len(t, groups, 2)
	assert.Equal(t, "Everyone", groups[0]["profile"].(map[string]any)["name"], "Everyone comes first")
	assert.Equal(t, "BUILT_IN", groups[0]["type"])
	assert.Equal(t, "Engineering", groups[1]["profile"].(map[string]any)["name"])
	assert.Equal(t, "OKTA_GROUP", groups[1]["type"])
	for _, g := range groups {
		assert.Regexp(t, groupIDRe, g["id"])
		for _, k := range []string{"created", "lastUpdated", "lastMembershipUpdated"} {
			assert.Regexp(t, timestampRe, g[k], k)
		}
		assert.Equal(t, []any{"okta:user_group"}, g["objectClass"])
		l := g["_links"].(map[string]any)
		assert.Equal(t, s.URL()+"/api/v1/groups/"+g["id"].(string)+"/users", l["users"].(map[string]any)["href"])
		assert.Equal(t, s.URL()+"/api/v1/groups/"+g["id"].(string)+"/apps", l["apps"].(map[string]any)["href"])
		assert.Len(t, l["logo"], 2)
	}

	t.Run("description null when unset", func(t *testing.T) {
		s.AddGroup(oktatest.SeedGroup{Name: "No Description"})
		s.AddUserToGroup(s.UserID("hal@example.com"), "No Description")
		r := call(t, s, http.MethodGet, "/api/v1/users/hal@example.com/groups", ssws(s), nil)
		var groups []map[string]any
		r.json(t, &groups)
		var names []string
		for _, g := range groups {
			p := g["profile"].(map[string]any)
			names = append(names, p["name"].(string))
			if p["name"] == "No Description" {
				assert.Contains(t, p, "description")
				assert.Nil(t, p["description"])
			}
		}
		assert.Equal(t, []string{"Everyone", "Gatehouse Helpdesk", "No Description"}, names)
	})
}

func TestListGroups(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	names := func(r resp) []string {
		var groups []map[string]any
		r.json(t, &groups)
		var out []string
		for _, g := range groups {
			out = append(out, g["profile"].(map[string]any)["name"].(string))
		}
		sort.Strings(out)
		return out
	}
	r := call(t, s, http.MethodGet, "/api/v1/groups?q=gate", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status)
	assertAPIHeaders(t, r, true)
	// The directory's APP_GROUP shares its name with the helpdesk OKTA_GROUP.
	assert.Equal(t, []string{"Gatehouse Admins", "Gatehouse Helpdesk", "Gatehouse Helpdesk"}, names(r))

	r = call(t, s, http.MethodGet, "/api/v1/groups?q=slack", ssws(s), nil)
	var groups []map[string]any
	r.json(t, &groups)
	require.Len(t, groups, 1)
	assert.Equal(t, "APP_GROUP", groups[0]["type"])
	assert.Contains(t, groups[0]["_links"], "source")

	t.Run("q is not paged", func(t *testing.T) {
		r := call(t, s, http.MethodGet, "/api/v1/groups?q=gate&limit=1", ssws(s), nil)
		require.Equal(t, http.StatusOK, r.status)
		assert.Len(t, names(r), 1)
		assert.NotContains(t, links(t, r), "next", "Okta does not page a group query")
		assert.Contains(t, links(t, r), "self")
	})

	t.Run("paging", func(t *testing.T) {
		var all []string
		next := "/api/v1/groups?limit=2"
		for next != "" {
			r := call(t, s, http.MethodGet, strings.TrimPrefix(next, s.URL()), ssws(s), nil)
			require.Equal(t, http.StatusOK, r.status)
			all = append(all, names(r)...)
			next = links(t, r)["next"]
		}
		sort.Strings(all)
		require.Len(t, all, 9+oktatest.DemoDirectoryGroups, "the demo's groups and its Active Directory groups")
		var named []string
		for _, n := range all {
			if !strings.HasPrefix(n, "SG ") {
				named = append(named, n)
			}
		}
		assert.Equal(t, []string{"Engineering", "Everyone", "Finance", "Gatehouse Admins", "Gatehouse Helpdesk", "Gatehouse Helpdesk", "Okta Help Desk", "Sales", "Slack Users"}, named)
	})
}

func TestAPIRoutingErrors(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	tests := []struct {
		name, method, path, auth string
		body                     any
		status                   int
		code                     string
	}{
		{name: "no credentials", method: "GET", path: "/api/v1/users/me", status: 401, code: "E0000011"},
		{name: "wrong API token", method: "GET", path: "/api/v1/users/me", auth: "SSWS nope", status: 401, code: "E0000011"},
		{name: "unknown scheme", method: "GET", path: "/api/v1/users/me", auth: "Basic Zm9vOmJhcg==", status: 401, code: "E0000011"},
		{name: "unknown bearer", method: "GET", path: "/api/v1/users/me", auth: "Bearer nope", status: 401, code: "E0000011"},
		{name: "wrong method", method: "GET", path: "/api/v1/users/" + alice + "/lifecycle/suspend", auth: ssws(s), status: 405, code: "E0000022"},
		{name: "unknown route", method: "GET", path: "/api/v1/meta/types/user", auth: ssws(s), status: 501, code: "E0000060"},
		{name: "bad JSON", method: "POST", path: "/api/v1/users", auth: ssws(s), body: "{not json", status: 400, code: "E0000003"},
		{name: "empty create body", method: "POST", path: "/api/v1/users", auth: ssws(s), status: 400, code: "E0000003"},
		{name: "body over 1 MiB", method: "POST", path: "/api/v1/users", auth: ssws(s), body: `{"profile":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`, status: 413, code: "E0000003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, tt.method, tt.path, tt.auth, tt.body)
			assertOktaError(t, r, tt.status, tt.code)
			if tt.status == 405 {
				assert.Equal(t, "POST", r.header.Get("Allow"))
			}
		})
	}

	t.Run("body-less POST with Content-Length 0", func(t *testing.T) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/api/v1/users/"+alice+"/lifecycle/reset_factors", http.NoBody)
		require.NoError(t, err)
		req.Header.Set("Authorization", ssws(s))
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "application/json;charset=UTF-8", res.Header.Get("Content-Type"))
	})
	t.Run("error ids are unique", func(t *testing.T) {
		a := call(t, s, "GET", "/api/v1/users/nobody", ssws(s), nil).oktaError(t)
		b := call(t, s, "GET", "/api/v1/users/nobody", ssws(s), nil).oktaError(t)
		assert.NotEqual(t, a.ErrorID, b.ErrorID)
	})
}

func TestRequestIDsDiffer(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	a := call(t, s, "GET", "/api/v1/users/me", ssws(s), nil)
	b := call(t, s, "GET", "/api/v1/users/me", ssws(s), nil)
	assert.NotEqual(t, a.header.Get("X-Okta-Request-Id"), b.header.Get("X-Okta-Request-Id"))
}

func TestGroupsMembershipHooks(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	hal := s.UserID("hal@example.com")
	groupNames := func() []string {
		r := call(t, s, http.MethodGet, "/api/v1/users/"+hal+"/groups", ssws(s), nil)
		var groups []map[string]any
		r.json(t, &groups)
		var out []string
		for _, g := range groups {
			out = append(out, g["profile"].(map[string]any)["name"].(string))
		}
		return out
	}
	s.AddUserToGroup(hal, oktatest.GroupAdmins)
	assert.True(t, slices.Contains(groupNames(), oktatest.GroupAdmins))
	s.RemoveUserFromGroup(hal, oktatest.GroupAdmins)
	assert.Equal(t, []string{"Everyone", "Gatehouse Helpdesk"}, groupNames())
}
