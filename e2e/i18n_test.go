package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"

	"gatehouse/web/webtest"
)

// TestBrowserLanguages is one journey per language (issue 20): the language menu switches the
// whole layout, and a 404 page speaks the chosen language, each checked by axe (WCAG 2.2 AA,
// "language of page" and "language of parts" included: every option of the menu carries its
// own lang). Signed in, lena's German profile decides until she chooses; the browser's time
// zone reaches the server through the gh_tz cookie that app.js sets.
func TestBrowserLanguages(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.allowStatus(404) // the error pages are 404s, by design
	b.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
		return err
	}))

	b.open("/forgot-password")
	assert.Equal(t, "en", b.attr("html", "lang"), "a browser that asks for nothing gets English")
	b.waitJS(`document.cookie.split("; ").indexOf("gh_tz=Asia/Tokyo") >= 0`)
	for _, opt := range []string{"en", "de", "fr", "es", "ja"} {
		assert.Equal(t, opt, b.attr(`select[name="lang"] option[value="`+opt+`"]`, "lang"), "each language is offered in its own words, marked as such")
	}

	tests := []struct{ lang, skip, signIn, notFound string }{
		{"de", "Zum Hauptinhalt springen", "Anmelden", "Nicht gefunden"},
		{"fr", "Aller au contenu principal", "Se connecter", "Introuvable"},
		{"es", "Saltar al contenido principal", "Iniciar sesión", "No encontrado"},
		{"ja", "メインコンテンツへスキップ", "サインイン", "見つかりません"},
		{"en", "Skip to main content", "Sign in", "Not found"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			b := b.on(t)
			b.selectOption(`select[name="lang"]`, tt.lang)
			b.clickLoad(`[data-testid="language-menu"] button[type="submit"]`)
			assert.Equal(t, "/forgot-password", b.path(), "the menu comes back to the page it was on")
			assert.Equal(t, tt.lang, b.attr("html", "lang"))
			assert.Equal(t, tt.skip, b.text(".skip-link"))
			assert.Equal(t, tt.signIn, b.text(`[data-testid="sign-in-nav"]`))
			assert.Equal(t, tt.lang, b.attr(`select[name="lang"] option[selected]`, "value"))

			b.open("/no-such-page")
			b.waitFor(`[data-testid="error-page"]`)
			assert.Equal(t, tt.lang, b.attr("html", "lang"))
			assert.Equal(t, tt.notFound, b.text(`[data-testid="error-page"] h1`))
			b.open("/forgot-password")
		})
	}

	// The English chosen last in this browser survives sign-in and beats lena's German
	// profile (an explicit choice wins). Then, signed in once, she goes through every language
	// with the menu: the dashboard and the password page in each, each page checked by axe
	// once per language. The menu is used alternately from the dashboard and from the password
	// page, so that every language costs two page loads.
	t.Run("lena", func(t *testing.T) {
		b := b.on(t)
		b.signInAs("lena@example.com")
		assert.Equal(t, "en", b.attr("html", "lang"), "the English chosen before signing in survives it")
		signedIn := []struct{ lang, signOut, apps, password string }{
			{"de", "Abmelden", "Ihre Apps", "Ihr Passwort ändern"},
			{"fr", "Se déconnecter", "Vos applications", "Changer votre mot de passe"},
			{"es", "Cerrar sesión", "Sus aplicaciones", "Cambiar su contraseña"},
			{"ja", "サインアウト", "アプリ", "パスワードを変更"},
			{"en", "Sign out", "Your apps", "Change your password"},
		}
		for i, tt := range signedIn {
			b.selectOption(`select[name="lang"]`, tt.lang)
			b.clickLoad(`[data-testid="language-menu"] button[type="submit"]`)
			assert.Equal(t, tt.lang, b.attr("html", "lang"))
			assert.Equal(t, tt.signOut, b.text(`[data-testid="sign-out"]`))
			if i%2 == 0 {
				// On the dashboard; then to the password page.
				assert.Equal(t, tt.apps, b.text("#apps-card-title"), "%s dashboard", tt.lang)
				b.clickLoad(`[data-testid="profile-card"] a[href="/password"]`)
				assert.Equal(t, tt.password, b.text("main h1"), "%s password page", tt.lang)
			} else {
				// On the password page; then home.
				assert.Equal(t, tt.password, b.text("main h1"), "%s password page", tt.lang)
				b.clickLoad(`[data-testid="brand"]`)
				assert.Equal(t, tt.apps, b.text("#apps-card-title"), "%s dashboard", tt.lang)
			}
		}
	})
}
