package handlers

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// userIDPattern is the shape of an Okta user id: "00u" and 17 base62 characters (SECURITY.md
// requirement 29). Anything else is refused before it can reach an Okta URL.
var userIDPattern = regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`)

// validUserID reports whether id looks like an Okta user id.
func validUserID(id string) bool { return userIDPattern.MatchString(id) }

// localPath returns p when it is a safe path on this site, and "/" otherwise. It is the only
// gate for return addresses after sign-in: a path must start with a single "/", contain no
// backslash, whitespace or control character, and neither it nor its percent-decoded path may
// open a second authority ("//", "/\", "/\t/", "/./\" …, oauth2-proxy's rule), carry a scheme
// or host.
func localPath(p string) string {
	if p == "" || len(p) > 2048 || !safeLocal(p) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	path, _, _ := strings.Cut(p, "?")
	path, _, _ = strings.Cut(path, "#")
	if dec, err := url.PathUnescape(path); err != nil || strings.ContainsRune(dec, '\\') || opensAuthority(dec) || hasControl(dec) {
		return "/"
	}
	return p
}

// opensAuthority reports whether browsers may read p as "//host": two slashes (either way)
// with only whitespace (any Unicode space) or one or two dots between them — oauth2-proxy's
// invalid-redirect rule.
func opensAuthority(p string) bool {
	if p == "" || (p[0] != '/' && p[0] != '\\') {
		return false
	}
	rest := p[1:]
	isSlash := func(s string) bool { return s != "" && (s[0] == '/' || s[0] == '\\') }
	if isSlash(strings.TrimLeftFunc(rest, unicode.IsSpace)) {
		return true
	}
	return isSlash(strings.TrimPrefix(rest, "..")) && strings.HasPrefix(rest, "..") ||
		isSlash(strings.TrimPrefix(rest, ".")) && strings.HasPrefix(rest, ".")
}

func safeLocal(p string) bool {
	if p[0] != '/' || opensAuthority(p) {
		return false
	}
	for _, r := range p {
		if r == '\\' || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return !hasControl(p)
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
