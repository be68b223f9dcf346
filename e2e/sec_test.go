package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// TestSec10_BackAfterLogout: after signing out, Back shows no account data — the pages were
// sent with Cache-Control: no-store, so the browser must ask again and is sent to sign in.
func TestSec10_BackAfterLogout(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")
	b.open("/profile")
	require.Contains(t, b.text("main"), "Senior Software Engineer")
	b.clickLoad(`[data-testid="sign-out"]`)
	b.waitFor(`[data-testid="landing"]`)
	b.do(chromedp.NavigateBack())
	// The back navigation has no load event to wait on when it redirects: wait until it has
	// landed on Okta's sign-in page. A page shown from the browser's cache would stay on
	// /profile, and the test fails there rather than judging a page still on its way.
	b.waitLocation("Okta's sign-in page after Back", func(u string) bool { return strings.HasPrefix(u, env.Okta.URL()) })
	body := run(b, chromedp.Text(chromedp.CSS("body")))
	assert.NotContains(t, body, "Senior Software Engineer", "no account data after Back")
	assert.NotContains(t, body, "Alice Anderson", "no account data after Back")
}

// TestSec26_FramingBlocked: a page on another origin that frames Gatehouse shows nothing of it.
func TestSec26_FramingBlocked(t *testing.T) {
	t.Parallel()
	path := chromiumPath()
	if path == "" {
		newBrowser(t, nil, browserOptions{}) // skips or fails with the standard message
		return
	}
	env := webtest.New(t, webtest.Options{})
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>evil</title><iframe id="f" src="%s/" width="800" height="600"></iframe><iframe id="g" src="%s/admin/users"></iframe>`, env.URL, env.URL)
	}))
	defer evil.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		// Keep cross-site frames in this process so the frame tree shows them.
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "IsolateOrigins,site-per-process,Translate"))
	ctx := startChromium(t, opts)
	// localhost and 127.0.0.1 are different sites: the framing page is cross-origin.
	framer := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	// The framing page's load event waits for its frames, refused ones included.
	require.NoError(t, chromedp.Do(sctx, chromedp.Navigate(framer), loaded))
	// Then each frame must have committed a document (Gatehouse's, or Chrome's error page for a
	// refused one): a frame still on its initial about:blank would prove nothing.
	var tree page.GetFrameTreeResult
	require.Eventually(t, func() bool {
		var err error
		tree, err = chromedp.Call(sctx, page.GetFrameTree, cdp.Empty{})
		require.NoError(t, err)
		if len(tree.FrameTree.ChildFrames) != 2 {
			return false
		}
		for _, child := range tree.FrameTree.ChildFrames {
			if f := child.Frame; f.UnreachableURL == "" && (f.URL == "" || f.URL == "about:blank") {
				return false
			}
		}
		return true
	}, stepTimeout, 20*time.Millisecond, "the two iframes load or are refused")
	for _, child := range tree.FrameTree.ChildFrames {
		t.Logf("frame %s url=%q unreachable=%q", child.Frame.ID, child.Frame.URL, child.Frame.UnreachableURL)
	}
	for _, child := range tree.FrameTree.ChildFrames {
		f := child.Frame
		// A frame refused by frame-ancestors / X-Frame-Options ends on Chrome's error page.
		assert.True(t, f.UnreachableURL != "" || strings.HasPrefix(f.URL, "chrome-error:") || !strings.HasPrefix(f.URL, env.URL),
			"Gatehouse must not render inside another site's frame (frame %s: url %q unreachable %q)", f.ID, f.URL, f.UnreachableURL)
	}
}
