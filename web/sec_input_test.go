package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
	"gatehouse/web/webtest"
)

func TestSec33_OktaDataIsEscaped(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	id := env.Okta.AddUser(oktatest.SeedUser{
		Profile: map[string]any{
			"login": "mallory@example.com", "email": "mallory@example.com",
			"firstName": "<script>alert(1)</script>", "lastName": `" hx-get="/admin/x`,
			"title": `<img src=x onerror=alert(2)>`, "city": "javascript:alert(3)",
		},
		Password: webtest.DemoPassword,
	})
	env.Okta.AddApp(oktatest.SeedApp{Name: "evil", Label: "Evil <b>app</b>", LinkURL: "javascript:alert(4)", LogoURL: "javascript:alert(5)", Users: []string{"mallory@example.com"}})

	check := func(t *testing.T, html string) {
		t.Helper()
		assert.NotContains(t, html, "<script>alert(1)")
		assert.NotContains(t, html, `hx-get="/admin/x`)
		assert.NotContains(t, html, "<img src=x")
		assert.NotContains(t, html, "<b>app</b>")
		assert.NotContains(t, html, `href="javascript:`)
		assert.NotContains(t, html, `src="javascript:`)
	}
	mallory := env.SignInAs(t, "mallory@example.com")
	for _, p := range []string{"/", "/apps", "/profile"} {
		_, doc := env.Page(t, mallory, p)
		html, _ := doc.Html()
		check(t, html)
		if p == "/" {
			assert.Contains(t, doc.Find("[data-testid=profile-name]").Text(), "<script>alert(1)</script>", "shown as text")
		}
		if p == "/apps" {
			assert.Equal(t, "about:invalid#TemplFailedSanitizationURL", doc.Find("[data-testid=app-link]").AttrOr("href", ""))
		}
	}
	ada := env.SignInAs(t, "ada@example.com")
	for _, p := range []string{"/admin/users?q=mallory", "/admin/users/" + id} {
		res, doc := env.Page(t, ada, p)
		require.Equal(t, http.StatusOK, res.StatusCode, p)
		html, _ := doc.Html()
		check(t, html)
	}

	t.Run("no raw HTML or trusted URLs from code", func(t *testing.T) {
		root := repoRoot(t)
		for _, dir := range []string{"views", "handlers", "web"} {
			err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || strings.HasSuffix(p, "_templ.go") || strings.HasSuffix(p, "_test.go") {
					return err
				}
				if !strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".templ") {
					return nil
				}
				b, _ := os.ReadFile(p)
				for _, banned := range []string{"templ.Raw(", "templ.SafeURL(", "templ.SafeClass(", "templ.SafeCSS(", "templ.JSUnsafeFuncCall("} {
					assert.NotContains(t, string(b), banned, "%s uses %s", p, banned)
				}
				return nil
			})
			require.NoError(t, err)
		}
	})
}

func TestSec34_InputBounds(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	ada := env.SignInAs(t, "ada@example.com")
	t.Run("form bodies over 64 KiB are refused", func(t *testing.T) {
		env.Okta.ResetRequests()
		big := url.Values{"current_password": {strings.Repeat("x", 70<<10)}, "new_password": {"y"}, "confirm_password": {"y"}}
		res := env.Do(t, alice, http.MethodPost, "/password", big, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		assert.Zero(t, len(env.Okta.Requests()))
	})
	t.Run("bounds before Okta", func(t *testing.T) {
		// As a person would, alice opens the form first: that reads the password rules Okta
		// applies to her (kept for handlers.PolicyTTL), so the submission needs no Okta call.
		env.Page(t, alice, "/password")
		cases := []struct {
			name   string
			c      *http.Client
			method string
			path   string
			form   url.Values
			status int
		}{
			{"password over 72 characters", alice, "POST", "/password", url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"Aa1" + strings.Repeat("x", 80)}, "confirm_password": {"Aa1" + strings.Repeat("x", 80)}}, 422},
			{"recovery question over 100", alice, "POST", "/recovery-question", url.Values{"question": {strings.Repeat("q", 120)}, "answer": {"Nina Simone"}, "current_password": {webtest.DemoPassword}}, 422},
			{"recovery answer over 100", alice, "POST", "/recovery-question", url.Values{"question": {"What is it?"}, "answer": {strings.Repeat("a", 120)}, "current_password": {webtest.DemoPassword}}, 422},
			{"admin search over 100", ada, "GET", "/admin/users?q=" + strings.Repeat("a", 101), nil, 400},
			{"admin status not a status", ada, "GET", "/admin/users?status=" + url.QueryEscape(`ACTIVE" or status eq "SUSPENDED`), nil, 400},
			{"forgot identifier with a quote", env.Client(), "POST", "/forgot-password", url.Values{"identifier": {`x" or status eq "ACTIVE`}}, 422},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				env.Okta.ResetRequests()
				res := env.Do(t, tt.c, tt.method, tt.path, tt.form, nil)
				res.Body.Close()
				assert.Equal(t, tt.status, res.StatusCode)
				assert.Zero(t, env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/v1") }), "no Okta call")
			})
		}
	})
	t.Run("admin search quotes what was typed, never builds a filter from it", func(t *testing.T) {
		env.Okta.ResetRequests()
		typed := `x" or status eq "ACTIVE`
		res := env.Do(t, ada, http.MethodGet, "/admin/users?q="+url.QueryEscape(typed), nil, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
		searched := 0
		for _, r := range env.Okta.Requests() {
			if r.Path == "/api/v1/users" {
				q, _ := url.ParseQuery(r.RawQuery)
				assert.Empty(t, q.Get("filter"), "no filter from the search box")
				assert.Contains(t, q.Get("search"), `profile.login sw `+client.QuoteSearchValue(typed), "the input stays one quoted value")
				searched++
			}
		}
		assert.Equal(t, 1, searched)
	})
}

func TestSec35_GenericErrorsWithReference(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	id := env.Okta.UserID("alice@example.com")
	env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/" + id + "/groups", Status: http.StatusInternalServerError, ErrorCode: "E0000009"})
	defer env.Okta.ClearFaults()
	res, doc := env.Page(t, alice, "/groups")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	html, _ := doc.Html()
	assert.NotContains(t, html, "E0000009", "no Okta error code")
	assert.NotContains(t, html, "Internal Server Error", "no Okta error text")
	assert.NotContains(t, html, env.Okta.URL(), "no internal URL")
	assert.NotEmpty(t, doc.Find("[data-testid=request-id]").Text(), "a correlation id")
	assert.Equal(t, res.Header.Get("X-Request-Id"), doc.Find("[data-testid=request-id]").Text())
	// Password answers that echo no password, and the uniform forgot-password answer, are in
	// handlers.TestChangePasswordOktaAnswers and handlers.TestForgotPassword.
}
