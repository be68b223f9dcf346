package handlers_test

// The admin console's other pages — adding a person, bulk actions, the audit log — in the
// staff member's own language (issue 20, phase 2), through the whole stack: the person's Okta
// profile asks for the language, the middleware resolves it, the page and the handler's words
// come from i18n/catalog/<tag>/console.toml.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// staffIn adds a staff member of group whose Okta profile asks for lang (and, when set, the
// time zone tz), and signs them in.
func staffIn(t *testing.T, env *webtest.Env, group, lang, tz string) *http.Client {
	t.Helper()
	tag := uniq()
	login := "staff." + lang + "." + tag + "@example.com"
	profile := map[string]any{"login": login, "email": login, "firstName": "Staff", "lastName": "Member " + tag, "preferredLanguage": lang}
	if tz != "" {
		profile["timezone"] = tz
	}
	env.Okta.AddUser(oktatest.SeedUser{Profile: profile, Password: webtest.DemoPassword, Groups: []string{group}})
	return env.SignIn(t, login, webtest.DemoPassword)
}

// htmlLang is a page's <html lang>.
func htmlLang(doc *goquery.Document) string { return doc.Find("html").AttrOr("lang", "") }

// texts are the trimmed texts of sel's elements.
func texts(sel *goquery.Selection) []string {
	var out []string
	sel.Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

// areaText is the words of a page's main region that this area says: the admin console's
// sub-navigation, and the password rules the policy words (handlers/policy.go), are another
// area's.
func areaText(doc *goquery.Document) string {
	main := doc.Find("main").Clone()
	main.Find("[data-testid=admin-subnav], [data-testid=password-rules] li").Remove()
	return main.Text()
}

// TestConsolePagesInGermanAndJapanese: the add-person form, a bulk preview and the audit log in
// German and Japanese — <html lang>, the page's own words and the handler's, and no English
// of the area left.
func TestConsolePagesInGermanAndJapanese(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	locked := adminTestUser(t, env.Okta, oktatest.StatusLockedOut)
	active := adminTestUser(t, env.Okta, oktatest.StatusActive)
	tests := []struct {
		lang                  string
		create, bulk, audit   []string // phrases each page must say
		bulkTitle, bulkButton string
	}{
		{
			lang:       "de",
			create:     []string{"Person hinzufügen", "Vorname", "Anfangspasswort (optional)", "Jetzt aktivieren und mir den Aktivierungslink einmalig anzeigen", "Gruppen suchen", "Person anlegen"},
			bulk:       []string{"Die Aktion trifft auf 1 von 2 ausgewählten Personen zu.", "Grund oder Ticketnummer", "Wird sie ausgeführt?"},
			audit:      []string{"Audit-Protokoll", "Von (Tag)", "Alle Aktionen", "Noch nichts protokolliert"},
			bulkTitle:  "Entsperren: Vorschau",
			bulkButton: "Entsperren (1 Person)",
		},
		{
			lang:       "ja",
			create:     []string{"ユーザーを追加", "名", "初期パスワード（任意）", "今すぐ有効化し、有効化リンクを一度だけ表示する", "グループを検索", "ユーザーを作成"},
			bulk:       []string{"選択した2人のうち1人が対象です。", "理由またはチケット番号", "実行対象か"},
			audit:      []string{"監査ログ", "開始日", "すべての操作", "まだ記録はありません"},
			bulkTitle:  "ロック解除：プレビュー",
			bulkButton: "ロック解除（1人）",
		},
	}
	english := []string{"Add a person", "First name", "Create person", "Find groups", "It applies to", "Reason or ticket number",
		"Will it apply?", "Audit log", "From (day)", "Any action", "Nothing recorded yet", "preview"}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			c := staffIn(t, env, oktatest.GroupAdmins, tt.lang, "")
			var pages []string

			res, body := get(t, env, c, "/admin/users/new", nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			doc := parseHTML(t, body)
			assert.Equal(t, tt.lang, htmlLang(doc))
			for _, p := range tt.create {
				assert.Contains(t, doc.Text(), p)
			}
			pages = append(pages, areaText(doc))

			res, body = post(t, env, c, "/admin/bulk/preview", url.Values{"action": {"unlock"}, "id": {locked, active}}, nil)
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			doc = parseHTML(t, body)
			assert.Equal(t, tt.lang, htmlLang(doc))
			assert.Equal(t, tt.bulkTitle, strings.TrimSpace(doc.Find("h1").Text()))
			assert.Contains(t, doc.Find("title").Text(), tt.bulkTitle, "the page title names the action too")
			assert.Equal(t, tt.bulkButton, strings.TrimSpace(doc.Find("[data-testid=bulk-run]").Text()))
			for _, p := range tt.bulk {
				assert.Contains(t, doc.Text(), p)
			}
			pages = append(pages, areaText(doc))

			res, body = get(t, env, c, "/admin/audit", nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			doc = parseHTML(t, body)
			assert.Equal(t, tt.lang, htmlLang(doc))
			for _, p := range tt.audit {
				assert.Contains(t, doc.Text(), p)
			}
			pages = append(pages, areaText(doc))

			for _, page := range pages {
				for _, e := range english {
					assert.NotContains(t, page, e, "English left on a %s page", tt.lang)
				}
			}
		})
	}
}

