package handlers

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gatehouse/views"
)

// PasswordPolicy mirrors the org's Okta password policy so people see the rules before they
// type and get told about each one on the server before any Okta call. Okta stays the judge:
// whatever it still rejects is explained from its answer.
type PasswordPolicy struct {
	MinLength       int
	MaxLength       int
	RequireLower    bool
	RequireUpper    bool
	RequireDigit    bool
	RequireSymbol   bool
	NoUsernameParts bool
}

// DefaultPasswordPolicy is Okta's default policy (USERS-API.md §6).
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: 8, MaxLength: 72, RequireLower: true, RequireUpper: true, RequireDigit: true, NoUsernameParts: true}
}

// Rule keys, also used as data-testid suffixes.
const (
	ruleLength   = "length"
	ruleLower    = "lower"
	ruleUpper    = "upper"
	ruleDigit    = "digit"
	ruleSymbol   = "symbol"
	ruleUsername = "username"
	ruleMatch    = "match"
)

// Rules lists the policy's rules, unchecked.
func (p PasswordPolicy) Rules() []views.PasswordRule {
	rules := []views.PasswordRule{{Key: ruleLength, Text: "At least " + strconv.Itoa(p.MinLength) + " characters"}}
	if p.RequireLower {
		rules = append(rules, views.PasswordRule{Key: ruleLower, Text: "A lowercase letter"})
	}
	if p.RequireUpper {
		rules = append(rules, views.PasswordRule{Key: ruleUpper, Text: "An uppercase letter"})
	}
	if p.RequireDigit {
		rules = append(rules, views.PasswordRule{Key: ruleDigit, Text: "A number"})
	}
	if p.RequireSymbol {
		rules = append(rules, views.PasswordRule{Key: ruleSymbol, Text: "A symbol, such as ! or #"})
	}
	if p.NoUsernameParts {
		rules = append(rules, views.PasswordRule{Key: ruleUsername, Text: "No part of your username or name"})
	}
	rules = append(rules, views.PasswordRule{Key: ruleMatch, Text: "Both new password fields match"})
	return rules
}

// Person is whose password is being checked (for the username rule).
type Person struct {
	Login, FirstName, LastName string
}

// Check evaluates pw (and its confirmation) against every rule.
func (p PasswordPolicy) Check(pw, confirm string, who Person) []views.PasswordRule {
	rules := p.Rules()
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			symbol = true
		}
	}
	n := utf8.RuneCountInString(pw)
	for i := range rules {
		switch rules[i].Key {
		case ruleLength:
			rules[i].Met = n >= p.MinLength && n <= p.MaxLength
		case ruleLower:
			rules[i].Met = lower
		case ruleUpper:
			rules[i].Met = upper
		case ruleDigit:
			rules[i].Met = digit
		case ruleSymbol:
			rules[i].Met = symbol
		case ruleUsername:
			rules[i].Met = pw != "" && !containsNameParts(pw, who)
		case ruleMatch:
			rules[i].Met = pw != "" && pw == confirm
		}
	}
	return rules
}

// Problem returns the first unmet rule as a sentence for the new-password field, or "".
func (p PasswordPolicy) Problem(pw string, who Person) string {
	if utf8.RuneCountInString(pw) > p.MaxLength {
		return "Use at most " + strconv.Itoa(p.MaxLength) + " characters."
	}
	for _, r := range p.Check(pw, pw, who) {
		if r.Met {
			continue
		}
		switch r.Key {
		case ruleLength:
			return "Use at least " + strconv.Itoa(p.MinLength) + " characters."
		case ruleLower:
			return "Add a lowercase letter."
		case ruleUpper:
			return "Add an uppercase letter."
		case ruleDigit:
			return "Add a number."
		case ruleSymbol:
			return "Add a symbol, such as ! or #."
		case ruleUsername:
			return "Do not use any part of your username or name."
		}
	}
	return ""
}

// containsNameParts applies Okta's rule: no part of the login (split on , . _ # @ -) of four or
// more characters, nor the first or last name, may appear in the password (case-insensitive).
func containsNameParts(pw string, who Person) bool {
	low := strings.ToLower(pw)
	parts := strings.FieldsFunc(strings.ToLower(who.Login), func(r rune) bool {
		return strings.ContainsRune(",._#@-", r)
	})
	parts = append(parts, strings.ToLower(who.FirstName), strings.ToLower(who.LastName))
	for _, part := range parts {
		if utf8.RuneCountInString(part) >= 4 && strings.Contains(low, part) {
			return true
		}
	}
	return false
}
