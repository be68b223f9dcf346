package handlers

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Hostile characters (SECURITY.md 55). Okta data (names, titles, app labels, group names) and
// the reasons people type can carry characters that change how the text around them looks
// without being seen: bidirectional overrides and isolates (U+202E turns "exe.txt" into
// "txt.exe"), and control characters. Every HTML response passes through Render, so that is
// the one place they are made visible: each becomes "[U+XXXX]" in the page, in text and in
// attributes alike, and cannot disguise anything. The templates themselves never contain one;
// tab, newline and carriage return are markup whitespace and stay.

// neutralize returns b with every hostile character replaced by its visible code, or b itself
// when there is none (the common case costs one scan, no allocation).
func neutralize(b []byte) []byte {
	first := firstHostile(b)
	if first < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:first]...)
	for i := first; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if hostile(r) && !(r == utf8.RuneError && size == 1) {
			out = append(out, "[U+"...)
			out = append(out, hex4(r)...)
			out = append(out, ']')
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// firstHostile returns the index of the first hostile character in b, or -1. It looks at raw
// bytes first: ASCII controls, and the lead bytes of C1 controls (C2), the Arabic letter mark
// (D8) and the other bidi controls (E2); only those are decoded.
func firstHostile(b []byte) int {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0x7f:
			return i
		case c == 0xC2, c == 0xD8, c == 0xE2:
			if r, _ := utf8.DecodeRune(b[i:]); hostile(r) {
				return i
			}
		}
	}
	return -1
}

// hostile reports whether r may not appear as is in a page.
func hostile(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

func hex4(r rune) string {
	s := strconv.FormatInt(int64(r), 16)
	for len(s) < 4 {
		s = "0" + s
	}
	return string(toUpper([]byte(s)))
}

func toUpper(b []byte) []byte {
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return b
}
