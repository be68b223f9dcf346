package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/webtest"
)

// TestAdminActionKeepsThePageCurrent (issue 17, defect 2): the htmx answer to a dialog action
// carries, besides the panel, the key dates and the recent admin actions out of band, so
// "Status changed" and the audit list are current without a reload.
func TestAdminActionKeepsThePageCurrent(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	tests := []struct {
		name, status, action string
	}{
		{name: "unlock", status: oktatest.StatusLockedOut, action: "unlock"},
		{name: "suspend", status: oktatest.StatusActive, action: "suspend"},
		{name: "unsuspend", status: oktatest.StatusSuspended, action: "unsuspend"},
		{name: "clear sessions", status: oktatest.StatusActive, action: "clear-sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := adminTestUser(t, env.Okta, tt.status)
			res, body := post(t, env, ada, personPath(id)+"/"+tt.action, actionForm(tt.action), webtest.HTMX(views.UserPanelID))
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			doc := parseHTML(t, body)
			dates := doc.Find(`#person-dates[hx-swap-oob="true"]`)
			require.Equal(t, 1, dates.Length(), "the key dates are swapped out of band")
			assert.Contains(t, fact(dates, "Status changed"), "just now", "the new status change is shown")
			trail := doc.Find(`#person-audit[hx-swap-oob="true"]`)
			require.Equal(t, 1, trail.Length(), "the recent admin actions are swapped out of band")
			assert.Equal(t, tt.action, trail.Find("[data-testid=audit-row]").First().AttrOr("data-action", ""), "this action is listed first")
		})
	}
}

// fact is the value of the labelled fact in a <dl class="facts">.
func fact(s *goquery.Selection, label string) string {
	var v string
	s.Find("dt").Each(func(_ int, dt *goquery.Selection) {
		if dt.Text() == label {
			v = dt.Next().Text()
		}
	})
	return v
}

// TestAdminActivateWords (issue 17, defect 6): the words after activating follow the status
// Okta reports, and an activation link is shown only when the person needs one.
func TestAdminActivateWords(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	tests := []struct {
		name       string
		password   bool
		wantStatus string
		wantWords  string
		wantLink   bool
	}{
		{name: "a deactivated person who kept their password is active at once, no link", password: true, wantStatus: oktatest.StatusActive, wantWords: "can sign in with their existing password; no activation link is needed"},
		{name: "a deactivated person without a password waits for the link", wantStatus: oktatest.StatusProvisioned, wantWords: "waits for them to choose a password with the activation link", wantLink: true},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{true, false} {
			t.Run(tt.name+map[bool]string{true: " (htmx)", false: " (no JavaScript)"}[htmx], func(t *testing.T) {
				id := adminTestUserWithoutPassword(t, env.Okta, oktatest.StatusDeprovisioned)
				if tt.password {
					id = adminTestUser(t, env.Okta, oktatest.StatusDeprovisioned)
				}
				form := url.Values{"confirm": {"yes"}, "delivery": {"link"}}
				var body string
				if htmx {
					_, body = post(t, env, ada, personPath(id)+"/activate", form, webtest.HTMX(views.UserPanelID))
				} else {
					_, _, body = postRedirected(t, env, ada, personPath(id)+"/activate", form)
				}
				doc := parseHTML(t, body)
				assert.Equal(t, tt.wantStatus, env.Okta.UserStatus(id))
				text := doc.Find("[data-testid=alert-success]").Text()
				assert.Contains(t, text, tt.wantWords)
				assert.Equal(t, tt.wantLink, doc.Find("[data-testid=secret]").Length() == 1, "a link only when it is needed")
			})
		}
	}
}
