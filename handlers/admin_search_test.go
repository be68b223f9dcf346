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
	"gatehouse/web/webtest"
)

// resultLogins lists the usernames in a results table.
func resultLogins(doc *goquery.Document) []string {
	var out []string
	doc.Find("[data-testid=user-row] [data-testid=user-login]").Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.Text())
	})
	return out
}

func TestAdminFindPeople(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	hal := env.SignInAs(t, "hal@example.com")
	// A username that is neither the email nor the name: Okta's q= would never find it.
	env.Okta.AddUser(oktatest.SeedUser{Status: oktatest.StatusActive, Password: webtest.DemoPassword, Profile: map[string]any{
		"login": "jd4711@corp.example.com", "email": "jane.doe@example.com", "firstName": "Jane", "lastName": "Doe"}})

	tests := []struct {
		name      string
		query     string
		want      []string // logins that must be listed
		wantNot   []string
		wantEmpty string // empty-state title
		wantPaged bool
	}{
		{name: "a username prefix finds the person", query: "q=jd47", want: []string{"jd4711@corp.example.com"}},
		{name: "the prefix is matched without case", query: "q=JD47", want: []string{"jd4711@corp.example.com"}},
		{name: "first and last name together", query: "q=" + url.QueryEscape("ada love"), want: []string{"ada@example.com"}, wantNot: []string{"alice@example.com"}},
		{name: "deactivated people are found by name too", query: "q=frank", want: []string{"frank@example.com"}},
		{name: "a quote cannot change the expression", query: "q=" + url.QueryEscape(`ali" or status eq "ACTIVE`), wantEmpty: "No one matches"},
		{name: "status filter finds bob locked out", query: "status=LOCKED_OUT", want: []string{"bob@example.com"}, wantNot: []string{"alice@example.com"}},
		{name: "name search finds alice", query: "q=ali", want: []string{"alice@example.com"}, wantNot: []string{"bob@example.com"}},
		{name: "search and status together", query: "q=bob&status=LOCKED_OUT", want: []string{"bob@example.com"}},
		{name: "search with a status nobody matching has", query: "q=alice&status=SUSPENDED", wantEmpty: "No one matches “alice” with the status suspended"},
		{name: "deactivated people through the status filter", query: "status=DEPROVISIONED", want: []string{"frank@example.com"}},
		{name: "no match", query: "q=zzzzqqq", wantEmpty: "No one matches “zzzzqqq”"},
		{name: "a broad search is paged", query: "q=a", wantPaged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, env, hal, "/admin/users?"+tt.query, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			doc := parseHTML(t, body)
			logins := resultLogins(doc)
			for _, l := range tt.want {
				assert.Contains(t, logins, l)
			}
			for _, l := range tt.wantNot {
				assert.NotContains(t, logins, l)
			}
			if tt.wantEmpty != "" {
				assert.Empty(t, logins)
				assert.Contains(t, doc.Find("[data-testid=empty-state]").Text(), tt.wantEmpty)
			} else {
				assert.NotEmpty(t, doc.Find("[data-testid=user-count]").Text(), "a count line")
			}
			if tt.wantPaged {
				assert.Len(t, logins, 25)
				next, err := url.Parse(doc.Find("[data-testid=page-next]").AttrOr("href", ""))
				require.NoError(t, err)
				assert.Equal(t, "a", next.Query().Get("q"), "the search travels with the cursor")
				assert.NotEmpty(t, next.Query().Get("after"))
			} else {
				assert.Zero(t, doc.Find("[data-testid=page-next]").Length())
			}
		})
	}

	t.Run("rows link to the person, carry a checkbox and a status badge", func(t *testing.T) {
		_, body := get(t, env, hal, "/admin/users?status=LOCKED_OUT", nil)
		doc := parseHTML(t, body)
		bob := env.Okta.UserID("bob@example.com")
		row := doc.Find("[data-testid=user-row][data-user-id=\"" + bob + "\"]")
		require.Equal(t, 1, row.Length())
		assert.Equal(t, "/admin/users/"+bob, row.Find("a[data-testid=user-link]").AttrOr("href", ""))
		assert.Equal(t, "Bob Brown", row.Find("a[data-testid=user-link]").Text())
		assert.Equal(t, bob, row.Find("input[type=checkbox][name=id]").AttrOr("value", ""))
		assert.Equal(t, "Locked out", row.Find("[data-testid=status-badge]").Text())
		assert.Equal(t, 5, doc.Find("table[data-testid=users-table] th[scope=col]").Length())
		assert.Equal(t, 1, doc.Find("select[name=status] option[value=LOCKED_OUT][selected]").Length(), "the filter shows its choice")
		assert.Equal(t, 9, doc.Find("select[name=status] option").Length(), "any status plus the eight")
		var bulk []string
		doc.Find("[data-testid=bulk-action] option").Each(func(_ int, s *goquery.Selection) { bulk = append(bulk, s.AttrOr("value", "")) })
		assert.ElementsMatch(t, []string{"unlock", "reset-password", "clear-sessions"}, bulk, "helpdesk bulk actions only")
	})

	t.Run("active search answers htmx with the results region only", func(t *testing.T) {
		res, body := get(t, env, hal, "/admin/users?q=ali", webtest.HTMX(views.UserResultsID))
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.NotContains(t, body, "<html")
		doc := parseHTML(t, body)
		assert.Equal(t, 1, doc.Find("#"+views.UserResultsID).Length())
		assert.Contains(t, resultLogins(doc), "alice@example.com")
	})

	t.Run("the search box is an active search and a plain GET form", func(t *testing.T) {
		_, body := get(t, env, hal, "/admin/users", nil)
		doc := parseHTML(t, body)
		form := doc.Find("form[data-testid=user-search-form]")
		assert.Equal(t, "get", form.AttrOr("method", ""))
		assert.Equal(t, "/admin/users", form.AttrOr("action", ""))
		q := form.Find("input[name=q]")
		assert.Equal(t, "input changed delay:250ms, search", q.AttrOr("hx-trigger", ""))
		assert.Equal(t, "#"+views.UserResultsID, q.AttrOr("hx-target", ""))
		assert.Equal(t, "true", q.AttrOr("hx-replace-url", ""))
		assert.Equal(t, 1, form.Find("label[for=q]").Length())
		assert.Equal(t, 1, form.Find("label[for=status]").Length())
		assert.Equal(t, 1, doc.Find("[data-testid=subnav-audit]").Length())
	})
}

