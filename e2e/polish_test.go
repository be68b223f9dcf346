package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// The journeys of issue 17: what a person still tripped over after axe found nothing.

// reload reloads the page as the browser's reload button does (a GET of the current URL: after
// post/redirect/get, never the POST again) and waits for it.
func (b *browser) reload() {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.RunResponse(sctx, chromedp.Reload())
	require.NoError(b.t, err, "reload")
	b.do(chromedp.WaitReady(chromedp.CSS("body")))
	b.check()
}

// auditCount is how many audit entries name target.
func auditCount(t *testing.T, env *webtest.Env, target string) int {
	t.Helper()
	entries, err := env.App.Audit.Recent(t.Context(), audit.Filter{Target: target, Limit: 100})
	require.NoError(t, err)
	return len(entries)
}

// oktaChanges counts the state-changing Okta calls made since the last ResetRequests.
func oktaChanges(env *webtest.Env) int {
	return env.Okta.CountRequests(func(r oktatest.Request) bool {
		return r.Method != "GET" && strings.HasPrefix(r.Path, "/api/v1/users")
	})
}

// TestBrowserReloadRepeatsNothing (defect 1): after a bulk action and after adding a person, a
// reload of the result shows no action again — same audit entries, no Okta call — and the
// activation link shown once is gone.
func TestBrowserReloadRepeatsNothing(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ids := []string{
		addPerson(env, "Reload", "Ambrose", "ACTIVE", nil),
		addPerson(env, "Reload", "Bellamy", "ACTIVE", nil),
	}
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")

	t.Run("bulk reset password by email", func(t *testing.T) {
		b := b.on(t)
		b.open("/admin/users?q=Reload")
		assert.Zero(t, eval[int](b, `document.querySelectorAll('[data-bulk-bar]:not([hidden])').length`), "no selection bar before anyone is selected")
		b.click(`[data-testid="select-all"]`)
		b.waitFor(`[data-bulk-bar]:not([hidden])`)
		assert.Equal(t, "2 people selected", b.text(`[data-testid="bulk-count"]`))
		b.selectOption(`[data-testid="bulk-action"]`, "reset-password")
		b.clickLoad(`[data-testid="bulk-preview"]`)
		b.typeInto(`#reason`, "INC-1717")
		b.clickLoad(`[data-testid="bulk-run"]`)
		assert.Equal(t, "/admin/bulk/result", b.path(), "the result is a page of its own (post/redirect/get)")
		assert.Equal(t, 2, b.count(`[data-testid="bulk-row"][data-outcome="done"]`))
		emails := len(env.Okta.Emails())
		before := map[string]int{}
		for _, id := range ids {
			before[id] = auditCount(t, env, id)
		}
		env.Okta.ResetRequests()

		b.reload()
		assert.Equal(t, 1, b.count(`[data-testid="bulk-gone"]`), "the reload says the results were shown, and runs nothing")
		assert.Zero(t, oktaChanges(env), "no Okta call")
		assert.Len(t, env.Okta.Emails(), emails, "nobody gets a second email")
		for _, id := range ids {
			assert.Equal(t, before[id], auditCount(t, env, id), "no second audit entry")
		}
	})

	t.Run("add a person with a one-time activation link", func(t *testing.T) {
		b := b.on(t)
		b.open("/admin/users/new")
		b.typeInto(`#first_name`, "Odile")
		b.typeInto(`#last_name`, "Reload")
		b.typeInto(`#email`, "odile.reload@example.com")
		b.click(`[data-testid="activation-link"]`)
		b.clickLoad(`[data-testid="create-button"]`)
		id := env.Okta.UserID("odile.reload@example.com")
		require.NotEmpty(t, id)
		assert.Equal(t, views.PersonURL(id), b.path(), "the person's page, by redirect")
		assert.Equal(t, 1, b.count(`[data-testid="secret-value"]`), "the activation link, once")
		alert := b.text(`[data-testid="user-panel"] [data-testid="alert-success"]`)
		assert.Contains(t, alert, "waiting for activation", "words that match the status (defect 6)")
		assert.NotContains(t, alert, "activated")
		entries := auditCount(t, env, id)
		env.Okta.ResetRequests()

		b.reload()
		assert.Equal(t, "Odile Reload", b.text(`[data-testid="person-name"]`))
		assert.Zero(t, b.count(`[data-testid="secret-value"]`), "the link never shows twice")
		assert.Zero(t, b.count(`[data-testid="error-login"]`), "no “someone already has this username”")
		assert.Zero(t, oktaChanges(env), "no second creation")
		assert.Equal(t, entries, auditCount(t, env, id))
	})
}

