package e2e

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"gatehouse/views"
	"gatehouse/web/webtest"
)

// screenshotVariant is one way each page is captured.
type screenshotVariant struct {
	suffix        string
	dark, mobile  bool
	width, height int
}

// screenshotVariants: light and dark at 1280×900, and a 390×844 phone in light.
var screenshotVariants = []screenshotVariant{
	{suffix: "", width: desktopWidth, height: desktopHeight},
	{suffix: "-dark", dark: true, width: desktopWidth, height: desktopHeight},
	{suffix: "-mobile", mobile: true, width: 390, height: 844},
}

// screenshotPage is one page `make screenshots` captures: who looks at it, where, and what to
// do before the picture (open a dialog, type into a form).
type screenshotPage struct {
	name, login, path string
	prepare           func(b *browser)
	// desktopOnly takes the light desktop picture alone (the dashboard in each language: the
	// other variants show the same layout).
	desktopOnly bool
}

// inLanguage chooses lang from the language menu of the open page, which comes back to it.
func inLanguage(lang string) func(b *browser) {
	return func(b *browser) {
		b.selectOption(`select[name="lang"]`, lang)
		b.clickLoad(`[data-testid="language-menu"] button[type="submit"]`)
	}
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
	bob := env.Okta.UserID("bob@example.com")
	alice := env.Okta.UserID("alice@example.com")

	// Something for the audit log to show: ada unsuspends carol, resets erin's password and
	// activates dave.
	ada := env.SignInAs(t, "ada@example.com")
	for _, a := range []struct{ login, action, reason string }{
		{"carol@example.com", "unsuspend", ""},
		{"erin@example.com", "reset-password", "SUP-2211 forgot password"},
		{"dave@example.com", "activate", ""},
	} {
		form := url.Values{"confirm": {"yes"}, "reason": {a.reason}}
		res := env.Do(t, ada, http.MethodPost, views.PersonURL(env.Okta.UserID(a.login))+"/"+a.action, form, nil)
		require.NoError(t, res.Body.Close())
		require.Less(t, res.StatusCode, 400, "%s %s", a.action, a.login)
	}

	// alice is also signed in on her phone, for the list of her sessions.
	phone := env.Client()
	phone.Transport = userAgent{ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"}
	res := env.StartSignIn(t, phone, "/login")
	require.NoError(t, webtest.SubmitSignIn(t, phone, res, "alice@example.com", webtest.DemoPassword).Body.Close())

	// And the person page's sections of issue 19: bob's title edited, alice added to Finance.
	finance := env.Okta.GroupIDOfType("Finance", "OKTA_GROUP")
	for _, a := range []struct {
		path string
		form url.Values
	}{
		{views.PersonEditURL(bob), url.Values{"attr.title": {"Staff Engineer"}}},
		{views.PersonURL(alice) + "/groups", url.Values{"group_id": {finance}}},
	} {
		res := env.Do(t, ada, http.MethodPost, a.path, a.form, nil)
		require.NoError(t, res.Body.Close())
		require.Less(t, res.StatusCode, 400, "%s", a.path)
	}
	aliceFactor := env.Okta.Factors(alice)[0].ID

	pages := []screenshotPage{
		{name: "landing", path: "/"},
		{name: "dashboard", login: "alice@example.com", path: "/"},
		{name: "apps", login: "alice@example.com", path: "/apps"},
		{name: "groups", login: "alice@example.com", path: "/groups"},
		{name: "profile", login: "alice@example.com", path: "/profile"},
		{name: "password", login: "alice@example.com", path: "/password", prepare: func(b *browser) {
			b.typeInto(`#new_password`, "garden-Gate")
			b.waitRule("upper", true)
		}},
		{name: "recovery-question", login: "alice@example.com", path: "/recovery-question"},
		{name: "profile-edit", login: "alice@example.com", path: "/profile/edit"},
		{name: "security", login: "ada@example.com", path: "/security"},
		{name: "authenticator", login: "alice@example.com", path: "/security", prepare: func(b *browser) {
			b.click(`[data-testid="setup-app"]`)
			b.waitFor(`[data-testid="totp-secret"]`)
			b.do(loaded)
		}},
		{name: "sessions", login: "alice@example.com", path: "/sessions"},
		{name: "admin-users", login: "ada@example.com", path: "/admin/users?status=LOCKED_OUT"},
		{name: "admin-person", login: "ada@example.com", path: views.PersonURL(bob)},
		{name: "admin-confirm", login: "ada@example.com", path: views.PersonURL(alice), prepare: func(b *browser) {
			b.chooseAction("reset-password")
			b.waitFor(`#dialog[open] [data-testid="confirm-form"]`)
		}},
		{name: "admin-create", login: "ada@example.com", path: "/admin/users/new"},
		{name: "admin-audit", login: "ada@example.com", path: "/admin/audit"},
		{name: "admin-edit-profile", login: "ada@example.com", path: views.PersonEditURL(bob)},
		{name: "admin-person-groups", login: "ada@example.com", path: views.PersonURL(alice), prepare: func(b *browser) {
			b.typeInto(`[data-testid="group-search"]`, "Gate")
			b.waitFor(`[data-testid="group-found"]`)
			b.do(chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="person-groups"]`)))
		}},
		{name: "admin-group-remove", login: "ada@example.com", path: views.GroupRemoveURL(alice, finance)},
		{name: "admin-factor-reset", login: "hal@example.com", path: views.FactorResetURL(alice, aliceFactor)},
		{name: "admin-resend-activation", login: "ada@example.com", path: views.PersonURL(env.Okta.UserID("grace@example.com")), prepare: func(b *browser) {
			b.do(chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="resend-activation"]`)))
		}},
		// What the helpdesk sees on a protected account: no action, and why.
		{name: "helpdesk-protected", login: "hal@example.com", path: views.PersonURL(env.Okta.UserID("okta-admin@example.com"))},
		// The dashboard in each language (issue 20): lena's profile asks for German, yuki's
		// for Japanese; alice, last, goes through French and Spanish with the menu and back to
		// English, so that her other pictures above stay English.
		{name: "dashboard-de", login: "lena@example.com", path: "/", desktopOnly: true},
		{name: "dashboard-ja", login: "yuki@example.com", path: "/", desktopOnly: true},
		{name: "dashboard-fr", login: "alice@example.com", path: "/", prepare: inLanguage("fr"), desktopOnly: true},
		{name: "dashboard-es", login: "alice@example.com", path: "/", prepare: inLanguage("es"), desktopOnly: true},
		{name: "dashboard-en", login: "alice@example.com", path: "/", prepare: inLanguage("en"), desktopOnly: true},
	}

	browsers := map[string]*browser{}
	for _, p := range pages {
		b, ok := browsers[p.login]
		if !ok {
			b = newBrowser(t, env, browserOptions{})
			if p.login != "" {
				b.signInAs(p.login)
			}
			browsers[p.login] = b
		}
		b.do(chromedp.Navigate(env.URL+p.path), loaded)
		if p.prepare != nil {
			p.prepare(b)
		}
		b.do(chromedp.Blur(chromedp.CSS("body")))
		for _, v := range screenshotVariants {
			if p.desktopOnly && (v.dark || v.mobile) {
				continue
			}
			b.do(b.viewport(v.width, v.height, v.mobile), b.scheme(v.dark), settle)
			shot := run(b, chromedp.CaptureScreenshot())
			require.NoError(t, os.WriteFile(filepath.Join(dir, p.name+v.suffix+".png"), recompress(t, shot), 0o644))
		}
		b.do(b.viewport(desktopWidth, desktopHeight, false), b.scheme(false))
	}
}

// recompress re-encodes Chrome's PNG at the best compression: the same pixels, smaller files
// to commit.
func recompress(t *testing.T, shot []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	require.NoError(t, enc.Encode(&buf, img))
	if buf.Len() < len(shot) {
		return buf.Bytes()
	}
	return shot
}

// userAgent is a browser that names itself ua.
type userAgent struct{ ua string }

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(r)
}
