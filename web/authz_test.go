package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/handlers"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// wildcard matches a ServeMux wildcard in a route pattern.
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// concretePath turns a route pattern's path into a real URL: {id} is a real person, {action}
// a real action, {section} a real dashboard card.
func concretePath(path, personID string) string {
	return wildcard.ReplaceAllStringFunc(path, func(w string) string {
		switch w {
		case "{$}":
			return ""
		case "{id}":
			return personID
		case "{action}":
			return handlers.Actions()[0].Key // a real action of the table
		case "{section}":
			return "profile"
		}
		return "x"
	})
}

// authzRequest sends one request of the matrix and reports its status, Location/HX-Redirect
// and the number of Okta calls it caused. The emulator's log is reset first, so tests in this
// file must not run in parallel.
func authzRequest(t *testing.T, env *webtest.Env, c *http.Client, rt web.RouteInfo, path string, htmx bool) (status int, location, hxRedirect string, oktaCalls int) {
	t.Helper()
	var form url.Values
	if rt.Method != http.MethodGet {
		// An empty form: enough to reach the handler, never enough to change anything.
		form = url.Values{}
	}
	var headers map[string]string
	if htmx {
		headers = webtest.HTMX("")
	}
	env.Okta.ResetRequests()
	res := env.Do(t, webtest.NoRedirects(c), rt.Method, path, form, headers)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), res.Header.Get("HX-Redirect"), len(env.Okta.Requests())
}

// TestSec27_AuthorizationMatrix walks every route of the route table as each kind of person
// (SECURITY.md 27): anonymous people are sent to sign in (htmx: 401 with HX-Redirect),
// employees get 403 on staff and admin routes, the helpdesk gets 403 on admin routes only,
// admins get through; every denial happens before any Okta call.
func TestSec27_AuthorizationMatrix(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	bob := env.Okta.UserID("bob@example.com")
	anon := env.Client()
	alice := env.SignInAs(t, "alice@example.com")
	hal := env.SignInAs(t, "hal@example.com")
	ada := env.SignInAs(t, "ada@example.com")

	routes := env.App.Server.Routes()
	require.NotEmpty(t, routes)
	var staffRoutes, adminRoutes int
	for _, rt := range routes {
		path := concretePath(rt.Path, bob)
		t.Run(rt.Pattern, func(t *testing.T) {
			if rt.Access == "public" {
				status, _, _, _ := authzRequest(t, env, anon, rt, path, false)
				assert.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "a public route is open")
				return
			}

			status, loc, _, calls := authzRequest(t, env, anon, rt, path, false)
			assert.Equal(t, http.StatusFound, status, "anonymous full page")
			assert.True(t, strings.HasPrefix(loc, "/login?return="), "anonymous is sent to sign in, got %q", loc)
			assert.Zero(t, calls, "no Okta call for anonymous")
			status, _, hx, calls := authzRequest(t, env, anon, rt, path, true)
			assert.Equal(t, http.StatusUnauthorized, status, "anonymous htmx")
			assert.True(t, strings.HasPrefix(hx, "/login?return="), "htmx is told where to sign in, got %q", hx)
			assert.Zero(t, calls)

			switch rt.Access {
			case "user":
				if rt.Method == http.MethodGet {
					status, _, _, _ = authzRequest(t, env, alice, rt, path, false)
					assert.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "an employee uses self-service")
				}
				return
			case "staff":
				staffRoutes++
			case "admin":
				adminRoutes++
			default:
				t.Fatalf("unknown access level %q", rt.Access)
			}

			status, _, _, calls = authzRequest(t, env, alice, rt, path, false)
			assert.Equal(t, http.StatusForbidden, status, "an employee is refused")
			assert.Zero(t, calls, "the refusal makes no Okta call")
			status, _, _, calls = authzRequest(t, env, alice, rt, path, true)
			assert.Equal(t, http.StatusForbidden, status, "an employee is refused (htmx)")
			assert.Zero(t, calls)

			status, _, _, calls = authzRequest(t, env, hal, rt, path, false)
			if rt.Access == "staff" {
				assert.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "the helpdesk may use staff routes")
			} else {
				assert.Equal(t, http.StatusForbidden, status, "the helpdesk is refused admin routes")
				assert.Zero(t, calls, "the refusal makes no Okta call")
			}

			status, _, _, _ = authzRequest(t, env, ada, rt, path, false)
			assert.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "an admin may use every admin route")
		})
	}
	assert.Positive(t, staffRoutes)
	assert.Positive(t, adminRoutes)
	for _, login := range []string{"bob@example.com", "alice@example.com", "hal@example.com", "ada@example.com"} {
		assert.Equal(t, "", statusChange(env, login), "the matrix changed nobody")
	}
}

