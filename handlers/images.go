package handlers

import (
	"net/url"
	"slices"
	"strings"
)

// oktaLogoCDN is where Okta serves app and group logos from: its examples use hosts such as
// ok12static.oktacdn.com and tc2static.oktacdn.com (docs/OKTA.md "Image sources").
const oktaLogoCDN = "https://*.oktacdn.com"

// ImageSources are the origins images may come from (SECURITY.md 55): Gatehouse itself, the
// Okta org, Okta's logo CDN, and the hosts an operator adds. The Content-Security-Policy's
// img-src lists exactly these, and an app tile whose logo lives anywhere else falls back to
// its initials: a logo URL is Okta data, and an image from an arbitrary host would tell that
// host who opened the page, and when.
type ImageSources struct {
	sources []string // CSP source expressions: https://host[:port] or https://*.domain
}

// NewImageSources allows the Okta org's origin, Okta's logo CDN and the extra sources
// ("https://cdn.example.com", "https://*.example.com"; cmd/gatehouse checks their shape).
func NewImageSources(oktaOrigin string, extra ...string) ImageSources {
	var s ImageSources
	for _, src := range append([]string{oktaOrigin, oktaLogoCDN}, extra...) {
		src = strings.TrimRight(strings.TrimSpace(src), "/")
		if src != "" && !slices.Contains(s.sources, src) {
			s.sources = append(s.sources, src)
		}
	}
	return s
}

// CSP returns the sources for img-src, after 'self'.
func (s ImageSources) CSP() string { return strings.Join(s.sources, " ") }

// Allows reports whether the image at raw may be shown: an absolute URL whose scheme and host
// match one of the sources (a "*." source matches any subdomain, not the domain itself, as in
// CSP). Relative URLs would be Gatehouse's own, which Okta data never names: refused.
func (s ImageSources) Allows(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return false
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	for _, src := range s.sources {
		scheme, host, ok := strings.Cut(strings.ToLower(src), "://")
		if !ok || scheme != u.Scheme {
			continue
		}
		if domain, wild := strings.CutPrefix(host, "*."); wild {
			if u.Port() == "" && strings.HasSuffix(strings.ToLower(u.Hostname()), "."+domain) {
				return true
			}
			continue
		}
		if origin == scheme+"://"+host {
			return true
		}
	}
	return false
}