// TestBrowserPersonPageStaysCurrent (defect 2): after an action in the dialog, the key dates
// and the recent admin actions show it without a reload.
func TestBrowserPersonPageStaysCurrent(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	cases := []struct{ action, status string }{
		{action: "unlock", status: "LOCKED_OUT"},
		{action: "suspend", status: "ACTIVE"},
		{action: "unsuspend", status: "SUSPENDED"},
	}
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	for i, c := range cases {
		t.Run(c.action, func(t *testing.T) {
			b := b.on(t)
			id := addPerson(env, "Current", []string{"Ashdown", "Brightwater", "Cole"}[i], c.status, nil)
			b.open(views.PersonURL(id))
			assert.Contains(t, b.text(`[data-testid="person-audit"]`), "Nobody has used Gatehouse")
			b.chooseAction(c.action)
			b.waitFor(`#dialog[open] [data-testid="confirm-form"]`)
			if destructive(c.action) {
				b.typeInto(`#reason`, "INC-2")
			}
			b.click(`#dialog [data-testid="confirm-button"]`)
			b.waitFor(`[data-testid="user-panel"] [data-testid="alert-success"]`)
			b.waitFor(`[data-testid="person-audit"] [data-testid="audit-row"]`)
			b.check()
			assert.Equal(t, c.action, b.attr(`[data-testid="person-audit"] [data-testid="audit-row"]`, "data-action"), "the action is listed at once")
			assert.Contains(t, b.text(`[data-testid="key-dates"]`), "just now", "“Status changed” is current")
		})
	}
}

// TestBrowserBadCursor (defect 3): a paging link Okta no longer accepts starts the list over,
// with a note, instead of an error page.
func TestBrowserBadCursor(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	b.open("/admin/users?after=garbage&prev=")
	assert.Contains(t, b.text(`[data-testid="results-notice"]`), "starts again from the first page")
	assert.Equal(t, 25, b.count(`[data-testid="user-row"]`), "the first page is listed")
	assert.Zero(t, b.count(`[data-testid="request-id"]`), "no support reference")
}

// TestBrowserPasswordStepUpKeepsIntent (defect 4): a password change submitted after the
// sign-in grew too old says why nothing changed, and signing in again brings the person back
// to the password form.
func TestBrowserPasswordStepUpKeepsIntent(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	env := webtest.New(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}})
	b := newBrowser(t, env, browserOptions{})
	b.allowStatus(401) // the form answers 401 until the person signs in again, by design
	b.signInAs("alice@example.com")
	b.open("/password")
	clock.Advance(16 * time.Minute)
	b.typeInto(`#current_password`, webtest.DemoPassword)
	b.typeInto(`#new_password`, "Tr1cky-Pa55word")
	b.typeInto(`#confirm_password`, "Tr1cky-Pa55word")
	b.click(`[data-testid="change-password"]`)
	b.waitFor(`[data-testid="step-up-explained"]`)
	b.check()
	assert.Contains(t, b.text(`[data-testid="step-up-explained"]`), "Your password was not changed yet")
	assert.Equal(t, "/password", b.path(), "still on the form, told why")
	assert.Zero(t, env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasSuffix(r.Path, "change_password") }))

	b.clickLoad(`[data-testid="reauth"]`)
	b.submitOktaForm("alice@example.com", webtest.DemoPassword)
	b.waitFor(`[data-testid="password-form"]`)
	b.check()
	assert.Equal(t, "/password", b.path(), "back at the form after signing in again")
}

// TestBrowserEmptyBulkPreview (defect 5): without JavaScript the selection bar is always there;
// "Preview…" with nobody selected comes back to the same list with a note, search kept.
func TestBrowserEmptyBulkPreview(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{noJS: true})
	b.signInAs("hal@example.com")
	b.open("/admin/users?status=LOCKED_OUT")
	b.clickLoad(`[data-testid="bulk-preview"]`)
	u, err := url.Parse(b.location())
	require.NoError(t, err)
	assert.Equal(t, "/admin/users", u.Path)
	assert.Equal(t, "LOCKED_OUT", u.Query().Get("status"), "the search is kept")
	assert.Contains(t, b.text(`[data-testid="results-notice"]`), "Nobody is selected")
	assert.Zero(t, b.count(`[data-testid="request-id"]`), "a slip gets no support reference")
	assert.Positive(t, b.count(`[data-testid="user-row"]`), "the list is still there")
}

// TestBrowserActivationWords (defect 6): activating a deactivated person who kept a password
// asks for no link and says afterwards that they are active; no 7-day link is shown.
func TestBrowserActivationWords(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	id := addPerson(env, "Words", "Kept", "DEPROVISIONED", nil)
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	b.open(views.PersonURL(id))
	b.chooseAction("activate")
	b.waitFor(`#dialog[open] [data-testid="confirm-form"]`)
	assert.Zero(t, b.count(`#dialog [data-testid="delivery"]`), "no question about a link they do not need")
	b.click(`#dialog [data-testid="confirm-button"]`)
	b.waitFor(`[data-testid="user-panel"] [data-testid="alert-success"]`)
	b.check()
	text := b.text(`[data-testid="user-panel"] [data-testid="alert-success"]`)
	assert.Contains(t, text, "active again")
	assert.Zero(t, b.count(`[data-testid="secret-value"]`), "no 7-day link for someone already active")
	assert.Equal(t, "ACTIVE", env.Okta.UserStatus(id))
}
