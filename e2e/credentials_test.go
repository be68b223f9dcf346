package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// newPassword meets the demo org's policy and shares nothing with alice's name or login.
const newPassword = "Fresh-Garden-42"

// TestBrowserChangePassword changes alice's password through the htmx form and signs her in
// with the new one; a wrong current password and a password the policy refuses each come
// back as the form with the field's message, the checklist ticking rules off as she types.
func TestBrowserChangePassword(t *testing.T) {
	t.Parallel()
	t.Run("success, then sign in with the new password", func(t *testing.T) {
		env := webtest.New(t, webtest.Options{})
		b := newBrowser(t, env, browserOptions{})
		b.signInAs("alice@example.com")
		b.click(`nav a[href="/password"]`)
		b.waitFor(`[data-testid="password-form"]`)
		b.check()

		b.typeInto(`#current_password`, webtest.DemoPassword)
		b.typeInto(`#new_password`, newPassword)
		b.typeInto(`#confirm_password`, newPassword)
		b.waitJS(`document.querySelectorAll('[data-testid="password-rules"] li[data-met="false"]').length === 0`)
		b.check()
		b.click(`[data-testid="change-password"]`)
		b.waitFor(`[data-testid="password-panel"] [data-testid="alert-success"]`)
		b.check()
		assert.Contains(t, b.text(`[data-testid="alert-success"]`), "Your password has been changed")
		b.waitFor(`[data-testid="offer-signout-others"]`)

		b.click(`[data-testid="sign-out"]`)
		b.waitFor(`[data-testid="landing"]`)
		b.check()
		b.signIn("alice@example.com", newPassword)
		assert.Equal(t, "Alice Anderson", b.text(`[data-testid="profile-name"]`), "the new password signs alice in")
	})

	t.Run("wrong current password", func(t *testing.T) {
		env := webtest.New(t, webtest.Options{})
		b := newBrowser(t, env, browserOptions{})
		b.allowStatus(422) // the form comes back as 422 Unprocessable Content, by design
		b.signInAs("alice@example.com")
		b.open("/password")
		b.typeInto(`#current_password`, "Not-Her-Passw0rd")
		b.typeInto(`#new_password`, newPassword)
		b.typeInto(`#confirm_password`, newPassword)
		b.click(`[data-testid="change-password"]`)
		b.waitFor(`[data-testid="error-current_password"]`)
		b.check()
		assert.Equal(t, "true", b.attr(`#current_password`, "aria-invalid"))
		assert.Contains(t, b.attr(`#current_password`, "aria-describedby"), "current_password-error", "the message is tied to its field for screen readers")
		assert.Equal(t, "", eval[string](b, `document.querySelector("#current_password").value`), "the mistyped password is gone")
		// The new passwords passed every check: they stay in the browser's own fields
		// (hx-preserve; the answer never carries them), and the checklist still describes them.
		assert.Equal(t, newPassword, eval[string](b, `document.querySelector("#new_password").value`), "a typo elsewhere does not cost the new password")
		assert.Equal(t, newPassword, eval[string](b, `document.querySelector("#confirm_password").value`))
		assert.Equal(t, "true", b.attr(rule("match"), "data-met"))
		assert.Zero(t, b.count(`[data-testid="request-id"]`), "no support reference for a typo")

		// Fixing the current password is all it takes.
		b.typeInto(`#current_password`, webtest.DemoPassword)
		b.click(`[data-testid="change-password"]`)
		b.waitFor(`[data-testid="password-panel"] [data-testid="alert-success"]`)
		b.check()
	})

	t.Run("policy failure with the live checklist", func(t *testing.T) {
		env := webtest.New(t, webtest.Options{})
		b := newBrowser(t, env, browserOptions{})
		b.allowStatus(422) // the form comes back as 422 Unprocessable Content, by design
		b.signInAs("alice@example.com")
		b.open("/password")
		for _, r := range []string{"length", "lower", "upper", "digit", "username", "match"} {
			assert.Equal(t, "false", b.attr(rule(r), "data-met"), "nothing is ticked before typing (%s)", r)
		}

		b.typeInto(`#new_password`, "alice")
		b.waitRule("lower", true)
		b.check()
		b.assertRules(map[string]bool{"length": false, "lower": true, "upper": false, "digit": false, "username": false, "match": false})

		b.clearField(`#new_password`)
		b.typeInto(`#new_password`, "garden-gate")
		b.waitRule("username", true)
		b.assertRules(map[string]bool{"length": true, "lower": true, "upper": false, "digit": false, "username": true, "match": false})

		b.typeInto(`#confirm_password`, "garden-gate")
		b.waitRule("match", true)
		b.check()
		assert.Contains(t, b.text(rule("match")), "(done)", "screen readers hear which rules are met")
		assert.Contains(t, b.text(rule("upper")), "(not yet)")

		b.typeInto(`#current_password`, webtest.DemoPassword)
		b.click(`[data-testid="change-password"]`)
		b.waitFor(`[data-testid="error-new_password"]`)
		b.check()
		assert.Equal(t, "Add an uppercase letter.", b.text(`[data-testid="error-new_password"]`))
		assert.Equal(t, "true", b.attr(`#new_password`, "aria-invalid"))
	})
}

