package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// axeTags are the rule sets every page must pass: WCAG 2.0, 2.1 and 2.2 at levels A and AA
// (2.2 added no level-A rule to axe, so there is no wcag22a tag to ask for).
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axePath is axe-core, kept beside the browser tests and out of the embedded assets: tests
// inject it through DevTools.
var axePath = filepath.Join("testdata", "axe-4.14.1.min.js")

// cspListener records securitypolicyviolation events. newBrowser adds it to every document
// before the page's own scripts; check installs it too where that did not happen.
const cspListener = `(function () {
  if (window.__cspViolations) return;
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", function (e) {
    window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
      " in " + (e.sourceFile || e.documentURI) + ":" + e.lineNumber + (e.sample ? " (" + e.sample + ")" : ""));
  });
})()`

// syncMarker starts the console message check writes to know it has seen everything before it.
const syncMarker = "__gatehouse_e2e_sync "

// checkMode is one way a page is looked at.
type checkMode struct {
	name   string
	dark   bool
	width  int
	height int
	mobile bool
}

// checkModes are the views every page gets: light and dark at desktop width, and a phone in
// light (the colours are the same at every width; the phone is about layout: reflow, target
// sizes, scrolling regions).
var checkModes = []checkMode{
	{name: "light 1280px", width: desktopWidth, height: desktopHeight},
	{name: "dark 1280px", dark: true, width: desktopWidth, height: desktopHeight},
	{name: "light 375px phone", width: phoneWidth, height: phoneHeight, mobile: true},
}

// axeResult is the part of axe's results a failure message needs.
type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target  []any  `json:"target"`
			Summary string `json:"failureSummary"`
		} `json:"nodes"`
	} `json:"violations"`
}

// check is the one helper every journey calls after each navigation or swap: axe-core finds
// no WCAG 2.2 A/AA violation in light and dark schemes at desktop and phone widths, form
// controls reach 3:1 against their background in light and dark, no CSP violation happened,
// and nothing was written to the console as an error. Every mode is checked the first time the
// suite shows a kind of page (pagekinds_test.go); a repeat of a kind already checked fully is
// looked at by axe in the tab's own mode only, unless axe has already passed a document of the
// same kind and structure in that mode (structure_test.go): the same page with other words.
// CSP and console are judged on every visit.
func (b *browser) check() {
	b.t.Helper()
	where := b.path()

	// A form post or a redirect gives no load event to wait on: wait for the stylesheets here,
	// or axe would judge an unstyled page.
	b.do(chromedp.WaitReady(chromedp.CSS("body")), b.scripts(true), loaded, chromedp.Evaluate[chromedp.Void](cspListener))
	if b.opts.noJS {
		defer b.do(b.scripts(false))
		// Scripts are on only for the checks: the page must not have run any of its own.
		require.True(b.t, eval[bool](b, `typeof window.htmx === "undefined"`), "htmx ran on %s in a browser without JavaScript", where)
	}
	route := b.pageRoute()
	kind := b.pageKind(route)
	structure := b.structure()
	if suiteKinds.begin(route, kind) {
		b.injectAxe()
		passed := true
		for _, m := range checkModes {
			b.do(b.viewport(m.width, m.height, m.mobile), b.scheme(m.dark), settle)
			passed = b.axe(where, m.name) && passed
			if !m.mobile {
				// Colours are the same at every width: light and dark are what matter.
				passed = b.checkControlContrast(where, m.name) && passed
			}
		}
		b.do(b.viewport(b.opts.width, b.opts.height, b.opts.mobile), b.scheme(b.opts.dark))
		if passed {
			suiteKinds.done(route, kind)
			for _, m := range checkModes {
				suiteKinds.passed(kind, m.name, structure)
			}
		}
	} else if mode := b.opts.modeName(); suiteKinds.judge(kind, mode, structure) {
		b.do(settle)
		b.injectAxe()
		if b.axe(where, mode) {
			suiteKinds.passed(kind, mode, structure)
		}
	}

	csp := eval[[]string](b, `window.__cspViolations ? window.__cspViolations.splice(0) : []`)
	assert.Empty(b.t, csp, "CSP violations on %s", where)
	b.assertConsoleClean(where)
}

// axe runs axe-core on the page as it is now and fails the test on any violation; it reports
// whether the page passed.
func (b *browser) axe(where, mode string) bool {
	b.t.Helper()
	res := b.runAxe(false)
	if len(res.Violations) == 0 {
		return true
	}
	res = b.runAxe(true) // again, naming the elements for the message
	return assert.Fail(b.t, "accessibility violations", "axe found %d violation(s) on %s [%s]:\n%s", len(res.Violations), where, mode, formatAxe(res))
}

// modeName names the tab's own mode the way checkModes do.
func (o browserOptions) modeName() string {
	scheme := "light"
	if o.dark {
		scheme = "dark"
	}
	name := fmt.Sprintf("%s %dpx", scheme, o.width)
	if o.mobile {
		name += " phone"
	}
	return name
}

// loaded waits until the document and its subresources have loaded.
var loaded = chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout))

