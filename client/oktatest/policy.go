package oktatest

import (
	"strings"
	"time"
	"unicode"
)

// The org's password and recovery-answer policy, in one place. Texts are Okta's
// (USERS-API.md §4.7, §6).
const (
	passwordMinLength    = 8
	passwordMaxLength    = 72
	passwordHistoryCount = 4 // remembered passwords, the current one included
	passwordPartMin      = 4 // username/name parts shorter than this are ignored
	answerMinLength      = 4
	maxFailedSignIns     = 5

	msgPasswordRequirements = "Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username."
	msgPasswordTooRecent    = "Password has been used too recently"
	msgPasswordIsCurrent    = "Password cannot be your current password"
	// Unconfirmed (USERS-API.md §4.7): Okta's text for a strict minimum-age
	// rejection is not recorded; chose this wording.
	msgPasswordMinAge   = "Password cannot be changed more than once within the minimum password age."
	msgAnswerTooShort   = "The security question answer must be at least 4 characters in length"
	msgAnswerInQuestion = "The security question answer must not be part of the question"
)

// passwordComplexityOK checks length, character classes and that the password
// holds no part of the login (split on , . _ # @ -) nor of the first or last name.
func passwordComplexityOK(pw string, profile map[string]any) bool {
	if len(pw) < passwordMinLength || len(pw) > passwordMaxLength {
		return false
	}
	var lower, upper, digit bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	if !lower || !upper || !digit {
		return false
	}
	lpw := strings.ToLower(pw)
	isSep := func(r rune) bool { return strings.ContainsRune(",._#@- ", r) }
	var parts []string
	parts = append(parts, strings.FieldsFunc(profileString(profile, "login"), isSep)...)
	parts = append(parts, strings.FieldsFunc(profileString(profile, "firstName"), isSep)...)
	parts = append(parts, strings.FieldsFunc(profileString(profile, "lastName"), isSep)...)
	for _, p := range parts {
		if len(p) >= passwordPartMin && strings.Contains(lpw, strings.ToLower(p)) {
			return false
		}
	}
	return true
}

// passwordProblems returns the policy causes a new password breaks for u.
// history adds the reuse checks; minAge > 0 adds the minimum-age check.
func passwordProblems(u *user, pw string, history bool, minAge time.Duration, now time.Time) []string {
	var causes []string
	if !passwordComplexityOK(pw, u.profile) {
		causes = append(causes, msgPasswordRequirements)
	}
	if history && u.hasPassword {
		switch {
		case u.checkPassword(pw):
			causes = append(causes, msgPasswordIsCurrent)
		case u.inHistory(pw):
			causes = append(causes, msgPasswordTooRecent)
		}
	}
	if minAge > 0 && !u.passwordChanged.IsZero() && now.Sub(u.passwordChanged) < minAge {
		causes = append(causes, msgPasswordMinAge)
	}
	return causes
}

// answerProblems returns the causes a recovery answer breaks.
func answerProblems(question, answer string) []string {
	a := normalizeAnswer(answer)
	if len([]rune(a)) < answerMinLength {
		return []string{msgAnswerTooShort}
	}
	if strings.Contains(strings.ToLower(question), a) {
		return []string{msgAnswerInQuestion}
	}
	return nil
}

// tempPassword returns a 10-character password that meets the policy for u.
func tempPassword(u *user) string {
	for {
		pw := randomString(10)
		if passwordComplexityOK(pw, u.profile) {
			return pw
		}
	}
}