// statusChange reports a demo person whose status is not the demo org's any more.
func statusChange(env *webtest.Env, login string) string {
	want := map[string]string{"bob@example.com": "LOCKED_OUT", "alice@example.com": "ACTIVE", "hal@example.com": "ACTIVE", "ada@example.com": "ACTIVE"}
	if got := env.Okta.UserStatus(env.Okta.UserID(login)); got != want[login] {
		return login + " is " + got
	}
	return ""
}

// TestActionTableMatchesRoutes holds the route table to the action table: one POST route per
// action, open to the helpdesk exactly when the action is, step-up exactly for the
// destructive ones, and rate limited; and no action route outside the table.
func TestActionTableMatchesRoutes(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	byPattern := map[string]web.RouteInfo{}
	for _, rt := range env.App.Server.Routes() {
		byPattern[rt.Pattern] = rt
	}
	for _, act := range handlers.Actions() {
		t.Run(act.Key, func(t *testing.T) {
			rt, ok := byPattern["POST /admin/users/{id}/"+act.Key]
			require.True(t, ok, "the action has a route")
			wantAccess := "admin"
			if act.Helpdesk {
				wantAccess = "staff"
			}
			assert.Equal(t, wantAccess, rt.Access)
			assert.Equal(t, act.StepUp, rt.StepUp)
			assert.True(t, act.Destructive == rt.StepUp, "destructive actions need a recent sign-in")
			assert.Contains(t, rt.Limits, "admin-actions")
			assert.ElementsMatch(t, act.Roles(), rolesFor(rt.Access))
		})
	}
	// The person page's own sections (issue 19) are not lifecycle actions: they have routes of
	// their own, listed here with the same rules (admins only but for one factor's reset,
	// which is the helpdesk's like "Reset MFA factors" and as destructive).
	sections := []struct {
		pattern, access string
		stepUp          bool
	}{
		{"POST /admin/users/{id}/edit", "admin", false},
		{"POST /admin/users/{id}/groups", "admin", false},
		{"POST /admin/users/{id}/groups/{group}/remove", "admin", false},
		{"POST /admin/users/{id}/factors/{factor}/reset", "staff", true},
		{"POST /admin/users/{id}/resend-activation", "admin", false},
	}
	for _, sec := range sections {
		t.Run(sec.pattern, func(t *testing.T) {
			rt, ok := byPattern[sec.pattern]
			require.True(t, ok, "the section has its route")
			assert.Equal(t, sec.access, rt.Access)
			assert.Equal(t, sec.stepUp, rt.StepUp)
			assert.Contains(t, rt.Limits, "admin-actions")
		})
	}
	for pattern := range byPattern {
		rest, ok := strings.CutPrefix(pattern, "POST /admin/users/{id}/")
		if !ok {
			continue
		}
		_, known := handlers.ActionByKey(rest)
		section := slices.ContainsFunc(sections, func(s struct {
			pattern, access string
			stepUp          bool
		}) bool {
			return s.pattern == pattern
		})
		assert.True(t, known || section, "route %s is not in the action table", pattern)
	}
	_, ok := byPattern["GET /admin/users/{id}/confirm/{action}"]
	assert.True(t, ok, "confirmations have a route")
}

func rolesFor(access string) []string {
	if access == "staff" {
		return []string{handlers.RoleAdmin, handlers.RoleHelpdesk}
	}
	return slices.Clone([]string{handlers.RoleAdmin})
}
