package handlers_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// uniq is a short random tag that keeps test logins apart.
func uniq() string { return strings.ToLower(rand.Text()[:10]) }

// adminTestUser adds a person in status, with the demo password and a recovery question (so
// credential preconditions hold), and returns their id.
func adminTestUser(t *testing.T, okta *oktatest.Server, status string, groups ...string) string {
	t.Helper()
	id, _ := adminTestPerson(t, okta, status, groups...)
	return id
}

// adminTestPerson is adminTestUser returning the login too.
func adminTestPerson(t *testing.T, okta *oktatest.Server, status string, groups ...string) (id, login string) {
	t.Helper()
	tag := uniq()
	first := "Tess" + tag[:4]
	login = "tess." + tag + "@example.com"
	id = okta.AddUser(oktatest.SeedUser{
		Status: status,
		Profile: map[string]any{"login": login, "email": login, "firstName": first, "lastName": "Tester",
			"displayName": first + " Tester"},
		Password:         webtest.DemoPassword,
		RecoveryQuestion: "What was the name of your first pet?",
		RecoveryAnswer:   "Biscuit",
		Groups:           groups,
	})
	return id, login
}

// adminTestUserWithoutPassword adds a person in status with no password (never activated, or
// deactivated before choosing one).
func adminTestUserWithoutPassword(t *testing.T, okta *oktatest.Server, status string) string {
	t.Helper()
	tag := uniq()
	login := "nopw." + tag + "@example.com"
	return okta.AddUser(oktatest.SeedUser{
		Status:  status,
		Profile: map[string]any{"login": login, "email": login, "firstName": "Nopw" + tag[:4], "lastName": "Tester"},
	})
}

// adminSignIn adds a fresh admin (or helpdesk) and signs them in: each test actor has its own
// per-person rate limit for admin actions.
func adminSignIn(t *testing.T, env *webtest.Env, group string) (*http.Client, string) {
	t.Helper()
	tag := uniq()
	login := "staff." + tag + "@example.com"
	id := env.Okta.AddUser(oktatest.SeedUser{
		Profile:  map[string]any{"login": login, "email": login, "firstName": "Staff", "lastName": "Member " + tag},
		Password: webtest.DemoPassword,
		Groups:   []string{group},
	})
	return env.SignIn(t, login, webtest.DemoPassword), id
}

// mutations counts the Okta calls that could change something (anything but GET) about id,
// or about anyone when id is "".
func mutations(env *webtest.Env, id string) int {
	return env.Okta.CountRequests(func(r oktatest.Request) bool {
		return r.Method != http.MethodGet && strings.HasPrefix(r.Path, "/api/v1/users") && (id == "" || strings.Contains(r.Path, id))
	})
}

// oktaAPICalls counts every Okta API call recorded since the last ResetRequests.
func oktaAPICalls(env *webtest.Env) int {
	return env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/v1/") })
}

// post sends a form with c; headers may make it an htmx request.
func post(t *testing.T, env *webtest.Env, c *http.Client, path string, form url.Values, headers map[string]string) (*http.Response, string) {
	t.Helper()
	res := env.Do(t, webtest.NoRedirects(c), http.MethodPost, path, form, headers)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// get fetches path with c without following redirects.
func get(t *testing.T, env *webtest.Env, c *http.Client, path string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	res := env.Do(t, webtest.NoRedirects(c), http.MethodGet, path, nil, headers)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

func parseHTML(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	require.NoError(t, err)
	return doc
}

// auditFor returns the audit entries about target, newest first.
func auditFor(t *testing.T, env *webtest.Env, target string) []audit.Entry {
	t.Helper()
	entries, err := env.App.Audit.Recent(t.Context(), audit.Filter{Target: target, Limit: 100})
	require.NoError(t, err)
	return entries
}

func personPath(id string) string { return "/admin/users/" + id }

// statusOf is the status the error adaptor would answer for a handler's error (0 for none).
func statusOf(err error) int {
	if err == nil {
		return 0
	}
	return handlers.Classify(err).Status
}

// isMutation matches the Okta calls that could change something about a person.
func isMutation(r oktatest.Request) bool {
	return r.Method != http.MethodGet && strings.HasPrefix(r.Path, "/api/v1/users")
}

// postRedirected posts a state-changing form, requires that it answers with a redirect
// (post/redirect/get), and fetches the page it redirects to: its location, response and body.
func postRedirected(t *testing.T, env *webtest.Env, c *http.Client, path string, form url.Values) (string, *http.Response, string) {
	t.Helper()
	res, body := post(t, env, c, path, form, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "a state-changing form answers with a redirect: %s", body)
	loc := res.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/"), "a redirect within Gatehouse: %q", loc)
	res, body = get(t, env, c, loc, nil)
	return loc, res, body
}
