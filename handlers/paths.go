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

// ValidUserID reports whether id looks like an Okta user id.
func ValidUserID(id string) bool { return userIDPattern.MatchString(id) }

// LocalPath returns p when it is a safe path on this site, and "/" otherwise. It is the only
// gate for return addresses after sign-in: a path must start with a single "/", and no form of
// it — raw or percent-decoded — may start a second authority ("//", "/\", "/\t/", "/./\" …),
// carry a scheme or host, or contain control characters or backslashes.
func LocalPath(p string) string {
	if p == "" || len(p) > 2048 || !safeLocal(p) {
		return "/"
	}
	if dec, err := url.PathUnescape(p); err != nil || !safeLocal(dec) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return p
}

func safeLocal(p string) bool {
	if p[0] != '/' {
		return false
	}
	for _, r := range p {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	// "//host", and "/./" or "/../" tricks that some browsers normalise into "//host".
	rest := strings.TrimLeft(p[1:], ".")
	return !strings.HasPrefix(p, "//") && !strings.HasPrefix(rest, "/")
}

func queryEscape(s string) string { return url.QueryEscape(s) }