// settle finishes the CSS transitions a change of scheme or viewport starts (Pico fades link
// colours), so axe measures the colours people see and not a frame in between.
var settle = chromedp.Evaluate[chromedp.Void](`(function () {
  void document.documentElement.offsetHeight;
  document.getAnimations().forEach(function (a) { if (a instanceof CSSTransition) a.finish(); });
})()`)

// injectAxe loads axe-core into the page unless it is there already. Runtime.evaluate is not
// governed by the page's CSP, so this works where a <script> tag would be refused.
func (b *browser) injectAxe() {
	b.t.Helper()
	if eval[bool](b, `typeof window.axe === "object"`) {
		return
	}
	src, err := os.ReadFile(axePath)
	require.NoError(b.t, err, "read axe-core")
	b.do(chromedp.Evaluate[chromedp.Void](string(src)))
}

// runAxe runs axe-core with the WCAG 2.2 A/AA tags and returns the violations. Without
// selectors axe does not compute a CSS selector for every element it reports on, which makes a
// run 10–15% cheaper; the rules and their results are the same.
func (b *browser) runAxe(selectors bool) axeResult {
	b.t.Helper()
	tags := `["` + strings.Join(axeTags, `","`) + `"]`
	expr := `axe.run(document, {runOnly: {type: "tag", values: ` + tags + `}, resultTypes: ["violations"], selectors: ` + strconv.FormatBool(selectors) + `})
	  .then(function (r) { return {violations: r.violations.map(function (v) {
	    return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) {
	      return {target: n.target, failureSummary: n.failureSummary}; })}; })}; })`
	sctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(sctx, chromedp.Evaluate[axeResult](expr, chromedp.EvalAwaitPromise))
	require.NoError(b.t, err, "run axe")
	return res
}

// formatAxe prints violations readably: rule, impact, help, and each failing element.
func formatAxe(r axeResult) string {
	var sb strings.Builder
	for _, v := range r.Violations {
		fmt.Fprintf(&sb, "  - %s (%s): %s\n", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			summary := strings.ReplaceAll(strings.TrimSpace(n.Summary), "\n", "\n        ")
			fmt.Fprintf(&sb, "      %v\n        %s\n", n.Target, summary)
		}
	}
	return sb.String()
}

// assertConsoleClean fails on console errors, uncaught exceptions and security messages
// (CSP reports) written since the last check, except those the journey allowed.
func (b *browser) assertConsoleClean(where string) {
	b.t.Helper()
	b.syncConsole()
	b.tab.mu.Lock()
	fresh := b.tab.console[b.tab.seen:]
	b.tab.seen = len(b.tab.console)
	allowed := append([]string(nil), b.tab.allowed...)
	b.tab.mu.Unlock()
	var bad []string
	for _, m := range fresh {
		if !isConsoleError(m) || fromEvaluate(m) {
			continue
		}
		if (m.Source == "network" && containsAny(m.Text, allowed)) || b.emulatorFavicon(m) {
			continue
		}
		bad = append(bad, fmt.Sprintf("%s [%s] %s (%s:%d)", m.Type, m.Source, m.Text, m.URL, m.Line))
	}
	assert.Empty(b.t, bad, "console errors up to %s", where)
}

// syncConsole waits until the collector has received every message written so far: it writes
// a marker and waits for it, since messages arrive on another goroutine.
func (b *browser) syncConsole() {
	b.t.Helper()
	marker := fmt.Sprintf("%s%d", syncMarker, time.Now().UnixNano())
	b.do(chromedp.Evaluate[chromedp.Void](`console.debug(` + jsString(marker) + `)`))
	deadline := time.Now().Add(stepTimeout)
	for {
		b.tab.mu.Lock()
		ok := b.tab.syncSeen[marker]
		b.tab.mu.Unlock()
		if ok {
			return
		}
		require.False(b.t, time.Now().After(deadline), "the console marker never arrived")
		time.Sleep(5 * time.Millisecond)
	}
}

// emulatorFavicon reports the browser's own request for /favicon.ico on the Okta emulator's
// sign-in page, which links no icon: that page stands in for Okta's and is not Gatehouse's.
func (b *browser) emulatorFavicon(m chromedp.ConsoleMessage) bool {
	return m.Source == "network" && m.URL == b.env.Okta.URL()+"/favicon.ico"
}

func isConsoleError(m chromedp.ConsoleMessage) bool {
	switch {
	case m.Type == chromedp.ConsoleError, m.Type == chromedp.ConsoleException:
		return true
	case m.Source == "security":
		return true
	case strings.Contains(m.Text, "Content Security Policy"):
		return true
	}
	return false
}

// fromEvaluate reports whether a console call came from code the test evaluated (axe), which
// has no script URL.
func fromEvaluate(m chromedp.ConsoleMessage) bool {
	if m.Source != "" || m.Type == chromedp.ConsoleException || m.URL != "" {
		return false
	}
	if m.Stack == nil {
		return true
	}
	for _, f := range m.Stack.CallFrames {
		if f.URL != "" {
			return false
		}
	}
	return true
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
