package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"

	"gatehouse/web/webtest"
)

// TestBrowserSignIn signs alice in through a real browser and sees her name on the dashboard.
func TestBrowserSignIn(t *testing.T) {
	ctx := newBrowser(t, browserOptions{})
	env := webtest.New(t, webtest.Options{})
	signIn(t, ctx, env, "alice@example.com", webtest.DemoPassword)
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="profile-name"]`)))
	assert.Equal(t, "Alice Anderson", strings.TrimSpace(text(t, ctx, `[data-testid="profile-name"]`)))
}
