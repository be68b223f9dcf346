package e2e

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// totpNow is the RFC 6238 code of a base32 key (spaces allowed) now, as an authenticator app
// computes it from the key it was given.
func totpNow(t *testing.T, key string) string {
	t.Helper()
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.ReplaceAll(key, " ", "")))
	require.NoError(t, err)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(time.Now().Unix()/30))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1_000_000)
}

// TestBrowserEditProfile: alice reaches her details editor from her profile, changes her
// mobile phone and her office with the keyboard and a select, and saves; the emulator holds
// them. A bad time zone is refused on its field with her input kept. axe on every page.
func TestBrowserEditProfile(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")
	alice := env.Okta.UserID("alice@example.com")

	b.open("/profile")
	b.clickLoad(`[data-testid="link-edit-profile"]`)
	assert.Equal(t, "/profile/edit", b.path())
	assert.Equal(t, "Senior Software Engineer", b.text(`[data-testid="readonly-title"] .field-value`), "the job title is shown, not editable")
	assert.Zero(t, b.count(`[name="attr.title"]`))

	// Keyboard: after the skip link, Tab goes through the editable fields.
	b.tabKey(false)
	b.press(kb.Enter)
	order := b.tabTo("attr-mobilePhone", 12)
	assert.Contains(t, order, "attr-firstName", "the schema's order: names before the phone")
	b.clearField(`#attr-mobilePhone`)
	b.press("+1 503 555 0123")
	b.selectOption(`#attr-officeLocation`, "BER")
	b.clickLoad(`[data-testid="save-profile"]`)
	assert.Contains(t, b.text(`[data-testid="alert-success"]`), "Your details have been saved")
	v, _ := env.Okta.ProfileValue(alice, "mobilePhone")
	assert.Equal(t, "+1 503 555 0123", v)
	office, _ := env.Okta.ProfileValue(alice, "officeLocation")
	assert.Equal(t, "BER", office)

	b.allowStatus(http.StatusUnprocessableEntity)
	b.clearField(`#attr-timezone`)
	b.typeInto(`#attr-timezone`, "Mars/Olympus")
	b.clickLoad(`[data-testid="save-profile"]`)
	assert.Contains(t, b.text(`[data-testid="error-timezone"]`), "time zone")
	assert.Equal(t, "Mars/Olympus", b.attr(`#attr-timezone`, "value"), "the input is kept")
	assert.Equal(t, "true", b.attr(`#attr-timezone`, "aria-invalid"))
}

// TestBrowserSecurity: alice sets up an authenticator app from /security — reading the key on
// the page, answering with a code computed from it — sees it listed, then removes it with a
// confirmation; Okta Verify, her last method, cannot be removed. axe on every page, the QR
// image loads under the CSP.
func TestBrowserSecurity(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")

	b.open("/security")
	assert.Contains(t, b.text(`[data-testid="factor-list"]`), "Alice's iPhone")
	assert.Equal(t, 1, b.count(`[data-testid="remove-why"]`), "the only method says why it stays")
	order := b.tabTo("setup-app", 25)
	assert.Contains(t, order, "/security", "the nav has Security")
	b.press(kb.Enter)
	b.waitFor(`[data-testid="totp-secret"]`)
	b.check()
	require.True(t, eval[bool](b, `(function(){var i=document.querySelector('[data-testid="totp-qr"]');return i.complete && i.naturalWidth > 100;})()`), "the QR code image loaded")
	key := b.text(`[data-testid="totp-secret"]`)

	b.allowStatus(http.StatusUnprocessableEntity)
	b.typeInto(`#code`, "000000")
	b.clickLoad(`[data-testid="activate-app"]`)
	if b.count(`[data-testid="error-code"]`) > 0 { // 000000 is right once in a million
		assert.Contains(t, b.text(`[data-testid="error-code"]`), "That code is not right")
		assert.Equal(t, key, b.text(`[data-testid="totp-secret"]`), "the setup stays")
		b.typeInto(`#code`, totpNow(t, key))
		b.clickLoad(`[data-testid="activate-app"]`)
	}
	assert.Contains(t, b.text(`[data-testid="alert-success"]`), "Your authenticator app is set up")
	assert.Contains(t, b.text(`[data-testid="factor-list"]`), "Authenticator app")

	b.clickLoad(`[data-factor] [data-testid="remove-factor"]`)
	assert.Contains(t, b.text(`[data-testid="remove-factor-confirm"] h1`), "Remove")
	b.clickLoad(`[data-testid="confirm-remove"]`)
	assert.Contains(t, b.text(`[data-testid="alert-success"]`), "removed")
	assert.Equal(t, 1, b.count(`[data-testid="factor-row"]`))
}

// TestBrowserSessions: alice, signed in here and in another browser, sees both on /sessions
// with "this device", ends the other after a confirmation, and the other browser is signed
// out at once.
func TestBrowserSessions(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("alice@example.com")
	other := env.SignInAs(t, "alice@example.com")

	b.open("/sessions")
	assert.Equal(t, 2, b.count(`[data-testid="session-row"]`))
	assert.Contains(t, b.text(`[data-testid="session-row"][data-current]`), "This device")
	assert.Contains(t, b.text(`[data-testid="session-row"][data-current]`), "Chrome on Linux", "the browser in words")
	b.tabTo("end-session", 20)
	b.press(kb.Enter)
	b.waitFor(`[data-testid="end-session-confirm"]`)
	b.check()
	b.clickLoad(`[data-testid="confirm-end"]`)
	assert.Contains(t, b.text(`[data-testid="alert-success"]`), "The session has ended")
	assert.Equal(t, 1, b.count(`[data-testid="session-row"]`))

	res, err := webtest.NoRedirects(other).Get(env.URL + "/sessions")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusFound, res.StatusCode, "the other browser is signed out")
}
