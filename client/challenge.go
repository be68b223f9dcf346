package client

import (
	"net/http"
	"strings"
)

// challenge is one WWW-Authenticate challenge (RFC 9110 §11.6.1): Okta puts the reason of a
// refused bearer or DPoP token there (error="invalid_token", "insufficient_scope" with the
// scope required, "use_dpop_nonce"), not in its JSON error body.
type challenge struct {
	scheme string            // lower case: "bearer", "dpop"
	params map[string]string // names lower case
}

// authChallenges parses every WWW-Authenticate header of h. Several challenges may share one
// header line, separated by commas like their parameters; token68 forms are skipped.
func authChallenges(h http.Header) []challenge {
	var out []challenge
	for _, line := range h.Values("Www-Authenticate") {
		p := &challengeParser{s: line}
		for {
			p.skip(" \t,")
			if p.i >= len(p.s) {
				break
			}
			scheme := p.token()
			if scheme == "" {
				p.i++ // a stray character; a token68 left over ends up here too
				continue
			}
			c := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
			p.skip(" \t")
			for p.startsParam() {
				name := p.token()
				p.skip(" \t")
				p.eat('=')
				p.skip(" \t")
				c.params[strings.ToLower(name)] = p.value()
				p.skip(" \t")
				if !p.eat(',') {
					break
				}
				p.skip(" \t,")
			}
			out = append(out, c)
		}
	}
	return out
}

// authError returns the error parameter of the first challenge that has one, and that
// challenge.
func authError(h http.Header) (string, challenge) {
	for _, c := range authChallenges(h) {
		if e := c.params["error"]; e != "" {
			return e, c
		}
	}
	return "", challenge{}
}

type challengeParser struct {
	s string
	i int
}

func (p *challengeParser) skip(chars string) {
	for p.i < len(p.s) && strings.IndexByte(chars, p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *challengeParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// token reads an RFC 9110 token (plus '/' for token68 leftovers, which then fail to parse as
// a parameter and are dropped).
func (p *challengeParser) token() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),:;<=>?@[\]{}`, c) >= 0 {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// startsParam reports whether a "name=" follows, i.e. the current challenge goes on.
func (p *challengeParser) startsParam() bool {
	save := p.i
	defer func() { p.i = save }()
	if p.token() == "" {
		return false
	}
	p.skip(" \t")
	return p.i < len(p.s) && p.s[p.i] == '=' && (p.i+1 >= len(p.s) || p.s[p.i+1] != '=')
}

// value reads a quoted string (with backslash escapes) or a token.
func (p *challengeParser) value() string {
	if !p.eat('"') {
		return p.token()
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			if p.i < len(p.s) {
				b.WriteByte(p.s[p.i])
				p.i++
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
