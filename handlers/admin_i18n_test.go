package handlers_test

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
	"gatehouse/i18n"
	"gatehouse/web/webtest"
)

// The admin people pages in the person's language (issue 20 phase 2): ada chooses a language
// from the menu (her Okta profile says English), and the confirmation, the person page and
// the people list speak it. Each test has its own handlers: the choice lives in ada's session.

// chooseLanguage makes login's session speak lang, as the language menu does.
func chooseLanguage(t *testing.T, h *webtest.Handlers, login, lang string) {
	t.Helper()
	r := webtest.Request(http.MethodPost, "/language", url.Values{"lang": {lang}, "return": {"/admin/users"}}, nil)
	_, err := webtest.Call(h.App.Language.Choose, h.As(t, r, login))
	require.NoError(t, err)
}

// asIn is r signed in as login, carrying the Locale the middleware would give it.
func asIn(t *testing.T, h *webtest.Handlers, r *http.Request, login string) *http.Request {
	t.Helper()
	return h.App.Language.Localized(h.As(t, r, login))
}

// text is s's text with runs of ASCII white space as one space; the no-break spaces of French
// typography are kept.
func text(s *goquery.Selection) string {
	return strings.Join(strings.FieldsFunc(s.Text(), func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' }), " ")
}

// TestAdminConfirmInEachLanguage is handler-level: ada opens the confirmation of a password
// reset for alice in each language; its heading, consequence, reason label and button are in
// that language. Submitting it without a reason answers 422 with the field error in the same
// language, keeps the delivery she chose, and asks nothing of Okta.
func TestAdminConfirmInEachLanguage(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	alice := h.Okta.UserID("alice@example.com")
	tests := []struct {
		lang, question, consequence, reason, button, required string
	}{
		{lang: "en", question: "Reset the password of Alice Anderson (alice@example.com)?",
			consequence: "Alice's current password stops working at once", reason: "Reason or ticket number", button: "Reset password",
			required: "Enter a reason or a ticket number. It goes into the audit log."},
		{lang: "de", question: "Passwort von Alice Anderson (alice@example.com) zurücksetzen?",
			consequence: "Das aktuelle Passwort von Alice funktioniert sofort nicht mehr", reason: "Grund oder Ticketnummer", button: "Passwort zurücksetzen",
			required: "Geben Sie einen Grund oder eine Ticketnummer ein. Sie wird im Audit-Protokoll festgehalten."},
		{lang: "fr", question: "Réinitialiser le mot de passe de Alice Anderson (alice@example.com)\u202f?",
			consequence: "Le mot de passe actuel de Alice cesse immédiatement de fonctionner", reason: "Motif ou numéro de ticket", button: "Réinitialiser le mot de passe",
			required: "Saisissez un motif ou un numéro de ticket. Il est enregistré dans le journal d’audit."},
		{lang: "es", question: "¿Restablecer la contraseña de Alice Anderson (alice@example.com)?",
			consequence: "La contraseña actual de Alice deja de funcionar de inmediato", reason: "Motivo o número de ticket", button: "Restablecer la contraseña",
			required: "Escriba un motivo o un número de ticket. Se guarda en el registro de auditoría."},
		{lang: "ja", question: "Alice Andersonさん（alice@example.com）のパスワードをリセットしますか？",
			consequence: "Aliceさんの現在のパスワードはすぐに使えなくなり", reason: "理由またはチケット番号", button: "パスワードをリセット",
			required: "理由またはチケット番号を入力してください。監査ログに記録されます。"},
	}
	for _, tt := range tests { // one after the other: the language is ada's session's
		t.Run(tt.lang, func(t *testing.T) {
			chooseLanguage(t, h, "ada@example.com", tt.lang)
			r := webtest.Request(http.MethodGet, personPath(alice)+"/confirm/reset-password", nil, nil, "id", alice, "action", "reset-password")
			w, err := webtest.Call(h.App.Admin.Confirm, asIn(t, h, r, "ada@example.com"))
			require.NoError(t, err)
			doc := parseHTML(t, w.Body.String())
			assert.Equal(t, tt.lang, doc.Find("html").AttrOr("lang", ""))
			assert.Equal(t, tt.question, text(doc.Find("[data-testid=confirm-question]")))
			assert.Contains(t, text(doc.Find("[data-testid=consequence]")), tt.consequence)
			assert.Contains(t, text(doc.Find("label[for=reason]")), tt.reason)
			assert.Equal(t, tt.button, text(doc.Find("[data-testid=confirm-button]")))

			form := url.Values{"confirm": {"yes"}, "delivery": {"link"}, "reason": {""}}
			r = webtest.Request(http.MethodPost, personPath(alice)+"/reset-password", form, nil, "id", alice)
			h.Okta.ResetRequests()
			w, err = webtest.Call(h.App.Admin.ResetPassword, asIn(t, h, r, "ada@example.com"))
			require.NoError(t, err)
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
			doc = parseHTML(t, w.Body.String())
			assert.Equal(t, tt.required, text(doc.Find("[data-testid=error-reason]")))
			assert.Equal(t, tt.question, text(doc.Find("[data-testid=confirm-question]")), "the same confirmation, in the same language")
			assert.Equal(t, 1, doc.Find("input[name=delivery][value=link][checked]").Length(), "the delivery ada chose is kept")
			assert.Zero(t, h.Okta.CountRequests(func(r oktatest.Request) bool { return r.Method != http.MethodGet }), "nothing was asked of Okta")
		})
	}
}

// TestAdminPersonPageInGermanAndJapanese is handler-level: judy (Active Directory) is locked
// out; her page says her status, what it means and that she is unlocked in the directory,
// naming it, in German and in Japanese, with no English sentence of the page left.
func TestAdminPersonPageInGermanAndJapanese(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	judy := h.Okta.UserID("judy@example.com")
	h.Okta.SetStatus(judy, oktatest.StatusLockedOut)
	h.Okta.EnrollFactor(judy, oktatest.SeedFactor{Type: oktatest.FactorTOTP, Provider: oktatest.FactorProviderGoogle})
	english := []string{"Key dates", "Recent admin actions", "Password and recovery", "What you can do", "Locked out",
		"unlock it in the directory", "Too many wrong passwords", "Find people", "Sign-in methods", "Groups", "Authenticator app"}
	tests := []struct {
		lang, status, explanation, note, heading, moreActions, factor string
	}{
		{lang: "de", status: "Ausgesperrt", explanation: "Nach zu vielen falschen Passwörtern ist die Person ausgesperrt.",
			note:    "Das Konto von Judy Jensen stammt aus einem Verzeichnis: Entsperren Sie es im Verzeichnis (corp.example.com). Okta kann Verzeichniskonten nicht entsperren.",
			heading: "Wichtige Daten", moreActions: "Aktionen", factor: "Authenticator-App (Google Authenticator)"},
		{lang: "ja", status: "ロックアウト", explanation: "パスワードを何度も間違えたため、アカウントがロックされています。",
			note:    "Judy Jensenさんのアカウントはディレクトリから来ています。ディレクトリ（corp.example.com）でロックを解除してください。Okta はディレクトリのアカウントのロックを解除できません。",
			heading: "主な日時", moreActions: "操作", factor: "認証アプリ（Google Authenticator）"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			chooseLanguage(t, h, "ada@example.com", tt.lang)
			r := webtest.Request(http.MethodGet, personPath(judy), nil, nil, "id", judy)
			w, err := webtest.Call(h.App.Admin.ShowUser, asIn(t, h, r, "ada@example.com"))
			require.NoError(t, err)
			body := w.Body.String()
			doc := parseHTML(t, body)
			assert.Equal(t, tt.lang, doc.Find("html").AttrOr("lang", ""))
			assert.Equal(t, tt.status, text(doc.Find("[data-testid=user-panel] [data-testid=status-badge]")))
			assert.Contains(t, text(doc.Find("[data-testid=status-explanation]")), tt.explanation)
			assert.Equal(t, tt.note, text(doc.Find("[data-testid=action-note]")), "why unlock is not offered, naming the directory")
			assert.Equal(t, tt.heading, text(doc.Find("#dates-title")))
			assert.Contains(t, text(doc.Find("[data-testid=more-actions-button]")), tt.moreActions)
			assert.Equal(t, tt.factor, text(doc.Find("[data-testid=factor-kind]")), "the factor's kind in the page's language")
			for _, e := range english {
				assert.NotContains(t, body, e)
			}
		})
	}
}

// TestAdminPeopleListInFrench is handler-level: the people list, its count with the plural
// form French gives it, the table's headings and the status filter in French.
func TestAdminPeopleListInFrench(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	chooseLanguage(t, h, "ada@example.com", "fr")
	list := func(t *testing.T, query string) *goquery.Document {
		t.Helper()
		r := webtest.Request(http.MethodGet, "/admin/users?"+query, nil, nil)
		w, err := webtest.Call(h.App.Admin.ListUsers, asIn(t, h, r, "ada@example.com"))
		require.NoError(t, err)
		assert.NotContains(t, w.Body.String(), "Find people")
		return parseHTML(t, w.Body.String())
	}
	doc := list(t, "q=alice")
	assert.Equal(t, "fr", doc.Find("html").AttrOr("lang", ""))
	assert.Equal(t, "Rechercher des personnes", text(doc.Find("h1")))
	assert.Equal(t, "1 personne pour «\u00a0alice\u00a0»", text(doc.Find("[data-testid=user-count]")), "one: singular")
	assert.Equal(t, "Dernière connexion", text(doc.Find("th.col-last")))
	assert.Equal(t, "Verrouillé", text(doc.Find("[data-testid=status-filter] option[value=LOCKED_OUT]")))

	doc = list(t, "status=ACTIVE")
	count := text(doc.Find("[data-testid=user-count]"))
	assert.Regexp(t, `^\d+ personnes dont le compte a le statut «\x{a0}Actif\x{a0}»`, count, "other: plural, the status in French")
	bar := doc.Find("[data-testid=bulk-count]")
	assert.Equal(t, "# personne sélectionnée", bar.AttrOr("data-count-one", ""), "the bulk bar's script counts in French")
	assert.Equal(t, "# personnes sélectionnées", bar.AttrOr("data-count-other", ""))

	doc = list(t, "q=zzzz-nobody")
	assert.Contains(t, text(doc.Find("#user-results")), "Personne ne correspond à «\u00a0zzzz-nobody\u00a0»")
}

// TestAdminRefusalInTheLanguageAndEnglishInTheLog is handler-level: suspending bob, who is
// locked out, is refused with an explanation whose status words and list of statuses are
// German on the page, while the error's English (what the log reads) stays English.
func TestAdminRefusalInTheLanguageAndEnglishInTheLog(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	bob := h.Okta.UserID("bob@example.com")
	chooseLanguage(t, h, "ada@example.com", "de")
	r := webtest.Request(http.MethodPost, personPath(bob)+"/unsuspend", url.Values{"confirm": {"yes"}}, nil, "id", bob)
	_, err := webtest.Call(h.App.Admin.Unsuspend, asIn(t, h, r, "ada@example.com"))
	he := handlers.Classify(err)
	require.Equal(t, http.StatusConflict, he.Status)
	assert.Equal(t, "Bob Brown is not suspended, so there is nothing to unsuspend.", he.Msg, "the log's English")
	title, msg := he.Words(i18n.New("de", nil))
	assert.Equal(t, "Diese Aktion ist nicht möglich", title)
	assert.Equal(t, "Bob Brown ist nicht gesperrt, daher gibt es keine Sperrung aufzuheben.", msg)

	r = webtest.Request(http.MethodPost, personPath(bob)+"/suspend", url.Values{"confirm": {"yes"}, "reason": {"T-1"}}, nil, "id", bob)
	_, err = webtest.Call(h.App.Admin.Suspend, asIn(t, h, r, "ada@example.com"))
	he = handlers.Classify(err)
	assert.Equal(t, "Bob Brown's account is locked out. Suspend is only possible when the account is active.", he.Msg)
	_, msg = he.Words(i18n.New("de", nil))
	assert.Equal(t, "Das Konto von Bob Brown hat den Status „Ausgesperrt“. „Sperren“ ist nur möglich, wenn der Status „Aktiv“ ist.", msg)
	_, msg = he.Words(i18n.New("ja", nil))
	assert.Equal(t, "Bob Brownさんのアカウントの状態は「ロックアウト」です。「一時停止」は、アカウントの状態が「有効」のときにだけ実行できます。", msg)
}
