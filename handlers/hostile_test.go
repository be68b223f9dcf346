package handlers

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNeutralize(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain text and markup whitespace", "<p class=\"x\">\tAlice Anderson\r\n</p>", "<p class=\"x\">\tAlice Anderson\r\n</p>"},
		{"right-to-left override", "invoice\u202Egnp.exe", "invoice[U+202E]gnp.exe"},
		{"every bidi control", "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069",
			"[U+061C][U+200E][U+200F][U+202A][U+202B][U+202C][U+202D][U+202E][U+2066][U+2067][U+2068][U+2069]"},
		{"C0 controls", "a\x00b\x07c\x1b[31md\x7f", "a[U+0000]b[U+0007]c[U+001B][31md[U+007F]"},
		{"C1 controls", "next\u0085line\u009b", "next[U+0085]line[U+009B]"},
		{"other scripts and symbols untouched", "Zoë Łukasz 山田 عربي שלום — ✓ \u200D", "Zoë Łukasz 山田 عربي שלום — ✓ \u200D"},
		{"characters sharing lead bytes", "\u00A0\u00E9\u0600\u2013\u2122", "\u00A0\u00E9\u0600\u2013\u2122"},
		{"invalid UTF-8 passes as is", "a\xffb", "a\xffb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(neutralize([]byte(tt.in))))
		})
	}
	clean := []byte("<html>nothing to do</html>")
	assert.Same(t, &clean[0], &neutralize(clean)[0], "no copy when there is nothing to change")
}
