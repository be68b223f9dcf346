package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// stepTimeout bounds one step of a journey, so a broken page fails fast instead of hanging.
// It is generous because two browsers and the race detector share two cores in CI.
const stepTimeout = 30 * time.Second

// Viewports of the suite: the desktop one every journey runs in, and the phone width every
// page is also checked at.
const (
	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 375, 812
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

// browserOptions choose how a browser starts.
type browserOptions struct {
	width, height int
	// noJS starts the browser with scripts turned off, as a person with JavaScript disabled.
	noJS bool
	// dark makes the page see prefers-color-scheme: dark (emulated, see scheme).
	dark bool
	// mobile emulates a phone (touch, mobile viewport) at width × height.
	mobile bool
}

// browser is one headless Chromium with one tab, signed in as at most one person. Every page
// it visits is checked (see check): console errors and CSP violations are collected for the
// whole life of the tab.
type browser struct {
	t    *testing.T
	ctx  context.Context
	env  *webtest.Env
	opts browserOptions
	tab  *tab
}

// tab is what the checks remember about a browser's tab, shared by its subtests (see on).
type tab struct {
	mu       sync.Mutex
	console  []chromedp.ConsoleMessage
	seen     int      // console messages already judged by check
	allowed  []string // network console errors this journey expects (see allowStatus)
	syncSeen map[string]bool
}

// on returns the browser reporting to t, for a subtest that goes on in the same tab.
func (b *browser) on(t *testing.T) *browser {
	c := *b
	c.t = t
	return &c
}

// newBrowser opens a fresh, isolated browser for one test: a new browser context (its own
// cookies, storage and cache, as isolated as a fresh profile) with one tab, in the Chromium
// process the package's tests share (see chromiumProcess). It skips the test when there is no
// Chromium, unless GATEHOUSE_REQUIRE_BROWSER is set (CI), which fails it.
func newBrowser(t *testing.T, env *webtest.Env, bo browserOptions) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("GATEHOUSE_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium not found but GATEHOUSE_REQUIRE_BROWSER is set: install it (apt-get install chromium)")
		}
		t.Skip("chromium not found on PATH: browser tests skipped (apt-get install chromium to run them)")
	}
	if bo.width == 0 {
		bo.width, bo.height = desktopWidth, desktopHeight
	}
	root, err := chromium.get(path)
	require.NoError(t, err, "start chromium")
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	// The first run creates the browser context and its tab; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx), "open a tab in a new browser context")
	t.Cleanup(cancel) // closes the tab and disposes of its browser context

	b := &browser{t: t, ctx: ctx, env: env, opts: bo, tab: &tab{syncSeen: map[string]bool{}}}
	go b.collectConsole(chromedp.Console(ctx))
	// The listener goes into every document before its own scripts run, so a violation during
	// loading is caught too. DevTools scripts are not subject to the page's CSP.
	_, err = chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener})
	require.NoError(t, err, "install the CSP listener")
	b.do(b.viewport(bo.width, bo.height, bo.mobile), b.scheme(bo.dark), b.scripts(!bo.noJS))
	// Whatever the page wrote after the journey's last check counts too. (Cleanups run last
	// in, first out: this one runs while the browser is still open.)
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			return
		}
		b.do(b.scripts(true))
		b.assertConsoleClean("the end of the journey")
	})
	return b
}

// chromium is the one Chromium process of the package's tests, started by the first test that
// needs it and closed by TestMain. Starting a browser per test cost the suite about a second
// of CPU each on two cores; a browser context per test isolates as well as a fresh profile.
// Width, colour scheme, scripts and phone emulation are set per tab (newBrowser), so every
// test can share one process.
var chromium chromiumProcess

type chromiumProcess struct {
	mu     sync.Mutex
	ctx    context.Context
	err    error
	cancel func()
}

// get starts the process once and returns its root context.
func (c *chromiumProcess) get(path string) (context.Context, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil && c.err == nil {
		c.ctx, c.cancel, c.err = startChromiumProcess(path)
	}
	return c.ctx, c.err
}

// close ends the process (TestMain, after every test).
func (c *chromiumProcess) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		c.cancel()
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	chromium.close()
	if testing.Verbose() {
		fmt.Println(suiteKinds.summary())
	}
	// Every route the journeys visited was checked in every mode at least once (see pageKinds).
	if err := verifyPageKinds(suiteKinds); err != nil && code == 0 {
		fmt.Println("FAIL:", err)
		code = 1
	}
	os.Exit(code)
}

