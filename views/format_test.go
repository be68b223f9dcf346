package views

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoginParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, login string
		want        []string
	}{
		{name: "email", login: "gabriel.kowalski605@example.com", want: []string{"gabriel.kowalski605@", "example", ".com"}},
		{name: "subdomain", login: "a@eu.corp.example.org", want: []string{"a@", "eu", ".corp", ".example", ".org"}},
		{name: "no @", login: "ada", want: []string{"ada"}},
		{name: "empty", login: "", want: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, loginParts(tt.login))
		})
	}
}

func TestLoginTextEscapes(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	require.NoError(t, loginText(`<b>x</b>@example.com`).Render(t.Context(), &sb))
	assert.Equal(t, "&lt;b&gt;x&lt;/b&gt;@<wbr>example<wbr>.com", sb.String())
}
