package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/views"
	"gatehouse/web/webtest"
)

// focusInfo describes the focused element: a short name for order checks and its outline.
type focusInfo struct {
	Name         string  `json:"name"`
	OutlineStyle string  `json:"outlineStyle"`
	OutlineWidth float64 `json:"outlineWidth"`
	InDialog     bool    `json:"inDialog"`
}

// focusedJS names the focused element by its data-testid, id, link target or text, and reads
// its outline as the browser draws it.
const focusedJS = `(function () {
  var e = document.activeElement;
  if (!e || e === document.body) return {name: "body", outlineStyle: "none", outlineWidth: 0, inDialog: false};
  var name = e.getAttribute("data-testid") || e.id || e.getAttribute("href") || e.textContent.trim().slice(0, 30);
  var cs = getComputedStyle(e);
  return {name: name, outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0, inDialog: !!e.closest("dialog")};
})()`

// press sends one key (with modifiers) to the focused element, as a keyboard does: the key
// down carries its text, so the browser makes the keypress in the same event. (chromedp's
// KeyEvent sends the text as a separate char event; on a busy machine the page can move focus
// in between — Enter on a link opens a confirmation that focuses its button — and the late
// char then presses that button too, which no person's keyboard does.)
func (b *browser) press(key string, mods ...chromedp.Modifier) {
	b.t.Helper()
	var m int64
	for _, mod := range mods {
		m |= int64(mod)
	}
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range key {
			var down, up *input.DispatchKeyEventParams
			var text string
			for _, k := range kb.Encode(r) {
				switch k.Type {
				case kb.KeyDown:
					down = k
				case kb.KeyChar:
					text = k.Text
				case kb.KeyUp:
					up = k
				}
			}
			down.Type, down.Text, down.UnmodifiedText = kb.KeyDown, text, text
			if m&^int64(chromedp.ModifierShift) != 0 {
				down.Text, down.UnmodifiedText = "", "" // a shortcut types nothing
			}
			down.Modifiers |= m
			up.Modifiers |= m
			for _, ev := range []*input.DispatchKeyEventParams{down, up} {
				if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, *ev); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// focused returns the focused element, failing if its focus ring is not visible.
func (b *browser) focused() focusInfo {
	b.t.Helper()
	f := eval[focusInfo](b, focusedJS)
	assert.True(b.t, f.Name == "main" || (f.OutlineStyle != "none" && f.OutlineWidth > 0),
		"focus on %q is not visible (outline %s %gpx)", f.Name, f.OutlineStyle, f.OutlineWidth)
	return f
}

// tabKey presses Tab (or Shift+Tab) and returns the newly focused element.
func (b *browser) tabKey(back bool) focusInfo {
	b.t.Helper()
	if back {
		b.press(kb.Tab, chromedp.ModifierShift)
	} else {
		b.press(kb.Tab)
	}
	return b.focused()
}

// tabTo presses Tab until the element named want has focus and returns the names it passed,
// in order.
func (b *browser) tabTo(want string, limit int) []string {
	b.t.Helper()
	var order []string
	for range limit {
		f := b.tabKey(false)
		order = append(order, f.Name)
		if f.Name == want {
			return order
		}
	}
	require.Failf(b.t, "element not reachable by keyboard", "%q was not reached in %d presses of Tab; focus went %v", want, limit, order)
	return nil
}

// TestBrowserKeyboardChangePassword changes alice's password with the keyboard alone: the skip
// link leads to the form, Tab walks the fields in reading order with a visible focus ring,
// Shift+Tab walks back, and Enter submits.
func TestBrowserKeyboardChangePassword(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")
	b.open("/password")

	first := b.tabKey(false)
	assert.Equal(t, "#main", first.Name, "the first Tab reaches the skip link")
	assert.Equal(t, []string{"brand", "/", "/apps", "/groups", "/profile", "/password", "/security", "sign-out"}, b.tabTo("sign-out", 10),
		"the header is walked in reading order")
	b.tabKey(true)
	b.tabKey(true)
	b.tabKey(true)
	assert.Equal(t, "/profile", b.focused().Name, "Shift+Tab walks back")

	b.open("/password")
	b.tabKey(false)
	b.press(kb.Enter) // the skip link
	assert.Equal(t, "current_password", b.tabKey(false).Name, "after the skip link, Tab goes straight to the form")
	b.press(webtest.DemoPassword)
	assert.Equal(t, "new_password", b.tabKey(false).Name)
	b.press(newPassword)
	assert.Equal(t, "confirm_password", b.tabKey(false).Name, "the checklist between the fields takes no stop")
	b.press(newPassword)
	b.waitJS(`document.querySelectorAll('[data-testid="password-rules"] li[data-met="false"]').length === 0`)
	assert.Equal(t, "change-password", b.tabKey(false).Name)
	assert.Equal(t, "confirm_password", b.tabKey(true).Name)
	assert.Equal(t, "change-password", b.tabKey(false).Name)
	b.press(kb.Enter)
	b.waitFor(`[data-testid="password-panel"] [data-testid="alert-success"]`)
	assert.Equal(t, "alert-success", b.focused().Name, "focus lands on the result, not at the top of the page")
	b.check()
	assert.Contains(t, b.tabTo("signout-others", 5), "signout-others", "the offer to sign out other sessions is next")
}

// TestBrowserKeyboardAdminUnlock unlocks bob with the keyboard alone: Tab reaches Unlock, Enter
// opens the confirmation with focus inside it, Escape closes it and gives focus back to the
// page, and Enter on the confirmation's button unlocks him.
func TestBrowserKeyboardAdminUnlock(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	bob := env.Okta.UserID("bob@example.com")
	b.open(views.PersonURL(bob))

	order := b.tabTo("action-unlock", 25)
	assert.Contains(t, order, "subnav-people", "the admin menu comes before the page")
	b.press(kb.Enter)
	b.waitFor(`#dialog[open] [data-testid="confirm"]`)
	b.check()
	in := b.focused()
	assert.True(t, in.InDialog, "focus moves into the confirmation, on %q", in.Name)
	assert.Equal(t, "confirm-button", in.Name)
	assert.Equal(t, "cancel", b.tabKey(false).Name, "Tab stays in the confirmation")

	b.press(kb.Escape)
	b.waitJS(`!document.getElementById("dialog").open`)
	back := b.focused()
	assert.Equal(t, "action-unlock", back.Name, "after Escape, focus is back on the button that opened it")
	assert.Equal(t, "LOCKED_OUT", env.Okta.UserStatus(bob), "Escape changes nothing")

	b.press(kb.Enter)
	b.waitFor(`#dialog[open] [data-testid="confirm-button"]`)
	require.Equal(t, "confirm-button", b.focused().Name)
	b.press(kb.Enter)
	b.waitFor(`[data-testid="user-panel"] [data-testid="alert-success"]`)
	b.waitJS(`!document.getElementById("dialog").open`)
	b.check()
	assert.Equal(t, "ACTIVE", env.Okta.UserStatus(bob))
	done := b.focused()
	assert.True(t, strings.HasPrefix(done.Name, "alert-") || done.Name == views.UserPanelID,
		"after the action, focus goes to its result, not back to the top of the page (focus on %q)", done.Name)
}
