package client

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAuthChallenges(t *testing.T) {
	tests := []struct {
		name   string
		lines  []string
		want   []challenge
		errStr string
	}{
		{name: "Okta's insufficient_scope (support article)",
			lines: []string{`Bearer authorization_uri="http://subdomain.okta.com/oauth2/v1/authorize", realm="http://subdomain.okta.com", scope="openid", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/oauth2/v1/userinfo"`},
			want: []challenge{{scheme: "bearer", params: map[string]string{"authorization_uri": "http://subdomain.okta.com/oauth2/v1/authorize",
				"realm": "http://subdomain.okta.com", "scope": "openid", "error": "insufficient_scope",
				"error_description": "The access token provided does not contain the required scopes.", "resource": "/oauth2/v1/userinfo"}}},
			errStr: "insufficient_scope"},
		{name: "RFC 9449 nonce challenge",
			lines:  []string{`DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`},
			want:   []challenge{{scheme: "dpop", params: map[string]string{"error": "use_dpop_nonce", "error_description": "Resource server requires nonce in DPoP proof"}}},
			errStr: "use_dpop_nonce"},
		{name: "two challenges on one line, token values, escapes",
			lines: []string{`Basic realm="a \"b\"", DPoP algs="ES256 PS256", error=invalid_token`},
			want: []challenge{{scheme: "basic", params: map[string]string{"realm": `a "b"`}},
				{scheme: "dpop", params: map[string]string{"algs": "ES256 PS256", "error": "invalid_token"}}},
			errStr: "invalid_token"},
		{name: "two header lines", lines: []string{`Basic realm="x"`, `Bearer error="invalid_token"`},
			want:   []challenge{{scheme: "basic", params: map[string]string{"realm": "x"}}, {scheme: "bearer", params: map[string]string{"error": "invalid_token"}}},
			errStr: "invalid_token"},
		{name: "a token68 is skipped", lines: []string{`Negotiate abc==, Bearer error="x"`},
			want:   []challenge{{scheme: "negotiate", params: map[string]string{}}, {scheme: "abc", params: map[string]string{}}, {scheme: "bearer", params: map[string]string{"error": "x"}}},
			errStr: "x"},
		{name: "garbage does not hang", lines: []string{`=,,"" ,= Bearer`}, want: []challenge{{scheme: "bearer", params: map[string]string{}}}},
		{name: "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, l := range tt.lines {
				h.Add("WWW-Authenticate", l)
			}
			assert.Equal(t, tt.want, authChallenges(h))
			got, _ := authError(h)
			assert.Equal(t, tt.errStr, got)
		})
	}
}

func FuzzAuthChallenges(f *testing.F) {
	f.Add(`Bearer realm="x", error="insufficient_scope", scope="okta.users.read"`)
	f.Add(`DPoP algs="ES256", error="use_dpop_nonce"`)
	f.Fuzz(func(t *testing.T, s string) {
		h := http.Header{"Www-Authenticate": {s}}
		_ = authChallenges(h) // must terminate without panicking
	})
}
