package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"

	"gatehouse/views"
	"gatehouse/web/webtest"
)

// TestBrowserWithoutJavaScript runs the key forms in a browser with scripts turned off: every
// form is a plain HTML form that posts and answers with a whole page.
func TestBrowserWithoutJavaScript(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})

	t.Run("employee: sign in, change password, recovery question", func(t *testing.T) {
		b := newBrowser(t, env, browserOptions{noJS: true})
		b.allowStatus(422) // the refused form comes back as a 422 page, by design
		b.signInAs("alice@example.com")
		assert.Equal(t, "Alice Anderson", b.text(`[data-testid="profile-name"]`))

		b.clickLoad(`nav a[href="/password"]`)
		b.typeInto(`#current_password`, webtest.DemoPassword)
		b.typeInto(`#new_password`, "short")
		b.typeInto(`#confirm_password`, "short")
		b.clickLoad(`[data-testid="change-password"]`)
		assert.Equal(t, "Use at least 8 characters.", b.text(`[data-testid="error-new_password"]`), "the page comes back with the field's message")
		assert.Equal(t, "false", b.attr(rule("length"), "data-met"), "without JavaScript the checklist is judged on submit")

		b.typeInto(`#current_password`, webtest.DemoPassword)
		b.typeInto(`#new_password`, newPassword)
		b.typeInto(`#confirm_password`, newPassword)
		b.clickLoad(`[data-testid="change-password"]`)
		assert.Contains(t, b.text(`[data-testid="alert-success"]`), "Your password has been changed")

		b.open("/recovery-question")
		b.typeInto(`#question`, "What was the name of my first school?")
		b.typeInto(`#answer`, "Hillcrest Primary")
		b.typeInto(`#current_password`, newPassword)
		b.clickLoad(`[data-testid="change-recovery"]`)
		assert.Contains(t, b.text(`[data-testid="recovery-panel"] [data-testid="alert-success"]`), "recovery question has been changed")
		assert.Contains(t, b.text(`[data-testid="current-question"]`), "first school")
	})

	t.Run("admin: search, filter, and unlock through the confirmation page", func(t *testing.T) {
		b := newBrowser(t, env, browserOptions{noJS: true})
		b.signInAs("ada@example.com")
		b.clickLoad(`nav a[href="/admin/users"]`)

		b.typeInto(`[data-testid="user-search"]`, "bob")
		b.clickLoad(`[data-testid="search-button"]`)
		assert.True(t, strings.HasPrefix(b.path(), "/admin/users?q=bob"), "the search is a GET form: %s", b.path())
		assert.Contains(t, b.texts(`[data-testid="user-login"]`), "bob@example.com")

		b.clearField(`[data-testid="user-search"]`)
		b.do(chromedp.SetValue(chromedp.CSS(`[data-testid="status-filter"]`), "LOCKED_OUT"))
		b.clickLoad(`[data-testid="search-button"]`)
		assert.Contains(t, b.path(), "status=LOCKED_OUT")
		for _, s := range b.attrs(`[data-testid="user-row"] [data-testid="status-badge"]`, "data-status") {
			assert.Equal(t, "LOCKED_OUT", s)
		}

		bob := env.Okta.UserID("bob@example.com")
		b.open(views.PersonURL(bob))
		b.clickLoad(`[data-testid="action-unlock"]`)
		assert.Equal(t, views.ConfirmURL(bob, "unlock"), b.path(), "without JavaScript the confirmation is a page")
		assert.Contains(t, b.text(`[data-testid="confirm-question"]`), "Bob")
		b.clickLoad(`[data-testid="confirm-button"]`)
		assert.True(t, strings.HasPrefix(b.path(), views.PersonURL(bob)), "the POST ends on bob's page, got %s", b.path())
		assert.Equal(t, "Active", b.text(`[data-testid="user-panel"] [data-testid="status-badge"]`))
		assert.Equal(t, "ACTIVE", env.Okta.UserStatus(bob))
	})
}

// attrs returns an attribute of every element matching sel.
func (b *browser) attrs(sel, name string) []string {
	b.t.Helper()
	return eval[[]string](b, `Array.from(document.querySelectorAll(`+jsString(sel)+`), function (e) { return e.getAttribute(`+jsString(name)+`) || ""; })`)
}
