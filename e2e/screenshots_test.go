package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// screenshotPages are the pages `make screenshots` captures, by who sees them.
var screenshotPages = []struct {
	name, login, path string
}{
	{"landing", "", "/"},
	{"dashboard", "alice@example.com", "/"},
	{"apps", "alice@example.com", "/apps"},
	{"groups", "alice@example.com", "/groups"},
	{"profile", "alice@example.com", "/profile"},
	{"password", "alice@example.com", "/password"},
	{"recovery-question", "alice@example.com", "/recovery-question"},
	{"admin-users", "ada@example.com", "/admin/users?status=LOCKED_OUT"},
	{"admin-audit", "ada@example.com", "/admin/audit"},
}

// TestScreenshots refreshes docs/screenshots (make screenshots sets GATEHOUSE_SCREENSHOTS=1);
// GATEHOUSE_SCREENSHOT_DIR writes them elsewhere, for a quick look during development.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("GATEHOUSE_SCREENSHOT_DIR")
	if dir == "" && os.Getenv("GATEHOUSE_SCREENSHOTS") != "" {
		dir = filepath.Join("..", "docs", "screenshots")
	}
	if dir == "" {
		t.Skip("set GATEHOUSE_SCREENSHOTS=1 (make screenshots) to refresh docs/screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	env := webtest.New(t, webtest.Options{})
	for _, scheme := range []struct {
		suffix string
		dark   bool
		width  int
	}{{"", false, 1280}, {"-dark", true, 1280}, {"-mobile", false, 390}} {
		browsers := map[string]context.Context{}
		for _, p := range screenshotPages {
			if scheme.suffix == "-mobile" && p.login == "ada@example.com" {
				continue
			}
			ctx, ok := browsers[p.login]
			if !ok {
				ctx = newBrowser(t, browserOptions{width: scheme.width, height: 900, dark: scheme.dark})
				if p.login != "" {
					signIn(t, ctx, env, p.login, webtest.DemoPassword)
				}
				browsers[p.login] = ctx
			}
			step(t, ctx, chromedp.Navigate(env.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main")), chromedp.Sleep(150*time.Millisecond))
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
			cancel()
			require.NoError(t, err)
			name := p.name + scheme.suffix + ".png"
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
		}
	}
}
