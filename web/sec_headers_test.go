package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// fill replaces a route pattern's wildcards with real values.
func fill(path string, id string) string {
	path = strings.TrimSuffix(path, "{$}")
	r := strings.NewReplacer("{id}", id, "{action}", "unlock", "{section}", "apps")
	return r.Replace(path)
}

func mutations(t *testing.T, s *web.Server) []web.RouteInfo {
	var out []web.RouteInfo
	for _, ri := range s.Routes() {
		if ri.Method != http.MethodGet {
			out = append(out, ri)
		}
	}
	require.NotEmpty(t, out)
	return out
}

func oktaMutations(env *webtest.Env) int {
	return env.Okta.CountRequests(func(r oktatest.Request) bool {
		return r.Method != http.MethodGet && strings.HasPrefix(r.Path, "/api/v1")
	})
}

func TestSec21_CrossSitePostRejected(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	alice := env.Okta.UserID("alice@example.com")
	attacks := []struct {
		name    string
		headers map[string]string
	}{
		{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"Sec-Fetch-Site same-site", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"no Sec-Fetch-Site, foreign Origin", map[string]string{"Origin": "https://evil.example"}},
	}
	form := url.Values{"confirm": {"yes"}, "reason": {"TICKET-1"}, "scope": {"all"}}
	for _, ri := range mutations(t, env.App.Server) {
		for _, a := range attacks {
			t.Run(ri.Pattern+" "+a.name, func(t *testing.T) {
				env.Okta.ResetRequests()
				res := env.Do(t, webtest.NoRedirects(ada), ri.Method, fill(ri.Path, alice), form, a.headers)
				res.Body.Close()
				assert.Equal(t, http.StatusForbidden, res.StatusCode)
				assert.Zero(t, len(env.Okta.Requests()), "no Okta call for a rejected request")
			})
		}
	}
	t.Run("same-origin htmx POST works", func(t *testing.T) {
		res := env.Do(t, webtest.NoRedirects(ada), http.MethodPost, "/admin/users/"+alice+"/suspend", form,
			map[string]string{"Sec-Fetch-Site": "same-origin", "HX-Request": "true", "Origin": env.URL})
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "SUSPENDED", env.Okta.UserStatus(alice))
	})
}

func TestSec22_NoStateChangeOnGet(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	bob := env.Okta.UserID("bob@example.com")
	env.Okta.ResetRequests()
	for _, ri := range env.App.Server.Routes() {
		if ri.Method != http.MethodGet {
			continue
		}
		res := env.Do(t, webtest.NoRedirects(ada), http.MethodGet, fill(ri.Path, bob), nil, nil)
		res.Body.Close()
	}
	assert.Zero(t, oktaMutations(env), "GET routes made no changing Okta call")
	assert.Equal(t, "LOCKED_OUT", env.Okta.UserStatus(bob))

	// The paths whose GET shows the form or the confirmation that posts to them (the loop
	// above checked that no GET changes anything). The person page's confirmations name a
	// group or a factor of the person: the unfilled placeholder names none.
	forms := map[string]int{
		"/admin/users/new": http.StatusOK, "/password": http.StatusOK, "/recovery-question": http.StatusOK,
		"/forgot-password": http.StatusOK, "/signout-everywhere": http.StatusOK, "/admin/users/{id}/edit": http.StatusOK,
		"/admin/users/{id}/groups/{group}/remove": http.StatusNotFound, "/admin/users/{id}/factors/{factor}/reset": http.StatusNotFound,
	}
	gets := map[string]bool{} // mutations whose path also answers GET with its form or page
	for _, ri := range env.App.Server.Routes() {
		if ri.Method == http.MethodGet {
			gets[ri.Path] = true
		}
	}
	for _, ri := range mutations(t, env.App.Server) {
		res := env.Do(t, webtest.NoRedirects(ada), http.MethodGet, fill(ri.Path, bob), nil, nil)
		res.Body.Close()
		if want, ok := forms[ri.Path]; ok {
			assert.Equal(t, want, res.StatusCode, "GET %s shows the form", ri.Path)
			continue
		}
		if gets[ri.Path] {
			assert.NotEqual(t, http.StatusMethodNotAllowed, res.StatusCode, "GET %s is its form (or its page)", ri.Path)
			continue
		}
		assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, "GET on %s", ri.Pattern)
	}
}