// TestCreateFormInGermanWithAnError: a German admin's form comes back with the field error in
// German, everything typed kept, the password never rendered back.
func TestCreateFormInGermanWithAnError(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	c := staffIn(t, env, oktatest.GroupAdmins, "de", "")
	tests := []struct {
		name      string
		form      url.Values
		field     string
		wantError string
		wantAlert string
	}{
		{name: "a bad email", form: createForm("keine-adresse", url.Values{"activation": {"staged"}, "login": {"jonas.weber@example.com"}, "password": {"Geheim-Wort-77"}}),
			field: "email", wantError: "Geben Sie eine E-Mail-Adresse wie name@example.com ein.", wantAlert: "Bitte korrigieren Sie das unten markierte Problem."},
		{name: "a password with part of the person's username", form: createForm("jonas.weber@example.com", url.Values{"activation": {"email"}, "password": {"Weber-Geheim-77x"}}),
			field: "password", wantError: "Verwenden Sie keinen Teil des Benutzernamens der Person.", wantAlert: "Bitte korrigieren Sie das unten markierte Problem."},
		{name: "no names and no activation", form: url.Values{"email": {"jonas.weber@example.com"}, "activation": {"später"}, "op": {"create"}},
			field: "first_name", wantError: "Geben Sie einen Vornamen ein.", wantAlert: "Bitte korrigieren Sie die unten markierten Probleme."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Okta.ResetRequests()
			res, body := post(t, env, c, "/admin/users/new", tt.form, nil)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, body)
			assert.Zero(t, mutations(env, ""), "nothing reaches Okta")
			doc := parseHTML(t, body)
			assert.Equal(t, "de", htmlLang(doc))
			assert.Equal(t, tt.wantError, doc.Find("[data-testid=error-"+tt.field+"]").Text())
			assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), "Die Person wurde nicht hinzugefügt")
			assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), tt.wantAlert)
			for _, f := range []string{"first_name", "last_name", "email", "login"} {
				assert.Equal(t, tt.form.Get(f), doc.Find("input[name="+f+"]").AttrOr("value", ""), "%s is kept", f)
			}
			assert.Empty(t, doc.Find("input[name=password]").AttrOr("value", ""), "the password is never sent back")
			if pw := tt.form.Get("password"); pw != "" {
				assert.NotContains(t, body, pw)
			}
		})
	}
	t.Run("the rules speak about the new person", func(t *testing.T) {
		_, body := get(t, env, c, "/admin/users/new", nil)
		doc := parseHTML(t, body)
		assert.Equal(t, "Ein Anfangspasswort muss Folgendes erfüllen:", doc.Find("#initial-rules-title").Text())
		assert.Equal(t, "Keinen Teil des Benutzernamens der Person", doc.Find("[data-testid=rule-username]").Text())

		_, body = get(t, env, env.SignInAs(t, "ada@example.com"), "/admin/users/new", nil)
		doc = parseHTML(t, body)
		assert.Equal(t, "No part of their username", doc.Find("[data-testid=rule-username]").Text())
		for _, r := range texts(doc.Find("[data-testid=password-rules] li")) {
			assert.NotContains(t, r, "your", "a rule about the admin's own password")
		}
	})
}

