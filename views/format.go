package views

import (
	"context"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
)

// initials returns up to two letters for an avatar or a logo fallback.
func initials(name string) string {
	var out []rune
	for w := range strings.FieldsSeq(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToUpper(r))
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// loginText shows a username or email that may wrap only where it reads well: after the @ and
// before each dot of the domain (a <wbr> there), never in the middle of a word. Each part is
// escaped; written in Go because templ puts spaces between parts on separate lines.
func loginText(login string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for i, part := range loginParts(login) {
			if i > 0 {
				if _, err := io.WriteString(w, "<wbr>"); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, templ.EscapeString(part)); err != nil {
				return err
			}
		}
		return nil
	})
}

// loginParts splits a username where a line may break: after the "@" and before each "." that
// follows it ("ada.lovelace@" "example" ".com"). A login without "@" is one part.
func loginParts(login string) []string {
	local, domain, ok := strings.Cut(login, "@")
	if !ok {
		return []string{login}
	}
	parts := []string{local + "@"}
	for i, label := range strings.Split(domain, ".") {
		if i > 0 {
			label = "." + label
		}
		parts = append(parts, label)
	}
	return parts
}