// rule is the selector of one line of the password checklist.
func rule(key string) string { return fmt.Sprintf(`[data-testid="rule-%s"]`, key) }

// waitRule waits until the checklist shows the rule as met (or not).
func (b *browser) waitRule(key string, met bool) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf(`(function () { var e = document.querySelector(%s); return !!e && e.getAttribute("data-met") === "%t"; })()`, jsString(rule(key)), met))
}

// assertRules checks every rule of the checklist at once.
func (b *browser) assertRules(want map[string]bool) {
	b.t.Helper()
	for key, met := range want {
		assert.Equal(b.t, fmt.Sprint(met), b.attr(rule(key), "data-met"), "rule %s", key)
	}
}

// TestBrowserRecoveryQuestion sets a new recovery question for alice; the page then shows it
// as her current one.
func TestBrowserRecoveryQuestion(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")
	b.open("/profile")
	b.click(`.card-links a[href="/recovery-question"]`)
	b.waitFor(`[data-testid="recovery-form"]`)
	b.check()

	const question = "Which street did I grow up on?"
	b.typeInto(`#question`, question)
	b.typeInto(`#answer`, "Larkspur Lane")
	b.typeInto(`#current_password`, webtest.DemoPassword)
	b.click(`[data-testid="change-recovery"]`)
	b.waitFor(`[data-testid="recovery-panel"] [data-testid="alert-success"]`)
	b.check()
	assert.Contains(t, b.text(`[data-testid="current-question"]`), question)

	b.open("/recovery-question")
	assert.Contains(t, b.text(`[data-testid="current-question"]`), question, "Okta keeps the new question")
}

// TestBrowserSignOutEverywhere signs alice in on two browsers; signing out everywhere on one
// signs the other out too: its next page asks her to sign in at Okta again.
func TestBrowserSignOutEverywhere(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	laptop := newBrowser(t, env, browserOptions{})
	phone := newBrowser(t, env, browserOptions{width: phoneWidth, height: phoneHeight, mobile: true})
	laptop.signInAs("alice@example.com")
	phone.signInAs("alice@example.com")

	laptop.open("/profile")
	laptop.click(`a[href="/signout-everywhere"]`)
	laptop.waitFor(`[data-testid="signout-everywhere-confirm"]`)
	laptop.check()
	laptop.click(`[data-testid="confirm-signout-everywhere"]`)
	laptop.waitFor(`[data-testid="landing"]`)
	laptop.check()
	assert.Contains(t, laptop.text(`[data-testid="alert-success"]`), "signed out everywhere")

	phone.open("/apps")
	phone.waitFor(`input[name="username"]`)
	phone.check()
	assert.True(t, strings.HasPrefix(phone.location(), env.Okta.URL()), "the other browser must sign in again at Okta, but is at %s", phone.location())
}

// TestBrowserSessionExpiresWhilePageOpen ends alice's session on the server while her app
// launcher is open; the next htmx request (typing in the search) takes the browser to sign in
// instead of swapping an error into the page.
func TestBrowserSessionExpiresWhilePageOpen(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.allowStatus(401) // the htmx request is answered 401 + HX-Redirect, by design
	b.signInAs("alice@example.com")
	b.open("/apps")

	alice := env.Okta.UserID("alice@example.com")
	n, err := env.App.Sessions.DestroyUser(t.Context(), alice, "")
	require.NoError(t, err)
	require.Equal(t, 1, n, "alice had one Gatehouse session")
	// Okta's own session ends too, as when it times out: otherwise Okta would sign her straight
	// back in without showing a form.
	_, err = env.App.Okta.ClearSessions(t.Context(), alice, false)
	require.NoError(t, err)

	b.typeInto(`[data-testid="app-search"]`, "sl")
	b.waitFor(`input[name="username"]`)
	assert.True(t, strings.HasPrefix(b.location(), env.Okta.URL()), "the browser should be on Okta's sign-in page, got %s", b.location())
	b.check()

	b.submitOktaForm("alice@example.com", webtest.DemoPassword)
	b.waitFor(`[data-testid="app-results"]`)
	b.check()
	assert.Equal(t, "/apps", b.path(), "after signing in again alice is back on the page she was using")
}
