package e2e

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// chromiumPath finds Debian's chromium (or a Chrome) binary.
func chromiumPath() string {
	for _, p := range []string{os.Getenv("GATEHOUSE_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// browserOptions are the flags a root user on a closed network needs.
type browserOptions struct {
	width, height int
	noJS          bool
	dark          bool
}

// newBrowser starts a fresh headless Chromium (own profile) for one test and returns its tab.
func newBrowser(t *testing.T, bo browserOptions) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("GATEHOUSE_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium not found but GATEHOUSE_REQUIRE_BROWSER is set: install it (apt-get install chromium)")
		}
		t.Skip("chromium not found on PATH: browser tests skipped (apt-get install chromium to run them)")
	}
	if bo.width == 0 {
		bo.width, bo.height = 1280, 900
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(bo.width, bo.height),
	)
	if bo.dark {
		opts = append(opts, chromedp.Flag("force-dark-mode", true), chromedp.Flag("blink-settings", "preferredColorScheme=0"))
	}
	if bo.noJS {
		opts = append(opts, chromedp.Flag("blink-settings", "scriptEnabled=false"))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// step runs actions with a deadline so a broken page fails fast instead of hanging.
func step(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(sctx, actions...))
}

// text returns the text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err, "text of %s", sel)
	return s
}

// signIn goes through Gatehouse's sign-in and the emulator's form in the browser.
func signIn(t *testing.T, ctx context.Context, env *webtest.Env, login, password string) {
	t.Helper()
	step(t, ctx,
		chromedp.Navigate(env.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="brand"]`)),
	)
}
