package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// selfServicePages visits every self-service page as alice and checks what it shows. It runs
// in TestJourneysByCredential, in every credential mode.
func selfServicePages(t *testing.T, env *webtest.Env) {
	alice := env.SignInAs(t, "alice@example.com")

	tests := []struct {
		name    string
		path    string
		headers map[string]string
		check   func(t *testing.T, doc *goquery.Document)
		// fragment: the response must be a fragment, not a whole page.
		fragment bool
	}{
		{name: "dashboard", path: "/", check: func(t *testing.T, doc *goquery.Document) {
			assert.Equal(t, "Alice Anderson", strings.TrimSpace(doc.Find("[data-testid=profile-name]").Text()))
			assert.Equal(t, 5, doc.Find("[data-testid=apps-card] [data-testid=app-tile]").Length(), "five visible apps; the hidden Legacy VPN is left out")
			assert.NotContains(t, doc.Find("[data-testid=apps-card]").Text(), "Legacy VPN")
			assert.Contains(t, doc.Find("[data-testid=group-list]").Text(), "Everyone")
			assert.Contains(t, doc.Find("[data-testid=group-list]").Text(), "Engineering")
			assert.Equal(t, "ACTIVE", doc.Find("[data-testid=profile-card] [data-testid=status-badge]").AttrOr("data-status", ""))
		}},
		{name: "apps, ordered by sortOrder then label", path: "/apps", check: func(t *testing.T, doc *goquery.Document) {
			var labels []string
			doc.Find("[data-testid=app-label]").Each(func(_ int, s *goquery.Selection) { labels = append(labels, s.Text()) })
			assert.Equal(t, []string{"Slack", "GitHub", "Google Workspace", "Zoom", "Jira"}, labels)
			assert.Equal(t, 1, doc.Find("[data-testid=needs-setup]").Length(), "one app still needs credentials set up")
			assert.Equal(t, "5 apps", strings.TrimSpace(doc.Find("[data-testid=app-count]").Text()))
		}},
		{name: "apps search", path: "/apps?q=goo", check: func(t *testing.T, doc *goquery.Document) {
			assert.Equal(t, 1, doc.Find("[data-testid=app-tile]").Length())
			assert.Equal(t, "Google Workspace", doc.Find("[data-testid=app-label]").Text())
			assert.Equal(t, "goo", doc.Find("input[name=q]").AttrOr("value", ""), "the search box keeps the query")
		}},
		{name: "apps active search is a fragment", path: "/apps?q=sla", headers: webtest.HTMX(views.AppResultsID), fragment: true, check: func(t *testing.T, doc *goquery.Document) {
			assert.Equal(t, 1, doc.Find("#"+views.AppResultsID).Length())
			assert.Equal(t, "Slack", doc.Find("[data-testid=app-label]").Text())
		}},
		{name: "apps search without a match", path: "/apps?q=zzz", check: func(t *testing.T, doc *goquery.Document) {
			assert.Contains(t, doc.Find("[data-testid=empty-state]").Text(), "No apps match")
		}},
		{name: "groups", path: "/groups", check: func(t *testing.T, doc *goquery.Document) {
			rows := doc.Find("[data-testid=group-row]")
			assert.Equal(t, 2, rows.Length())
			assert.Contains(t, rows.First().Text(), "Everyone")
			assert.Contains(t, rows.First().Text(), "Built-in")
			assert.Contains(t, rows.Last().Text(), "Okta group")
		}},
		{name: "profile", path: "/profile", check: func(t *testing.T, doc *goquery.Document) {
			fields := doc.Find("[data-testid=profile-fields]").Text()
			assert.Contains(t, fields, "Job title")
			assert.Contains(t, fields, "Senior Software Engineer")
			assert.Contains(t, fields, "Username")
			assert.NotEmpty(t, strings.TrimSpace(doc.Find("[data-testid=password-changed]").Text()))
		}},
		{name: "password rules before typing", path: "/password", check: func(t *testing.T, doc *goquery.Document) {
			// Okta's default policy, alice's: length, lower, upper, number, username, the
			// history note, and the confirmation.
			rules := doc.Find("[data-testid=password-rules] li")
			assert.Equal(t, 7, rules.Length())
			assert.Equal(t, 1, doc.Find("[data-testid=rule-note]").Length())
			assert.Equal(t, 0, doc.Find("[data-met=true]").Length(), "nothing is ticked before typing")
			assert.Equal(t, 3, doc.Find("input[type=password]").Length())
			doc.Find("input[type=password]").Each(func(_ int, s *goquery.Selection) {
				_, has := s.Attr("value")
				assert.False(t, has, "password inputs never carry a value")
			})
		}},
		{name: "recovery question shows the question, never the answer", path: "/recovery-question", check: func(t *testing.T, doc *goquery.Document) {
			assert.Contains(t, doc.Find("[data-testid=current-question]").Text(), "What was the name of your first pet?")
			html, _ := doc.Html()
			assert.NotContains(t, html, "Biscuit")
		}},
		{name: "dashboard section retry", path: "/dashboard/apps", headers: webtest.HTMX(views.AppsCardID), fragment: true, check: func(t *testing.T, doc *goquery.Document) {
			assert.Equal(t, 5, doc.Find("[data-testid=app-tile]").Length())
		}},
		{name: "sign out everywhere asks first", path: "/signout-everywhere", check: func(t *testing.T, doc *goquery.Document) {
			assert.Equal(t, 1, doc.Find("[data-testid=confirm-signout-everywhere]").Length())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Do(t, alice, http.MethodGet, tt.path, nil, tt.headers)
			doc := webtest.Parse(t, res)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			assert.Contains(t, res.Header.Values("Vary"), "HX-Request")
			if tt.fragment {
				assert.Equal(t, 0, doc.Find("header.site-header").Length(), "an htmx fragment has no layout")
			} else {
				assert.Equal(t, 1, doc.Find("header.site-header").Length(), "a full page has the layout")
			}
			tt.check(t, doc)
		})
	}
}