// TestBulkPreviewInFrenchCountsPeople: the count on the French run button and in the summary
// takes CLDR's plural form — 1 personne, 2 personnes.
func TestBulkPreviewInFrenchCountsPeople(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	c := staffIn(t, env, oktatest.GroupAdmins, "fr", "")
	l1 := adminTestUser(t, env.Okta, oktatest.StatusLockedOut)
	l2 := adminTestUser(t, env.Okta, oktatest.StatusLockedOut)
	active := adminTestUser(t, env.Okta, oktatest.StatusActive)
	tests := []struct {
		name        string
		ids         []string
		wantButton  string
		wantSummary string
	}{
		{name: "one person", ids: []string{l1}, wantButton: "Déverrouiller (1 personne)",
			wantSummary: "L’action s’applique à 1 sur 1 personne sélectionnée."},
		{name: "two people", ids: []string{l1, l2}, wantButton: "Déverrouiller (2 personnes)",
			wantSummary: "L’action s’applique à 2 sur 2 personnes sélectionnées."},
		{name: "two of three", ids: []string{l1, active, l2}, wantButton: "Déverrouiller (2 personnes)",
			wantSummary: "L’action s’applique à 2 sur 3 personnes sélectionnées."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := post(t, env, c, "/admin/bulk/preview", url.Values{"action": {"unlock"}, "id": tt.ids}, nil)
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			doc := parseHTML(t, body)
			assert.Equal(t, "fr", htmlLang(doc))
			assert.Equal(t, "Déverrouiller\u00a0: aperçu", strings.TrimSpace(doc.Find("h1").Text()))
			assert.Equal(t, tt.wantButton, strings.TrimSpace(doc.Find("[data-testid=bulk-run]").Text()))
			assert.Equal(t, tt.wantSummary+" Chaque personne peut de nouveau se connecter avec son mot de passe actuel.",
				strings.TrimSpace(doc.Find("[data-testid=bulk-summary]").Text()))
			assert.Contains(t, texts(doc.Find("[data-testid=bulk-row] .outcome")), "Oui")
		})
	}
	t.Run("a row that does not apply says why in French", func(t *testing.T) {
		_, body := post(t, env, c, "/admin/bulk/preview", url.Values{"action": {"unlock"}, "id": {active}}, nil)
		doc := parseHTML(t, body)
		assert.Equal(t, "Non", strings.TrimSpace(doc.Find("[data-testid=bulk-row] .outcome").Text()))
		assert.Contains(t, doc.Find("[data-testid=empty-state]").Text(), "Personne n’est concerné")
	})
}