func TestSec23_ToolchainAndCSRFLibrary(t *testing.T) {
	t.Parallel()
	m := regexp.MustCompile(`^go1\.(\d+)(?:\.(\d+))?`).FindStringSubmatch(runtime.Version())
	require.NotNil(t, m, runtime.Version())
	minor, _ := strconv.Atoi(m[1])
	patch, _ := strconv.Atoi(m[2])
	assert.True(t, minor > 25 || (minor == 25 && patch >= 1), "Go ≥ 1.25.1 (CVE-2025-47910), got %s", runtime.Version())
	root := repoRoot(t)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	assert.NotContains(t, string(mod), "gorilla/csrf")
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, _ := os.ReadFile(p)
		assert.NotContains(t, string(b), "AddInsecureBypassPattern", "%s: no cross-origin bypass patterns", p)
		return nil
	})
	require.NoError(t, err)
}

func assertSecurityHeaders(t *testing.T, res *http.Response, body string) {
	t.Helper()
	h := res.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'nonce-", "'strict-dynamic'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		assert.Contains(t, csp, want)
	}
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotContains(t, csp, "unsafe-eval")
	assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	assert.Contains(t, []string{"strict-origin-when-cross-origin", "no-referrer"}, h.Get("Referrer-Policy"))
	assert.Equal(t, "same-origin", h.Get("Cross-Origin-Opener-Policy"))
	assert.Equal(t, "no-store", h.Get("Cache-Control"))
	if strings.Contains(h.Get("Content-Type"), "text/html") {
		assert.Contains(t, h.Values("Vary"), "HX-Request")
	}
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
	require.NotNil(t, nonce)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	require.NoError(t, err)
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		assert.Equal(t, nonce[1], s.AttrOr("nonce", ""), "every script carries the response's nonce")
	})
	assert.Zero(t, doc.Find("[style]").Length(), "no inline style attributes (strict CSP)")
	assert.NotContains(t, body, "<style", "no inline style elements")
}

func TestSec24_SecurityHeadersEverywhere(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	nonces := map[string]bool{}
	cases := []struct {
		name    string
		c       *http.Client
		method  string
		path    string
		headers map[string]string
		status  int
	}{
		{"landing", env.Client(), "GET", "/", nil, 200},
		{"dashboard", alice, "GET", "/", nil, 200},
		{"htmx fragment", alice, "GET", "/apps?q=s", webtest.HTMX("app-results"), 200},
		{"403", alice, "GET", "/admin/users", nil, 403},
		{"404", alice, "GET", "/no/such/page", nil, 404},
		{"405", alice, "GET", "/logout", nil, 405},
		{"422 form", alice, "POST", "/recovery-question", nil, 422},
		{"sign-in error", env.Client(), "GET", "/auth/error?reason=state", nil, 400},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var form url.Values
			if tt.method == "POST" {
				form = url.Values{}
			}
			res := env.Do(t, webtest.NoRedirects(tt.c), tt.method, tt.path, form, tt.headers)
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			assert.Equal(t, tt.status, res.StatusCode)
			assertSecurityHeaders(t, res, string(b))
			n := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(res.Header.Get("Content-Security-Policy"))[1]
			assert.False(t, nonces[n], "each response has its own nonce")
			nonces[n] = true
		})
	}
	t.Run("500 from a panic", func(t *testing.T) {
		// A server with no self-service area panics on "/", like any handler bug would.
		srv := web.NewServer(web.Options{Logger: slog.New(slog.DiscardHandler), Now: time.Now})
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		res := rec.Result()
		assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
		assertSecurityHeaders(t, res, rec.Body.String())
		assert.Contains(t, rec.Body.String(), res.Header.Get("X-Request-Id"), "the page shows the request id")
		assert.NotContains(t, rec.Body.String(), "goroutine", "no stack trace")
		// The process keeps serving.
		rec = httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		assert.Equal(t, http.StatusOK, rec.Code)
	})
}

func TestSec25_HTMXLockedDown(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	_, doc := env.Page(t, env.Client(), "/")
	raw, ok := doc.Find(`meta[name="htmx-config"]`).Attr("content")
	require.True(t, ok)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &cfg))
	assert.Equal(t, true, cfg["selfRequestsOnly"])
	assert.Equal(t, false, cfg["allowScriptTags"])
	assert.Equal(t, false, cfg["allowEval"])
	assert.Equal(t, false, cfg["includeIndicatorStyles"])
	assert.Equal(t, float64(0), cfg["historyCacheSize"])
	assert.Equal(t, "false", doc.Find("body").AttrOr("hx-history", ""), "no page HTML in localStorage")
	// The browser part of 25 (no CSP violations, no console errors, login/logout under the
	// CSP) runs in e2e.
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		require.NotEqual(t, dir, filepath.Dir(dir), "go.mod not found")
	}
}

var _ = context.Background
