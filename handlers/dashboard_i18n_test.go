package handlers_test

// The employee's pages in each of the five languages (issue 20, phase 2): the dashboard, the
// groups and profile pages, the password form with a policy error, and Okta's refusal of a
// password, each in the language the person chose from the menu.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web/webtest"
)

// englishOfTheDashboard are phrases of the dashboard and its neighbours that no other language
// may show.
var englishOfTheDashboard = []string{"Your apps", "Your groups", "Last sign-in", "Full profile", "Edit details", "Change password", "Recovery question", "Password changed", "Your account"}

// TestDashboardInEachLanguage: the menu switches the dashboard's words, every heading from
// the catalog, with <html lang> set, and no English left in a page of another language.
func TestDashboardInEachLanguage(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	tests := []struct {
		lang                          string
		apps, groups, lastSignIn, all string
		links                         []string
	}{
		{"en", "Your apps", "Your groups", "Last sign-in", "All apps (", []string{"Full profile", "Edit details", "Change password", "Recovery question"}},
		{"de", "Ihre Apps", "Ihre Gruppen", "Letzte Anmeldung", "Alle Apps (", []string{"Vollständiges Profil", "Angaben bearbeiten", "Passwort ändern", "Sicherheitsfrage"}},
		{"fr", "Vos applications", "Vos groupes", "Dernière connexion", "Toutes les applications (", []string{"Profil complet", "Modifier les informations", "Changer le mot de passe", "Question de récupération"}},
		{"es", "Sus aplicaciones", "Sus grupos", "Último inicio de sesión", "Todas las aplicaciones (", []string{"Perfil completo", "Editar datos", "Cambiar contraseña", "Pregunta de recuperación"}},
		{"ja", "アプリ", "所属グループ", "最終サインイン", "すべてのアプリ（", []string{"プロフィール全体", "情報を編集", "パスワードの変更", "秘密の質問"}},
	}
	// One person switching language with the menu, as in a browser: the subtests run in turn.
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			chooseLanguage(t, h, "alice@example.com", tt.lang)
			w, err := webtest.Call(h.App.Self.Home, asIn(t, h, webtest.Request(http.MethodGet, "/", nil, nil), "alice@example.com"))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, w.Code)
			doc := parseHTML(t, w.Body.String())
			assert.Equal(t, tt.lang, doc.Find("html").AttrOr("lang", ""))
			assert.Equal(t, tt.apps, strings.TrimSpace(doc.Find("#apps-card-title").Text()))
			assert.Equal(t, tt.groups, strings.TrimSpace(doc.Find("#groups-card-title").Text()))
			assert.Contains(t, doc.Find("[data-testid=profile-card] dt").Text(), tt.lastSignIn)
			assert.True(t, strings.HasPrefix(strings.TrimSpace(doc.Find(".all-apps").Text()), tt.all), "the apps count: %q", doc.Find(".all-apps").Text())
			links := doc.Find("[data-testid=profile-card] .card-links a").Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) })
			assert.Equal(t, tt.links, links, "the account links")
			if tt.lang == "en" {
				return
			}
			body := w.Body.String()
			for _, en := range englishOfTheDashboard {
				assert.NotContains(t, body, en)
			}
		})
	}
}

// TestEmployeePagesInGermanAndJapanese: lena's profile asks for German and yuki's for
// Japanese; the groups, profile, apps, recovery-question and forgot-password pages speak it
// from the first request, with no English of their own.
func TestEmployeePagesInGermanAndJapanese(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	tests := []struct {
		name, login, lang string
		handler           func(*webtest.Handlers) handlers.Func
		path              string
		want              []string
		english           []string
	}{
		{name: "groups in German", login: "lena@example.com", lang: "de", handler: func(h *webtest.Handlers) handlers.Func { return h.App.Self.Groups }, path: "/groups",
			want: []string{"Ihre Gruppen", "Gruppen legen fest, welche Apps Sie erhalten.", "Beschreibung", "Integriert"}, english: []string{"Your groups", "Description", "Built-in"}},
		{name: "profile in German", login: "lena@example.com", lang: "de", handler: func(h *webtest.Handlers) handlers.Func { return h.App.Self.Profile }, path: "/profile",
			want: []string{"Ihr Profil", "Passwort zuletzt geändert", "Vorname", "Benutzername", "Wo Sie angemeldet sind"}, english: []string{"Your profile", "First name", "Username", "Password last changed"}},
		{name: "apps in Japanese", login: "yuki@example.com", lang: "ja", handler: func(h *webtest.Handlers) handlers.Func { return h.App.Self.Apps }, path: "/apps",
			want: []string{"アプリを検索", "件のアプリ", "（新しいタブで開きます）"}, english: []string{"Search apps", "opens in a new tab"}},
		{name: "recovery question in Japanese", login: "yuki@example.com", lang: "ja", handler: func(h *webtest.Handlers) handlers.Func { return h.App.Self.RecoveryForm }, path: "/recovery-question",
			want: []string{"秘密の質問", "新しい質問", `value="初めて飼ったペットの名前は？"`, "秘密の質問を保存"}, english: []string{"Recovery question", "New question", "Save recovery question"}},
		{name: "password in Japanese", login: "yuki@example.com", lang: "ja", handler: func(h *webtest.Handlers) handlers.Func { return h.App.Self.PasswordForm }, path: "/password",
			want: []string{"パスワードを変更", "新しいパスワードの条件：", "文字以上"}, english: []string{"Change your password", "Your new password must have", "At least"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := webtest.Call(tt.handler(h), asIn(t, h, webtest.Request(http.MethodGet, tt.path, nil, nil), tt.login))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, w.Code)
			doc := parseHTML(t, w.Body.String())
			assert.Equal(t, tt.lang, doc.Find("html").AttrOr("lang", ""))
			// The whole page, attributes included (placeholders, the suggestions' values).
			text := w.Body.String()
			for _, s := range tt.want {
				assert.Contains(t, text, s)
			}
			for _, s := range tt.english {
				assert.NotContains(t, text, s)
			}
		})
	}
}

