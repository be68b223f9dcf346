package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/handlers"
	"gatehouse/views"
	"gatehouse/web/webtest"
)

// The account pages in the person's language (issue 20): lena's Okta profile asks for German,
// yuki's for Japanese. Each page's headings, buttons, errors and the names of sign-in methods
// come from the catalog, <html lang> says which, and none of the page's English is left.

// accountLanguages are the people whose profiles choose the language, with the words each
// page must say in it.
var accountLanguages = []struct {
	lang, login string
	// editTitle … sessionsTitle are the pages' headings.
	editTitle, saveButton, securityTitle, setupTitle, sessionsTitle string
	// appName and pending are a factor's kind and status in words.
	appName, pending string
	// tooLong is pronouns' error for 31 characters (the schema's maxLength is 30); notSaved
	// the alert's title.
	tooLong, notSaved string
	// device and thisDevice: the sessions list's words around the browser's names.
	device, thisDevice, endOthers string
}{
	{
		lang: "de", login: "lena@example.com",
		editTitle: "Ihre Angaben bearbeiten", saveButton: "Änderungen speichern",
		securityTitle: "Anmeldemethoden", setupTitle: "Authenticator-App einrichten", sessionsTitle: "Wo Sie angemeldet sind",
		appName: "Authenticator-App", pending: "Einrichtung nicht abgeschlossen",
		tooLong: "Verwenden Sie höchstens 30 Zeichen.", notSaved: "Ihre Angaben wurden nicht gespeichert",
		device: "Chrome auf macOS", thisDevice: "Dieses Gerät", endOthers: "1 andere Sitzung beenden?",
	},
	{
		lang: "ja", login: "yuki@example.com",
		editTitle: "ご自身の情報の編集", saveButton: "変更を保存",
		securityTitle: "サインイン方法", setupTitle: "認証アプリの設定", sessionsTitle: "サインイン中の場所",
		appName: "認証アプリ", pending: "設定が未完了",
		tooLong: "30 文字以内で入力してください。", notSaved: "情報は保存されませんでした",
		device: "macOS の Chrome", thisDevice: "このデバイス", endOthers: "他の 1 件のセッションを終了しますか？",
	},
}

// accountEnglish are English phrases of the account pages that must not be left on a page in
// another language.
var accountEnglish = []string{
	"Edit your details", "Save changes", "Back to your profile", "read-only", "Not set",
	"Sign-in methods", "Authenticator app", "Setup not finished", "Finish setting up", "Set up an authenticator app",
	"Remove", "Set up on", "Where you're signed in", "Change password",
	"Your details were not saved", "Use at most", "Please fix", "This device", "Chrome on macOS",
	"Firefox on Linux", "End all other sessions", "Last active", "Signed in", "Try again", "Cancel",
	"Open your authenticator app", "Copy key", "Code from the app", "Later", "Start again with a new key",
}

// assertSpeaks checks a page's <html lang>, that it says each of want, and that it says none
// of the account pages' English.
func assertSpeaks(t *testing.T, doc *goquery.Document, lang string, want ...string) {
	t.Helper()
	assert.Equal(t, lang, doc.Find("html").AttrOr("lang", ""))
	text := doc.Find("main").Text()
	for _, w := range want {
		assert.Contains(t, text, w)
	}
	for _, en := range accountEnglish {
		assert.NotContains(t, text, en, "English left on the %s page", lang)
	}
}