// TestAuditPageInJapaneseAndSpanish: the audit log's filter labels, the actions' names in the
// filter and in the rows, the outcome and Okta's code in words, the empty state — in Japanese
// and Spanish; the record itself (login, reason) stays as stored. Times are in the viewer's
// zone, and so are the filter's days.
func TestAuditPageInJapaneseAndSpanish(t *testing.T) {
	t.Parallel()
	db := webtest.AuditDB(t)
	env := webtest.New(t, webtest.Options{AuditStore: db})
	// 23:30 UTC on 31 Jan is already 1 Feb in Tokyo, still 31 Jan in Madrid (UTC+1).
	at := time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC)
	require.NoError(t, db.Append(t.Context(), audit.Entry{Time: at, ActorID: "00uhal", ActorLogin: "hal@example.com", Role: "helpdesk",
		TargetID: "00ubob", TargetLogin: "bob@example.com", Action: "unlock", Reason: "TICKET-7", Result: audit.ResultFailure, Detail: "E0000038", RequestID: "req-7"}))
	tests := []struct {
		lang, tz                         string
		labels                           []string // the filter's labels
		action, result, note, time, role string
		day, otherDay                    string // the day the entry is on in the viewer's zone, and the day it is not
		empty, head                      string
	}{
		{lang: "ja", tz: "Asia/Tokyo", labels: []string{"開始日", "終了日（当日を含む）", "実行者（ユーザー名またはID）", "対象者（ユーザー名またはID）", "操作", "結果"},
			action: "ロック解除", result: "失敗", note: "アカウントのステータス上、Oktaがこの操作を許可していません（E0000038）",
			time: "2026年2月1日 08:30 JST", role: "hal@example.com (ヘルプデスク)", day: "2026-02-01", otherDay: "2026-01-31", empty: "該当する操作はありません", head: "日時"},
		{lang: "es", tz: "Europe/Madrid", labels: []string{"Desde (día)", "Hasta (día, incluido)", "Realizada por (nombre de usuario o ID)", "Persona afectada (nombre de usuario o ID)", "Acción", "Resultado"},
			action: "Desbloquear", result: "Fallida", note: "Okta no lo permite en el estado de la cuenta (E0000038)",
			time: "01/02/2026, 00:30 CET", role: "hal@example.com (soporte)", day: "2026-02-01", otherDay: "2026-01-31", empty: "Ninguna acción coincide", head: "Cuándo"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			c := staffIn(t, env, oktatest.GroupHelpdesk, tt.lang, tt.tz)
			res, body := get(t, env, c, "/admin/audit?from="+tt.day+"&to="+tt.day, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			doc := parseHTML(t, body)
			assert.Equal(t, tt.lang, htmlLang(doc))
			labels := doc.Find("form[data-testid=audit-filter] label").Map(func(_ int, s *goquery.Selection) string {
				return strings.TrimSpace(s.Contents().First().Text()) // the label's own words, before its control
			})
			assert.Equal(t, tt.labels, labels)
			assert.Contains(t, texts(doc.Find("[data-testid=audit-action] option")), tt.action, "the actions' names in the filter")
			row := doc.Find("[data-testid=audit-row]")
			require.Equal(t, 1, row.Length(), "the entry is on %s in %s", tt.day, tt.tz)
			assert.Equal(t, tt.head, strings.TrimSpace(doc.Find("[data-testid=audit-table] th").First().Text()))
			cells := row.Find("td")
			assert.Equal(t, tt.time, strings.TrimSpace(cells.Eq(0).Text()))
			assert.Equal(t, tt.role, strings.Join(strings.Fields(cells.Eq(1).Text()), " "))
			assert.Contains(t, cells.Eq(2).Text(), tt.action)
			assert.Contains(t, cells.Eq(2).Text(), "TICKET-7", "the reason as stored")
			assert.Contains(t, cells.Eq(4).Text(), tt.result)
			assert.Contains(t, cells.Eq(4).Text(), tt.note)
			assert.Contains(t, doc.Find("main p.muted").First().Text(), tt.tz, "the page says which zone its times are in")

			_, body = get(t, env, c, "/admin/audit?from="+tt.otherDay+"&to="+tt.otherDay, nil)
			doc = parseHTML(t, body)
			assert.Zero(t, doc.Find("[data-testid=audit-row]").Length(), "in %s the entry is not on %s", tt.tz, tt.otherDay)
			assert.Contains(t, doc.Find("[data-testid=empty-state]").Text(), tt.empty)
		})
	}
}