func TestSelfServiceSignedOut(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	c := webtest.NoRedirects(env.Client())
	for _, path := range []string{"/apps", "/groups", "/profile", "/password", "/recovery-question", "/signout-everywhere", "/dashboard/apps"} {
		t.Run(path, func(t *testing.T) {
			res := env.Do(t, c, http.MethodGet, path, nil, nil)
			res.Body.Close()
			assert.Equal(t, http.StatusFound, res.StatusCode)
			assert.Equal(t, "/login?return="+url.QueryEscape(path), res.Header.Get("Location"))

			res = env.Do(t, c, http.MethodGet, path, nil, webtest.HTMX("x"))
			res.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "htmx gets a 401")
			assert.True(t, strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login"))
		})
	}
}

// TestDashboardSectionsFailAlone is handler-level: one failing Okta read does not take the page
// down: the failed section says so in place, with a retry.
func TestDashboardSectionsFailAlone(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	r := h.As(t, webtest.Request(http.MethodGet, "/", nil, nil), "alice@example.com")
	id := h.Okta.UserID("alice@example.com")
	h.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/" + id + "/appLinks", Status: http.StatusInternalServerError})
	defer h.Okta.ClearFaults()

	w, err := webtest.Call(h.App.Self.Home, r)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, w.Code)
	doc := parseHTML(t, w.Body.String())
	assert.Equal(t, "Alice Anderson", strings.TrimSpace(doc.Find("[data-testid=profile-name]").Text()), "the profile still renders")
	assert.Contains(t, doc.Find("[data-testid=group-list]").Text(), "Engineering", "the groups still render")
	failed := doc.Find("[data-testid=apps-card] [data-testid=section-failed]")
	require.Equal(t, 1, failed.Length(), "the apps section reports its failure in place")
	assert.Contains(t, failed.Text(), "could not be loaded")
	retry := failed.Find("[data-testid=retry]")
	assert.Equal(t, "/dashboard/apps", retry.AttrOr("hx-get", ""))

	h.Okta.ClearFaults()
	r = h.As(t, webtest.Request(http.MethodGet, "/dashboard/apps", nil, webtest.HTMX(views.AppsCardID), "section", "apps"), "alice@example.com")
	w, err = webtest.Call(h.App.Self.DashboardSection, r)
	require.NoError(t, err)
	assert.Equal(t, 5, parseHTML(t, w.Body.String()).Find("[data-testid=app-tile]").Length(), "the retry loads the section")
}

// TestAppLinksAreSanitised is handler-level: a javascript: link from Okta never becomes a live
// link, and names with markup are text.
func TestAppLinksAreSanitised(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	h.Okta.AddApp(oktatest.SeedApp{Name: "evil", Label: `<img src=x onerror=alert(1)>Evil`, LinkURL: "javascript:alert(1)", LogoURL: "javascript:alert(2)", Users: []string{"alice@example.com"}})
	r := h.As(t, webtest.Request(http.MethodGet, "/apps?q=evil", nil, nil), "alice@example.com")
	w, err := webtest.Call(h.App.Self.Apps, r)
	require.NoError(t, err)
	body := parseHTML(t, w.Body.String())
	html, _ := body.Html()
	assert.NotContains(t, html, "javascript:")
	assert.NotContains(t, html, "<img src=x")
	link := body.Find("[data-testid=app-link]")
	require.Equal(t, 1, link.Length())
	assert.Equal(t, "about:invalid#TemplFailedSanitizationURL", link.AttrOr("href", ""))
}

// TestDelegatedMode is handler-level: with GATEHOUSE_SELF_SERVICE=delegated every self-service
// read uses the person's own token (from the session layer) on /users/me/…, and the pages look
// the same.
func TestDelegatedMode(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{Configure: func(c *web.Config) { c.Delegated = true }})
	r := h.As(t, webtest.Request(http.MethodGet, "/", nil, nil), "alice@example.com")
	h.Okta.ResetRequests()
	w, err := webtest.Call(h.App.Self.Home, r)
	require.NoError(t, err)
	doc := parseHTML(t, w.Body.String())
	assert.Equal(t, 0, doc.Find("[data-testid=section-failed]").Length(), "every section loads")
	assert.Equal(t, 5, doc.Find("[data-testid=app-tile]").Length())
	assert.Contains(t, doc.Find("[data-testid=group-list]").Text(), "Engineering")
	for _, req := range h.Okta.Requests() {
		if strings.HasPrefix(req.Path, "/api/v1/users") {
			assert.Equal(t, "Bearer", req.Auth, "%s uses the person's token", req.Path)
			assert.True(t, strings.HasPrefix(req.Path, "/api/v1/users/me"), "%s uses the me path", req.Path)
		}
	}
}