// TestPasswordPolicyErrorInEachLanguage: a new password too short for the org's rule comes
// back with the field error and the alert in the person's language, the rule's number in it
// and the plural form right; the checklist says the rule the same way. Nothing reaches Okta.
func TestPasswordPolicyErrorInEachLanguage(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	tests := []struct {
		lang, field, alert, rule string
	}{
		{"en", "Use at least 8 characters.", "Your password was not changed", "At least 8 characters"},
		{"de", "Verwenden Sie mindestens 8 Zeichen.", "Ihr Passwort wurde nicht geändert", "Mindestens 8 Zeichen"},
		{"fr", "Utilisez au moins 8 caractères.", "Votre mot de passe n’a pas été changé", "Au moins 8 caractères"},
		{"es", "Use al menos 8 caracteres.", "Su contraseña no se ha cambiado", "Al menos 8 caracteres"},
		{"ja", "8文字以上にしてください。", "パスワードは変更されませんでした", "8文字以上"},
	}
	form := url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"Ab1"}, "confirm_password": {"Ab1"}}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			chooseLanguage(t, h, "alice@example.com", tt.lang)
			h.Okta.ResetRequests()
			w, err := webtest.Call(h.App.Self.ChangePassword, asIn(t, h, webtest.Request(http.MethodPost, "/password", form, nil), "alice@example.com"))
			require.NoError(t, err)
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
			doc := parseHTML(t, w.Body.String())
			assert.Equal(t, tt.lang, doc.Find("html").AttrOr("lang", ""))
			assert.Equal(t, tt.field, strings.TrimSpace(doc.Find("[data-testid=error-new_password]").Text()))
			assert.Equal(t, tt.alert, strings.TrimSpace(doc.Find("[data-testid=alert-error] .alert-title").Text()))
			assert.Equal(t, tt.rule, strings.TrimSpace(doc.Find("[data-testid=rule-length]").Text()))
			assert.Equal(t, 0, h.Okta.CountRequests(func(r oktatest.Request) bool { return strings.Contains(r.Path, "change_password") }), "checked before any Okta call")
		})
	}
}

// TestOktaRefusalInEachLanguage: when Gatehouse cannot read the rules, Okta refuses the
// password itself; the explanation is in the person's language, and Okta's own list of its
// requirements is quoted as Okta gave it.
func TestOktaRefusalInEachLanguage(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	h.Okta.Inject(oktatest.Fault{Path: "/api/v1/policies", Status: http.StatusForbidden})
	t.Cleanup(h.Okta.ClearFaults)
	tests := []struct{ lang, said, unknown string }{
		{"en", "Okta's password policy rejected it. It needs at least 14 characters", "Gatehouse could not read your organisation's password rules"},
		{"de", "Die Passwortrichtlinie von Okta hat es abgelehnt. Okta verlangt: at least 14 characters", "Gatehouse konnte die Passwortregeln Ihrer Organisation nicht lesen"},
		{"fr", "La politique de mots de passe d’Okta l’a refusé. Okta demande\u00a0: at least 14 characters", "Gatehouse n’a pas pu lire les règles de mot de passe"},
		{"es", "La política de contraseñas de Okta la rechazó. Okta exige: at least 14 characters", "Gatehouse no pudo leer las reglas de contraseña"},
		{"ja", "Okta のパスワードポリシーにより拒否されました。Okta の要件：at least 14 characters", "Gatehouse は組織のパスワードルールを読み取れませんでした"},
	}
	form := url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"Harbor-77-Tre"}, "confirm_password": {"Harbor-77-Tre"}}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			chooseLanguage(t, h, "kate@example.com", tt.lang)
			w, err := webtest.Call(h.App.Self.ChangePassword, asIn(t, h, webtest.Request(http.MethodPost, "/password", form, nil), "kate@example.com"))
			require.NoError(t, err)
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
			doc := parseHTML(t, w.Body.String())
			assert.Contains(t, doc.Find("[data-testid=error-new_password]").Text(), tt.said)
			assert.Contains(t, doc.Find("[data-testid=rule-unknown]").Text(), tt.unknown)
		})
	}
}