// TestAccountPagesInTheirLanguage is handler-level: the profile editor, the sign-in methods
// (with an authenticator app whose setup has started: its kind and status in words) and the
// app's setup page, for lena in German and yuki in Japanese.
func TestAccountPagesInTheirLanguage(t *testing.T) {
	t.Parallel()
	for _, tt := range accountLanguages {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			h := webtest.NewHandlers(t, webtest.Options{})
			get := func(t *testing.T, f handlers.Func, path string) *goquery.Document {
				t.Helper()
				r := h.App.Language.Localized(h.As(t, webtest.Request(http.MethodGet, path, nil, nil), tt.login))
				w, err := webtest.Call(f, r)
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, w.Code)
				return parseHTML(t, w.Body.String())
			}

			t.Run("profile editor", func(t *testing.T) {
				doc := get(t, h.App.Self.EditProfileForm, "/profile/edit")
				assertSpeaks(t, doc, tt.lang, tt.editTitle, tt.saveButton)
				assert.Equal(t, tt.editTitle, strings.TrimSpace(doc.Find("h1").Text()))
				assert.Contains(t, doc.Find("title").Text(), tt.editTitle, "the page title too")
			})

			// An authenticator app whose setup has started: a POST, as the button sends it.
			r := h.App.Language.Localized(h.As(t, webtest.Request(http.MethodPost, "/security/authenticator", url.Values{}, nil), tt.login))
			w, err := webtest.Call(h.App.Self.StartAuthenticator, r)
			require.NoError(t, err)
			require.Equal(t, http.StatusSeeOther, w.Code)

			t.Run("sign-in methods", func(t *testing.T) {
				doc := get(t, h.App.Self.Security, "/security")
				assertSpeaks(t, doc, tt.lang, tt.securityTitle)
				app := doc.Find("[data-testid=factor-row]").FilterFunction(func(_ int, s *goquery.Selection) bool {
					return s.Find("[data-testid=resume-setup]").Length() > 0
				})
				require.Equal(t, 1, app.Length(), "the app being set up is listed")
				assert.Equal(t, tt.appName, strings.TrimSpace(app.Find("th").Text()), "the factor's kind in words")
				assert.Equal(t, tt.pending, strings.TrimSpace(app.Find("[data-testid=factor-status]").Text()))
			})

			t.Run("authenticator setup", func(t *testing.T) {
				doc := get(t, h.App.Self.AuthenticatorSetup, "/security/authenticator")
				assertSpeaks(t, doc, tt.lang, tt.setupTitle)
				assert.NotEmpty(t, doc.Find("[data-testid=totp-qr]").AttrOr("alt", ""))
				assert.NotContains(t, doc.Find("[data-testid=totp-qr]").AttrOr("alt", ""), "QR code for")
			})
		})
	}
}

// TestProfileErrorsInTheirLanguage: a value too long for its attribute comes back on the form
// with the input kept and the problem explained in the person's language, with the schema's
// number in it.
func TestProfileErrorsInTheirLanguage(t *testing.T) {
	t.Parallel()
	for _, tt := range accountLanguages {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			h := webtest.NewHandlers(t, webtest.Options{})
			long := strings.Repeat("x", 31)
			form := attrs("pronouns", long, "timezone", "Mars/Olympus")
			r := h.App.Language.Localized(h.As(t, webtest.Request(http.MethodPost, "/profile/edit", form, nil), tt.login))
			w, err := webtest.Call(h.App.Self.SaveProfile, r)
			require.NoError(t, err)
			require.Equal(t, http.StatusUnprocessableEntity, w.Code)
			doc := parseHTML(t, w.Body.String())

			assertSpeaks(t, doc, tt.lang, tt.notSaved)
			assert.Equal(t, tt.tooLong, strings.TrimSpace(doc.Find("[data-testid=error-pronouns]").Text()))
			assert.Equal(t, long, doc.Find("[name='"+views.FieldName("pronouns")+"']").AttrOr("value", ""), "the input is kept")
			assert.Equal(t, "Mars/Olympus", doc.Find("[name='"+views.FieldName("timezone")+"']").AttrOr("value", ""))
			assert.NotEmpty(t, doc.Find("[data-testid=error-timezone]").Text())
			assert.NotContains(t, doc.Find("[data-testid=error-timezone]").Text(), "Enter a time zone")
		})
	}
}

// TestSessionsInTheirLanguage is real HTTP: lena and yuki, each signed in on a Mac and on
// Linux, see their sessions in their language — the browser's and system's names kept as
// names, the words around them translated — and the confirmation counts in it.
func TestSessionsInTheirLanguage(t *testing.T) {
	t.Parallel()
	for _, tt := range accountLanguages {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			env := webtest.New(t, webtest.Options{})
			signIn := func(ua string) *http.Client {
				c := env.Client()
				c.Transport = withUA{ua: ua, next: c.Transport}
				res := webtest.SubmitSignIn(t, c, env.StartSignIn(t, c, "/login"), tt.login, webtest.DemoPassword)
				res.Body.Close()
				require.Equal(t, env.URL+"/", res.Request.URL.String())
				return c
			}
			mac := signIn(uaMac)
			signIn(uaFirefox)

			_, doc := env.Page(t, mac, "/sessions")
			assertSpeaks(t, doc, tt.lang, tt.sessionsTitle)
			current := doc.Find("[data-testid=session-row][data-current]")
			assert.Contains(t, current.Text(), tt.device)
			assert.Equal(t, tt.thisDevice, strings.TrimSpace(current.Find("[data-testid=this-device]").Text()))
			assert.Contains(t, doc.Find("[data-testid=session-row]").Not("[data-current]").Text(), "Firefox", "a name stays a name")

			_, doc = env.Page(t, mac, "/sessions/end-others")
			assertSpeaks(t, doc, tt.lang, tt.endOthers)
		})
	}
}
