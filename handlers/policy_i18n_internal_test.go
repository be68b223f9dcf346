package handlers

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"gatehouse/client"
	"gatehouse/i18n"
	"gatehouse/views"
)

// inLanguage is a context whose pages speak lang.
func inLanguage(lang string) context.Context {
	return views.WithLocale(context.Background(), func() *i18n.Locale { return i18n.New(lang, nil) })
}

// TestPasswordRulesCountInEachLanguage: the policy's numbers are said with the plural form
// each language gives them (CLDR: "1 caractère", "8 caractères"; one form in Japanese), in
// the rules, in the problem found, and in the notes Gatehouse cannot check; and the rules
// speak of the person's own password or, for an administrator adding someone, of theirs.
func TestPasswordRulesCountInEachLanguage(t *testing.T) {
	t.Parallel()
	who := Person{Login: "al.kowalski@example.com", FirstName: "Al", LastName: "Kowalski"}
	tests := []struct {
		lang                     string
		rule1, rule8             string
		short1, short8           string
		history1, history10      string
		minAgeDays, minAgeMinute string
		username, usernameTheir  string
	}{
		{"en", "At least 1 character", "At least 8 characters", "Use at least 1 character.", "Use at least 8 characters.",
			"Not your previous password", "Not one of your last 10 passwords", "At least 2 days since your last change", "At least 1 minute since your last change",
			"Do not use any part of your username.", "Do not use any part of their username."},
		{"de", "Mindestens 1 Zeichen", "Mindestens 8 Zeichen", "Verwenden Sie mindestens 1 Zeichen.", "Verwenden Sie mindestens 8 Zeichen.",
			"Nicht Ihr vorheriges Passwort", "Keines Ihrer letzten 10 Passwörter", "Mindestens 2 Tage seit Ihrer letzten Änderung", "Mindestens 1 Minute seit Ihrer letzten Änderung",
			"Verwenden Sie keinen Teil Ihres Benutzernamens.", "Verwenden Sie keinen Teil des Benutzernamens der Person."},
		{"fr", "Au moins 1 caractère", "Au moins 8 caractères", "Utilisez au moins 1 caractère.", "Utilisez au moins 8 caractères.",
			"Pas votre mot de passe précédent", "Aucun de vos 10 derniers mots de passe", "Au moins 2 jours depuis votre dernier changement", "Au moins 1 minute depuis votre dernier changement",
			"N’utilisez aucune partie de votre nom d’utilisateur.", "N’utilisez aucune partie de son nom d’utilisateur."},
		{"es", "Al menos 1 carácter", "Al menos 8 caracteres", "Use al menos 1 carácter.", "Use al menos 8 caracteres.",
			"No su contraseña anterior", "Ninguna de sus últimas 10 contraseñas", "Al menos 2 días desde su último cambio", "Al menos 1 minuto desde su último cambio",
			"No use ninguna parte de su nombre de usuario.", "No use ninguna parte del nombre de usuario de la persona."},
		{"ja", "1文字以上", "8文字以上", "1文字以上にしてください。", "8文字以上にしてください。",
			"直近1回のパスワードと異なる", "直近10回のパスワードと異なる", "前回の変更から2日以上経過している", "前回の変更から1分以上経過している",
			"ユーザー名の一部を使わないでください。", "その人のユーザー名の一部を使わないでください。"},
	}
	text := func(rules []views.PasswordRule, key string) []string {
		var out []string
		for _, r := range rules {
			if r.Key == key {
				out = append(out, r.Text)
			}
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			ctx := inLanguage(tt.lang)
			one := policyFromComplexity(client.PasswordComplexity{MinLength: 1}, "policies")
			eight := policyFromComplexity(client.PasswordComplexity{MinLength: 8, ExcludeUsername: true}, "policies")
			assert.Equal(t, []string{tt.rule1}, text(one.Rules(ctx), ruleLength))
			assert.Equal(t, []string{tt.rule8}, text(eight.Rules(ctx), ruleLength))
			// A one-character minimum cannot be broken by a typed password; the sentence is
			// still the one the language gives 1.
			assert.Equal(t, tt.short1, views.LocaleFrom(ctx).Tn("password.problem.too_short", 1))
			assert.Equal(t, tt.short8, eight.Problem(ctx, "Ab1", who))
			assert.Equal(t, tt.username, eight.Problem(ctx, "kowalski-harbor", who))
			assert.Equal(t, tt.usernameTheir, eight.ProblemFor(ctx, "kowalski-harbor", who, TheirPassword))

			notes := func(history, minAge int) []string {
				p := policyFromOktaPolicy(client.PasswordPolicy{Age: client.PasswordAge{HistoryCount: history, MinAgeMinutes: minAge}})
				return text(p.Rules(ctx), ruleNote)
			}
			assert.Equal(t, []string{tt.history1, tt.minAgeDays}, notes(1, 2*24*60))
			assert.Equal(t, []string{tt.history10, tt.minAgeMinute}, notes(10, 1))
		})
	}
}

// TestOktaNotesStayOktasWords: what the MyAccount API says beyond the complexity list is shown
// as Okta wrote it, marked as English for a page in another language (WCAG 3.1.2).
func TestOktaNotesStayOktasWords(t *testing.T) {
	t.Parallel()
	p := policyFromRequirements(client.PasswordRequirements{
		Complexity:  client.PasswordComplexity{MinLength: 8},
		Description: "Password requirements: at least 8 characters. Your password cannot be any of your last 4 passwords.",
	})
	var notes []views.PasswordRule
	for _, r := range p.Rules(inLanguage("de")) {
		if r.Key == ruleNote {
			notes = append(notes, r)
		}
	}
	assert.Equal(t, []views.PasswordRule{{Key: ruleNote, Text: "Your password cannot be any of your last 4 passwords", Info: true, Lang: "en"}}, notes)
}
