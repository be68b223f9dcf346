// Package e2e drives Gatehouse in a real browser (headless Chromium through chromedp): every
// journey, accessibility checks with axe-core, CSP and console checks, keyboard-only use, and
// the screenshots in docs/screenshots. Its tests skip with a clear message when Chromium is not
// installed, unless GATEHOUSE_REQUIRE_BROWSER is set (CI sets it), in which case they fail.
package e2e