func TestAdminFindPeoplePaging(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")

	page := func(path string) (*goquery.Document, []string) {
		t.Helper()
		res, body := get(t, env, ada, path, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		doc := parseHTML(t, body)
		return doc, resultLogins(doc)
	}
	first, firstRows := page("/admin/users?status=ACTIVE")
	require.Len(t, firstRows, 25)
	assert.Zero(t, first.Find("[data-testid=page-prev]").Length(), "no Previous on the first page")
	next := first.Find("[data-testid=page-next]").AttrOr("href", "")
	require.NotEmpty(t, next)

	second, secondRows := page(next)
	require.Len(t, secondRows, 25)
	assert.NotEqual(t, firstRows, secondRows)
	assert.Contains(t, second.Find("[data-testid=user-count]").Text(), "page 2")
	third, thirdRows := page(second.Find("[data-testid=page-next]").AttrOr("href", ""))
	assert.NotEqual(t, secondRows, thirdRows)
	assert.Contains(t, third.Find("[data-testid=user-count]").Text(), "page 3")

	back, backRows := page(third.Find("[data-testid=page-prev]").AttrOr("href", ""))
	assert.Equal(t, secondRows, backRows, "Previous returns to page 2")
	_, firstAgain := page(back.Find("[data-testid=page-prev]").AttrOr("href", ""))
	assert.Equal(t, firstRows, firstAgain, "and then to the first page")

	u, err := url.Parse(third.Find("[data-testid=page-next]").AttrOr("href", ""))
	require.NoError(t, err)
	assert.Equal(t, "ACTIVE", u.Query().Get("status"), "the filter travels with the cursor")
	assert.Len(t, u.Query()["prev"], 3, "the trail of earlier pages")
	assert.Equal(t, "#"+views.UserResultsID, third.Find("[data-testid=page-next]").AttrOr("hx-target", ""))

	// A typed search pages the same way (Okta's search= with its cursor).
	sFirst, sFirstRows := page("/admin/users?q=a")
	require.Len(t, sFirstRows, 25)
	_, sSecondRows := page(sFirst.Find("[data-testid=page-next]").AttrOr("href", ""))
	require.NotEmpty(t, sSecondRows)
	for _, l := range sSecondRows {
		assert.NotContains(t, sFirstRows, l, "page 2 of a search repeats nobody from page 1")
	}
}

// TestAdminFindPeopleRejectsJunk is handler-level: a query that cannot be a search is a 400
// before any Okta call.
func TestAdminFindPeopleRejectsJunk(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	tests := []struct {
		name, query string
	}{
		{name: "unknown status", query: "status=SLEEPING"},
		{name: "filter injection in status", query: "status=" + url.QueryEscape(`ACTIVE" or status eq "SUSPENDED`)},
		{name: "overlong search", query: "q=" + strings.Repeat("a", 101)},
		{name: "control characters", query: "q=" + url.QueryEscape("ali\nce")},
		{name: "broken cursor", query: "after=" + url.QueryEscape(`00u"x`)},
		{name: "broken trail", query: "after=00uAAAAAAAAAAAAAAAAA&prev=" + url.QueryEscape("a b")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.As(t, webtest.Request(http.MethodGet, "/admin/users?"+tt.query, nil, nil), "ada@example.com")
			h.Okta.ResetRequests()
			w, err := webtest.Call(h.App.Admin.ListUsers, r)
			assert.Equal(t, http.StatusBadRequest, statusOf(err))
			assert.Zero(t, w.Body.Len(), "a failing handler writes nothing")
			assert.Zero(t, h.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/v1/") }), "refused before any Okta call")
		})
	}
}

// TestAdminFindPeopleWhenOktaFails is handler-level: a failed search is shown in place, with a
// retry, and the search box stays usable.
func TestAdminFindPeopleWhenOktaFails(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	r := h.As(t, webtest.Request(http.MethodGet, "/admin/users?q=ali", nil, nil), "ada@example.com")
	h.Okta.Inject(oktatest.Fault{Method: http.MethodGet, Path: "/api/v1/users", Status: http.StatusInternalServerError})
	t.Cleanup(h.Okta.ClearFaults)
	w, err := webtest.Call(h.App.Admin.ListUsers, r)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	doc := parseHTML(t, w.Body.String())
	assert.NotEmpty(t, doc.Find("#"+views.UserResultsID+" [data-testid=alert-error]").Text(), "the error is shown in place")
	assert.Equal(t, "/admin/users?q=ali", doc.Find("[data-testid=retry]").AttrOr("href", ""))
	assert.Equal(t, 1, doc.Find("form[data-testid=user-search-form]").Length(), "the search box stays usable")
}

// TestAdminFindPeopleBadCursor (issue 17, defect 3): a cursor Okta refuses (400 E0000029
// "Invalid paging request": an old or altered link) starts the list over with a note instead
// of failing, filter kept.
func TestAdminFindPeopleBadCursor(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	tests := []struct {
		name, query, wantStatus string
	}{
		{name: "garbage", query: "after=garbage"},
		{name: "garbage with a status and a trail", query: "status=ACTIVE&after=garbage&prev=&prev=00uAAAAAAAAAAAAAAAAA", wantStatus: "ACTIVE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.As(t, webtest.Request(http.MethodGet, "/admin/users?"+tt.query, nil, nil), "ada@example.com")
			w, err := webtest.Call(h.App.Admin.ListUsers, r)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, w.Code)
			doc := parseHTML(t, w.Body.String())
			assert.Contains(t, doc.Find("[data-testid=results-notice]").Text(), "starts again from the first page")
			assert.NotEmpty(t, doc.Find("[data-testid=user-row]").Nodes, "the first page is listed")
			assert.Empty(t, doc.Find("[data-testid=page-prev]").Nodes, "no way back to a page that does not exist")
			for _, row := range doc.Find("[data-testid=user-row] [data-testid=status-badge]").EachIter() {
				if tt.wantStatus != "" {
					assert.Equal(t, tt.wantStatus, row.AttrOr("data-status", ""), "the filter is kept")
				}
			}
		})
	}
}