// startChromiumProcess starts the shared browser in a temporary profile. On a loaded 2-core
// machine Chromium occasionally fails to come up ("chrome failed to start"); that is the
// machine, not Gatehouse, so it is tried up to three times.
func startChromiumProcess(path string) (context.Context, func(), error) {
	dir, err := os.MkdirTemp("", "gatehouse-e2e-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(desktopWidth, desktopHeight),
	)
	for attempt := 1; attempt <= 3; attempt++ {
		// A fresh profile each time: a failed start may leave its profile locked.
		profile := fmt.Sprintf("%s/profile-%d", dir, attempt)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, chromedp.UserDataDir(profile))...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		if err = chromedp.Do(ctx); err == nil {
			return ctx, func() { cancel(); cancelAlloc(); _ = os.RemoveAll(dir) }, nil
		}
		cancel()
		cancelAlloc()
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
	_ = os.RemoveAll(dir)
	return nil, nil, fmt.Errorf("chromium did not start in three attempts: %w", err)
}

// startChromium starts a browser of its own with opts (for a test that needs other command-line
// flags than the shared one) and returns its first tab, retrying as startChromiumProcess does.
func startChromium(t *testing.T, opts []chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, chromedp.UserDataDir(t.TempDir()))...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		// The first run starts the browser; it must not carry a timeout.
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(func() { cancel(); cancelAlloc() })
			return ctx
		}
		cancel()
		cancelAlloc()
		t.Logf("chromium did not start (attempt %d): %v", attempt, err)
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
	require.NoError(t, err, "start chromium")
	return nil
}

// collectConsole records every console message of the tab until the browser closes.
func (b *browser) collectConsole(messages func(func(chromedp.ConsoleMessage, error) bool)) {
	for m, err := range messages {
		if err != nil {
			return
		}
		b.tab.mu.Lock()
		if strings.HasPrefix(m.Text, syncMarker) {
			b.tab.syncSeen[m.Text] = true
		} else {
			b.tab.console = append(b.tab.console, m)
		}
		b.tab.mu.Unlock()
	}
}

// scheme emulates the colour scheme the page sees (prefers-color-scheme).
func (b *browser) scheme(dark bool) chromedp.Action[chromedp.Void] {
	v := "light"
	if dark {
		v = "dark"
	}
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}},
		})
		if err != nil {
			return fmt.Errorf("emulate prefers-color-scheme %s: %w", v, err)
		}
		return nil
	})
}

// scripts turns the page's JavaScript on or off for this tab, across navigations. DevTools
// evaluations still run while it is off, but timers do not fire, so check turns scripts on
// while axe runs: a page loaded without them stays without them (its scripts were skipped).
func (b *browser) scripts(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		if err != nil {
			return fmt.Errorf("set script execution to %v: %w", on, err)
		}
		return nil
	})
}

// viewport sets the size of the page's viewport, as a phone when mobile is set.
func (b *browser) viewport(w, h int, mobile bool) chromedp.Action[chromedp.Void] {
	if mobile {
		return chromedp.EmulateViewport(int64(w), int64(h), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	return chromedp.EmulateViewport(int64(w), int64(h))
}

// do runs actions with a deadline.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	err := chromedp.Do(sctx, actions...)
	require.NoError(b.t, err, "the page at that moment: %s", b.snapshot())
}

// snapshot describes the page for a failed step: its address and what its alerts and open
// dialog say, so that a step that timed out under load shows whether an error came instead.
func (b *browser) snapshot() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
		var parts = [location.pathname + location.search];
		document.querySelectorAll(".alert, dialog[open]").forEach(function (e) {
			parts.push((e.getAttribute("data-testid") || e.tagName) + ": " + e.innerText.replace(/\s+/g, " ").slice(0, 300));
		});
		return parts.join(" | ");
	})()`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return s
}

// run runs one action that returns a value, with a deadline.
func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	require.NoError(b.t, err, "the page at that moment: %s", b.snapshot())
	return v
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	return run(b, chromedp.Evaluate[T](expr))
}

// open navigates to path (relative to Gatehouse, or an absolute URL) and checks the page.
func (b *browser) open(path string) {
	b.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = b.env.URL + path
	}
	b.do(chromedp.Navigate(path), chromedp.WaitReady(chromedp.CSS("body")))
	b.check()
}

// waitFor waits until the element is visible and, with scripts on, htmx has settled (see
// waitJS).
func (b *browser) waitFor(sel string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)))
	if !b.opts.noJS {
		b.waitJS("true")
	}
}

// click clicks the element (which must be visible).
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// typeInto types text into a field, key by key, as a person does.
func (b *browser) typeInto(sel, text string) {
	b.t.Helper()
	b.do(chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// clearField empties an input as a person does, selecting its text and pressing Backspace, so
// the page sees the input event.
func (b *browser) clearField(sel string) {
	b.t.Helper()
	b.do(
		chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`),
		chromedp.KeyEvent(kb.Backspace),
	)
}

