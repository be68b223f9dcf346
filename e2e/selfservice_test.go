package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// TestBrowserSignInAndOut signs alice in from the landing page and out with the header button:
// she ends on the landing page with a notice, and / no longer shows her dashboard.
func TestBrowserSignInAndOut(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})

	b.open("/")
	b.waitFor(`[data-testid="landing"]`)
	b.click(`[data-testid="sign-in"]`)
	b.submitOktaForm("alice@example.com", webtest.DemoPassword)
	b.waitFor(`[data-testid="profile-card"]`)
	b.check()
	assert.Equal(t, "/", b.path(), "sign-in should end on the dashboard")

	b.click(`[data-testid="sign-out"]`)
	b.waitFor(`[data-testid="landing"]`)
	b.check()
	assert.Contains(t, b.text(`[data-testid="alert-success"]`), "You have signed out")

	b.open("/")
	assert.Zero(t, b.count(`[data-testid="profile-card"]`), "after signing out, / must not show the dashboard")
	b.open("/profile")
	b.waitFor(`input[name="username"]`)
	b.check()
	assert.True(t, strings.HasPrefix(b.location(), env.Okta.URL()), "a signed-out person opening /profile is sent to sign in at Okta, got %s", b.location())
}

// TestBrowserDashboard shows alice's profile summary, her visible apps (not the hidden one)
// and her groups.
func TestBrowserDashboard(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")

	assert.Equal(t, "Alice Anderson", b.text(`[data-testid="profile-name"]`))
	assert.Equal(t, "alice@example.com", b.text(`[data-testid="profile-login"]`))
	assert.Equal(t, "Active", b.text(`[data-testid="profile-card"] [data-testid="status-badge"]`), "the status badge says it in words")
	labels := b.texts(`[data-testid="apps-card"] [data-testid="app-label"]`)
	assert.Contains(t, labels, "Slack")
	assert.Contains(t, labels, "GitHub")
	assert.NotContains(t, labels, "Legacy VPN", "hidden apps stay off the dashboard")
	assert.Contains(t, b.texts(`[data-testid="group-list"] li`), "Engineering")
}

// TestBrowserAppSearch filters the launcher live as alice types (htmx swaps the results and
// keeps the URL shareable), shows the empty state, and does the same search with the plain
// GET form in a browser without JavaScript.
func TestBrowserAppSearch(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")
	b.open("/apps")
	all := b.count(`[data-testid="app-tile"]`)
	require.Equal(t, 5, all, "alice has five visible apps")

	b.typeInto(`[data-testid="app-search"]`, "sl")
	b.waitCount(`[data-testid="app-tile"]`, 1)
	b.check()
	assert.Equal(t, "Slack", b.text(`[data-testid="app-label"]`))
	assert.Contains(t, b.text(`[data-testid="app-count"]`), "1 of 5 apps match")
	b.waitPath("?q=sl in the URL", func(p string) bool { return p == "/apps?q=sl" })

	b.clearField(`[data-testid="app-search"]`)
	b.typeInto(`[data-testid="app-search"]`, "zzz")
	b.waitFor(`[data-testid="app-results"] [data-testid="empty-state"]`)
	b.check()
	assert.Contains(t, b.text(`[data-testid="empty-state"]`), "No apps match")

	b.clearField(`[data-testid="app-search"]`)
	b.typeInto(`[data-testid="app-search"]`, "g")
	b.waitCount(`[data-testid="app-tile"]`, 2) // GitHub, Google Workspace
	b.check()

	t.Run("without JavaScript the search is a GET form", func(t *testing.T) {
		nb := newBrowser(t, env, browserOptions{noJS: true})
		nb.signInAs("alice@example.com")
		nb.open("/apps")
		nb.typeInto(`[data-testid="app-search"]`, "git")
		nb.clickLoad(`[data-testid="app-search-form"] button[type="submit"]`)
		assert.Equal(t, "/apps?q=git", nb.path())
		assert.Equal(t, []string{"GitHub"}, nb.texts(`[data-testid="app-label"]`))
	})
}

// TestBrowserGroupsAndProfile shows alice's groups in a table and her profile attributes.
func TestBrowserGroupsAndProfile(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")

	b.click(`nav a[href="/groups"]`)
	b.waitFor(`[data-testid="groups-table"]`)
	b.check()
	groups := b.texts(`[data-testid="group-row"] td:first-child`)
	assert.Contains(t, groups, "Engineering")
	assert.Contains(t, groups, "Everyone")
	assert.Equal(t, "page", b.attr(`nav a[href="/groups"]`, "aria-current"), "the menu marks the current page")

	b.click(`nav a[href="/profile"]`)
	b.waitFor(`[data-testid="profile-fields"]`)
	b.check()
	assert.Contains(t, b.text(`[data-testid="profile-fields"]`), "alice@example.com")
	assert.Equal(t, "Active", b.text(`[data-testid="status-badge"]`))
}

// TestBrowserForgotPassword asks for a reset link for a real account and for a made-up one:
// the answers are identical, and only the real one gets an email.
func TestBrowserForgotPassword(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})

	answer := func(identifier string) string {
		b.open("/")
		b.click(`footer a[href="/forgot-password"]`)
		b.waitFor(`[data-testid="forgot-form"]`)
		b.check()
		b.typeInto(`#identifier`, identifier)
		b.click(`[data-testid="send-reset"]`)
		b.waitFor(`[data-testid="forgot-panel"] [data-testid="alert-success"]`)
		b.check()
		return b.text(`[data-testid="forgot-panel"]`)
	}
	real := answer("alice@example.com")
	made := answer("nobody@example.com")
	assert.Contains(t, real, "Check your email")
	assert.Equal(t, real, made, "the answer must not tell whether the account exists")

	var to []string
	for _, e := range env.Okta.Emails() {
		to = append(to, e.To)
	}
	assert.Contains(t, to, "alice@example.com", "alice gets a reset email")
	assert.NotContains(t, to, "nobody@example.com")
}

// texts returns the trimmed text of every element matching sel.
func (b *browser) texts(sel string) []string {
	b.t.Helper()
	return eval[[]string](b, `Array.from(document.querySelectorAll(`+jsString(sel)+`), function (e) { return e.textContent.trim(); })`)
}
