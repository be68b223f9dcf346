package web_test

// Every page in the person's language (issue 20), through the whole stack: the middleware that
// resolves the Locale, the language menu, sign-in and sign-out, and the error adaptor.

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/handlers"
	"gatehouse/web/webtest"
)

// pageLang returns a page's <html lang> and its sign-out (or sign-in) button's words.
func pageLang(doc *goquery.Document) (lang, signOut string) {
	lang, _ = doc.Find("html").Attr("lang")
	return lang, doc.Find("[data-testid=sign-out]").First().Text()
}

// chooseLanguage posts the language menu of doc as a browser would.
func chooseLanguage(t *testing.T, env *webtest.Env, c *http.Client, page *http.Response, doc *goquery.Document, lang string) (*http.Response, *goquery.Document) {
	t.Helper()
	form := doc.Find("form[data-testid=language-menu]")
	require.Equal(t, 1, form.Length(), "every page has the language menu")
	data := url.Values{"lang": {lang}}
	if ret, ok := form.Find("input[name=return]").Attr("value"); ok {
		data.Set("return", ret)
	}
	res, err := c.PostForm(env.URL+"/language", data)
	require.NoError(t, err)
	return res, webtest.Parse(t, res)
}

// TestGermanProfileAfterSignIn: lena's Okta profile asks for German; she sees German from the
// first page after sign-in, with <html lang="de">.
func TestGermanProfileAfterSignIn(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	tests := []struct{ login, lang, signOut, apps string }{
		{"lena@example.com", "de", "Abmelden", "Ihre Apps"},
		{"yuki@example.com", "ja", "サインアウト", "アプリ"},
		{"alice@example.com", "en", "Sign out", "Your apps"},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			c := env.SignInAs(t, tt.login)
			_, doc := env.Page(t, c, "/")
			lang, signOut := pageLang(doc)
			assert.Equal(t, tt.lang, lang)
			assert.Equal(t, tt.signOut, signOut)
			assert.Equal(t, tt.apps, doc.Find("#apps-card-title").Text(), "the dashboard speaks it too")

			// An error page for a signed-in person speaks their profile's language too, and
			// finding it costs Okta nothing (the profile kept at sign-in).
			calls := len(env.Okta.Requests())
			res := env.Do(t, c, http.MethodGet, "/no-such-page", nil, nil)
			doc = webtest.Parse(t, res)
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
			lang, _ = pageLang(doc)
			assert.Equal(t, tt.lang, lang)
			assert.Equal(t, calls, len(env.Okta.Requests()), "a 404 makes no Okta call")
		})
	}
}

// TestLanguageMenuKeepsTheChoice: the menu switches the language, which then holds on every
// page, after sign-out, and through the next sign-in; an explicit choice beats the profile.
func TestLanguageMenuKeepsTheChoice(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	c := env.SignInAs(t, "lena@example.com")
	res, doc := env.Page(t, c, "/groups")
	res, doc = chooseLanguage(t, env, c, res, doc, "fr")
	assert.Equal(t, env.URL+"/groups", res.Request.URL.String(), "post/redirect/get back to the page the menu was on")
	lang, signOut := pageLang(doc)
	assert.Equal(t, "fr", lang, "the choice beats lena's German profile")
	assert.Equal(t, "Se déconnecter", signOut)
	_, doc = env.Page(t, c, "/profile")
	lang, _ = pageLang(doc)
	assert.Equal(t, "fr", lang, "and holds on the next page")
	selected, _ := doc.Find("select[name=lang] option[selected]").Attr("value")
	assert.Equal(t, "fr", selected, "the menu shows the language in use")

	// Sign out: the signed-out pages keep French (the cookie).
	res = env.Do(t, c, http.MethodPost, "/logout", url.Values{}, nil)
	res.Body.Close()
	_, doc = env.Page(t, c, "/forgot-password")
	lang, _ = pageLang(doc)
	assert.Equal(t, "fr", lang, "signed out, the choice holds")
	assert.Equal(t, "Se connecter", doc.Find("[data-testid=sign-in-nav]").Text())

	// Switch to Spanish while signed out, then sign in: the choice survives the round trip.
	res, doc = env.Page(t, c, "/forgot-password")
	_, doc = chooseLanguage(t, env, c, res, doc, "es")
	lang, _ = pageLang(doc)
	require.Equal(t, "es", lang)
	res = env.StartSignIn(t, c, "/login")
	res = webtest.SubmitSignIn(t, c, res, "lena@example.com", webtest.DemoPassword)
	doc = webtest.Parse(t, res)
	lang, signOut = pageLang(doc)
	assert.Equal(t, "es", lang, "the choice made before signing in survives it")
	assert.Equal(t, "Cerrar sesión", signOut)
}