// text returns the visible text of the first element matching sel, trimmed.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// count returns how many elements match sel now.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf("document.querySelectorAll(%s).length", jsString(sel)))
}

// attr returns an attribute of the first element matching sel.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	return run(b, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

// location returns the page's URL.
func (b *browser) location() string {
	b.t.Helper()
	return run(b, chromedp.Location())
}

// path returns the page's URL path and query, when it is on Gatehouse.
func (b *browser) path() string {
	b.t.Helper()
	return strings.TrimPrefix(b.location(), b.env.URL)
}

// waitPath waits until the page's URL path (and query) satisfies ok; htmx and redirects
// change it without a load event to wait on.
func (b *browser) waitPath(what string, ok func(path string) bool) {
	b.t.Helper()
	b.waitLocation(what, func(u string) bool { return ok(strings.TrimPrefix(u, b.env.URL)) })
}

// waitLocation waits until the page's whole URL satisfies ok.
func (b *browser) waitLocation(what string, ok func(url string) bool) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		u := b.location()
		if ok(u) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the page never reached %s; it is at %s", what, u)
		}
		b.do(chromedp.Sleep(50 * time.Millisecond))
	}
}

// allowStatus lets the browser's "Failed to load resource: … status of <code>" console errors
// pass the checks: a journey that provokes that status on purpose (a 422 form, a 401 for an
// ended session) says so.
func (b *browser) allowStatus(code int) {
	b.tab.mu.Lock()
	b.tab.allowed = append(b.tab.allowed, fmt.Sprintf("status of %d ", code))
	b.tab.mu.Unlock()
}

// signIn goes through Gatehouse's sign-in and the emulator's form, checking both pages, and
// waits for the dashboard.
func (b *browser) signIn(login, password string) {
	b.t.Helper()
	b.open("/login")
	b.submitOktaForm(login, password)
	b.waitFor(`[data-testid="brand"]`)
	b.check()
}

// submitOktaForm fills in and submits the emulator's sign-in form on the open page.
func (b *browser) submitOktaForm(login, password string) {
	b.t.Helper()
	b.waitFor(`input[name="username"]`)
	b.do(
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
	)
}

// signInAs signs a demo account in with the demo password.
func (b *browser) signInAs(login string) {
	b.t.Helper()
	b.signIn(login, webtest.DemoPassword)
}

// clickLoad clicks a link or a submit button and waits for the page it loads (no JavaScript,
// or a form htmx does not enhance), then checks that page.
func (b *browser) clickLoad(sel string) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	require.NoError(b.t, err, "click %s and load the next page", sel)
	b.do(chromedp.WaitReady(chromedp.CSS("body")))
	b.check()
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case '\n':
			sb.WriteString(`\n`)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// htmxSettled is true when htmx has no request in flight and has wired up everything it
// swapped in.
const htmxSettled = `!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")`

// waitJS waits until the JavaScript expression is truthy and htmx has settled (pages with
// scripts only: the poll runs on the page's timers). Waiting for htmx too means the next
// click lands on content htmx has wired up: a test, unlike a person, could otherwise press a
// button in between and follow a link or submit a form without htmx.
func (b *browser) waitJS(expr string) {
	b.t.Helper()
	b.do(chromedp.Poll[chromedp.Void]("("+expr+") && "+htmxSettled, chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
}

// waitCount waits until exactly n elements match sel.
func (b *browser) waitCount(sel string, n int) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf(`document.querySelectorAll(%s).length === %d`, jsString(sel), n))
}
