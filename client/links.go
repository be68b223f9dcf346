package client

import (
	"net/http"
	"net/url"
	"strings"
)

// linkValue is one entry of a Link header: a target and its rel values.
type linkValue struct {
	target string
	rels   []string
}

// parseLinkHeaders reads every Link header line, each possibly holding several
// comma-joined entries of the form `<url>; rel="next"` (RFC 8288). Malformed
// entries are skipped; it never fails.
func parseLinkHeaders(h http.Header) []linkValue {
	var out []linkValue
	for _, line := range h.Values("Link") {
		out = append(out, parseLinkLine(line)...)
	}
	return out
}

func parseLinkLine(s string) []linkValue {
	var out []linkValue
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out
		}
		if s[0] != '<' {
			s = skipPastComma(s)
			continue
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return out
		}
		lv := linkValue{target: strings.TrimSpace(s[1:end])}
		s = s[end+1:]
		for {
			s = strings.TrimLeft(s, " \t")
			if s == "" || s[0] == ',' {
				break
			}
			if s[0] != ';' {
				s = skipPastComma(s)
				break
			}
			var key, val string
			key, val, s = parseLinkParam(s[1:])
			if strings.EqualFold(key, "rel") {
				lv.rels = append(lv.rels, strings.Fields(strings.ToLower(val))...)
			}
		}
		out = append(out, lv)
	}
}

// parseLinkParam reads `key=value` or `key="quoted value"` and returns the rest.
func parseLinkParam(s string) (key, val, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, "=;,")
	if i < 0 {
		return strings.TrimSpace(s), "", ""
	}
	key = strings.TrimSpace(s[:i])
	if s[i] != '=' {
		return key, "", s[i:]
	}
	s = strings.TrimLeft(s[i+1:], " \t")
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for j := 1; j < len(s); j++ {
			switch c := s[j]; {
			case c == '\\' && j+1 < len(s):
				j++
				b.WriteByte(s[j])
			case c == '"':
				return key, b.String(), s[j+1:]
			default:
				b.WriteByte(c)
			}
		}
		return key, b.String(), "" // unterminated quote
	}
	j := strings.IndexAny(s, ";,")
	if j < 0 {
		return key, strings.TrimSpace(s), ""
	}
	return key, strings.TrimSpace(s[:j]), s[j:]
}

func skipPastComma(s string) string {
	if i := strings.IndexByte(s, ','); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// nextLink returns the rel="next" link of a response if it points at the org's
// own scheme and host. A link elsewhere is ignored: following it would send our
// credential to another server.
func (c *Client) nextLink(h http.Header) *url.URL {
	for _, lv := range parseLinkHeaders(h) {
		isNext := false
		for _, r := range lv.rels {
			isNext = isNext || r == "next"
		}
		if !isNext {
			continue
		}
		u, err := url.Parse(lv.target)
		if err != nil {
			continue
		}
		u = c.base.ResolveReference(u)
		if u.User != nil || !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
			continue
		}
		u.Fragment = ""
		return u
	}
	return nil
}