// TestLanguageMenuRefuses: the menu takes only the languages it offers, and goes back only to a
// local page.
func TestLanguageMenuRefuses(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	c := webtest.NoRedirects(env.Client())
	tests := []struct {
		name     string
		form     url.Values
		status   int
		location string
	}{
		{name: "a language it offers", form: url.Values{"lang": {"ja"}, "return": {"/forgot-password?x=1"}}, status: http.StatusSeeOther, location: "/forgot-password?x=1"},
		{name: "another site", form: url.Values{"lang": {"de"}, "return": {"//evil.example/"}}, status: http.StatusSeeOther, location: "/"},
		{name: "a scheme", form: url.Values{"lang": {"de"}, "return": {"https://evil.example/"}}, status: http.StatusSeeOther, location: "/"},
		{name: "no return", form: url.Values{"lang": {"de"}}, status: http.StatusSeeOther, location: "/"},
		{name: "a language it does not offer", form: url.Values{"lang": {"pt"}}, status: http.StatusBadRequest},
		{name: "no language", form: url.Values{}, status: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Do(t, c, http.MethodPost, "/language", tt.form, nil)
			defer res.Body.Close()
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, tt.location, res.Header.Get("Location"))
		})
	}
	res := env.Do(t, c, http.MethodGet, "/language", nil, nil)
	res.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, "no state change on GET")
	res = env.Do(t, c, http.MethodPost, "/language", url.Values{"lang": {"de"}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "cross-origin protection like every POST")
}

// TestLanguageCookie: the choice is remembered for a year, HttpOnly, SameSite=Lax, and Secure
// when the portal is served over https.
func TestLanguageCookie(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{TLS: true})
	res := env.Do(t, webtest.NoRedirects(env.Client()), http.MethodPost, "/language", url.Values{"lang": {"de"}}, nil)
	res.Body.Close()
	var got *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == handlers.LanguageCookie {
			got = ck
		}
	}
	require.NotNil(t, got)
	assert.Equal(t, "de", got.Value)
	assert.Equal(t, "/", got.Path)
	assert.Equal(t, 365*24*3600, got.MaxAge)
	assert.True(t, got.HttpOnly)
	assert.True(t, got.Secure)
	assert.Equal(t, http.SameSiteLaxMode, got.SameSite)
}

// TestErrorPageInEachLanguage: a 404 speaks the browser's language (signed out:
// Accept-Language), with its <html lang>, title and sentences from the catalog.
func TestErrorPageInEachLanguage(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	tests := []struct{ accept, lang, title, home string }{
		{"en-GB,en;q=0.9", "en", "Not found", "Go to the home page"},
		{"de-DE,de;q=0.9", "de", "Nicht gefunden", "Zur Startseite"},
		{"fr-FR,fr;q=0.9,en;q=0.5", "fr", "Introuvable", "Aller à la page d’accueil"},
		{"es-ES", "es", "No encontrado", "Ir a la página de inicio"},
		{"ja", "ja", "見つかりません", "ホームページへ"},
		{"pt-BR", "en", "Not found", "Go to the home page"},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			res := env.Do(t, env.Client(), http.MethodGet, "/no-such-page", nil, map[string]string{"Accept-Language": tt.accept})
			doc := webtest.Parse(t, res)
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
			lang, _ := doc.Find("html").Attr("lang")
			assert.Equal(t, tt.lang, lang)
			assert.Equal(t, tt.title, doc.Find("h1").Text())
			assert.Contains(t, doc.Find("title").Text(), tt.title)
			assert.Equal(t, tt.home, doc.Find(".error-page .actions a").Text())
			assert.NotContains(t, doc.Find(".error-page").Text(), "error.", "no raw message id")
		})
	}
}
