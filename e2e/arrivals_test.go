package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"gatehouse/views"
	"gatehouse/web/webtest"
)

// TestBrowserSectionAppearsWhenOktaAllows: while Okta rate limits alice's app links, her
// dashboard's apps say they will appear shortly (no error box), and htmx loads them by itself
// once Okta's reset has passed, in place, without a reload (issue 15).
func TestBrowserSectionAppearsWhenOktaAllows(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")

	// Her appLinks and groups share Okta's "rest of /api/v1" bucket (docs/OKTA.md), so a
	// spent bucket refuses both.
	env.Okta.ForceRateLimit("/api/v1/users/"+env.Okta.UserID("alice@example.com")+"/", 6*time.Second)
	b.open("/")
	b.waitFor(`#` + views.AppsCardID + ` [data-testid="section-pending"]`)
	b.check()
	assert.Contains(t, b.text(`#`+views.AppsCardID+` [data-testid="section-pending"]`), "will appear shortly")
	assert.Zero(t, b.count(`[data-testid="section-failed"]`), "no error box for a rate limit")
	assert.Equal(t, "Alice Anderson", b.text(`[data-testid="profile-name"]`), "the other sections show")

	// Okta's reset is 6 s away (7 s with the second Okta's clients add): long enough that the
	// page is surely loaded before it on a busy machine; the placeholder's poll comes after it
	// and brings the apps.
	b.waitFor(`[data-testid="apps-card"] [data-testid="app-tile"]`)
	b.waitFor(`[data-testid="group-list"]`)
	b.check()
	assert.Zero(t, b.count(`[data-testid="section-pending"]`))
	assert.Equal(t, "/", b.path(), "the section came in place, no navigation")
}
