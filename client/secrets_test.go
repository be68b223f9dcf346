package client_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

// TestSecretResultsAreRedacted prints each secret-bearing value every way an
// accidental log line might, and checks the secret never appears while the
// field still holds it.
func TestSecretResultsAreRedacted(t *testing.T) {
	const secret = "S3cr3t-XE6wE17zmphl"
	tests := []struct {
		name  string
		value any
		raw   func() string
	}{
		{
			name:  "activation",
			value: client.ActivationResult{ActivationURL: "https://acme.okta.com/welcome/" + secret, ActivationToken: secret},
			raw:   func() string { return client.ActivationResult{ActivationToken: secret}.ActivationToken },
		},
		{
			name:  "reset password",
			value: client.ResetPasswordResult{ResetPasswordURL: "https://acme.okta.com/reset_password/" + secret},
			raw: func() string {
				return client.ResetPasswordResult{ResetPasswordURL: "https://acme.okta.com/reset_password/" + secret}.ResetPasswordURL
			},
		},
		{
			name:  "forgot password",
			value: client.ForgotPasswordResult{ResetPasswordURL: "https://acme.okta.com/signin/reset-password/" + secret},
			raw: func() string {
				return client.ForgotPasswordResult{ResetPasswordURL: "https://acme.okta.com/signin/reset-password/" + secret}.ResetPasswordURL
			},
		},
		{
			name:  "temporary password",
			value: client.TempPasswordResult{TempPassword: secret},
			raw:   func() string { return client.TempPasswordResult{TempPassword: secret}.TempPassword },
		},
		{
			name: "new user",
			value: client.NewUser{
				Profile: client.Profile{Login: "ada@example.com"}, Password: secret,
				RecoveryQuestion: "Pet?", RecoveryAnswer: secret, GroupIDs: []string{"00g1"},
			},
			raw: func() string { return client.NewUser{Password: secret}.Password },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outputs := map[string]string{
				"%v":          fmt.Sprintf("%v", tt.value),
				"%+v":         fmt.Sprintf("%+v", tt.value),
				"%#v":         fmt.Sprintf("%#v", tt.value),
				"%s":          fmt.Sprintf("%s", tt.value),
				"pointer %+v": fmt.Sprintf("%+v", pointerTo(tt.value)),
				"nested %+v":  fmt.Sprintf("%+v", struct{ R any }{tt.value}),
				"nested %#v":  fmt.Sprintf("%#v", struct{ R any }{tt.value}),
				"slice %v":    fmt.Sprint([]any{tt.value}),
			}
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("result", "r", tt.value)
			outputs["slog json"] = buf.String()
			buf.Reset()
			slog.New(slog.NewTextHandler(&buf, nil)).Info("result", slog.Any("r", tt.value))
			outputs["slog text"] = buf.String()

			for how, out := range outputs {
				assert.NotContains(t, out, secret, "leaked by %s: %s", how, out)
				assert.Contains(t, out, "[redacted]", "%s shows that a value exists: %s", how, out)
			}
			assert.Equal(t, secret, tt.raw()[len(tt.raw())-len(secret):], "the field keeps the value")
		})
	}
}

func TestRedactionShowsEmptyValues(t *testing.T) {
	assert.Equal(t, "{TempPassword:}", fmt.Sprint(client.TempPasswordResult{}))
	assert.Equal(t, `client.TempPasswordResult{TempPassword:""}`, fmt.Sprintf("%#v", client.TempPasswordResult{}))
	assert.Equal(t, "{TempPassword:[redacted]}", fmt.Sprint(client.TempPasswordResult{TempPassword: "x"}))
	assert.Equal(t, "{ActivationURL: ActivationToken:[redacted]}", fmt.Sprint(client.ActivationResult{ActivationToken: "t"}))
}

func TestClientNeverPrintsItsCredential(t *testing.T) {
	c, err := client.New("https://acme.okta.com", testToken)
	require.NoError(t, err)
	bearer := c.WithBearer("user-access-token-abcdef")
	for _, v := range []any{c, bearer} {
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("client", "c", v)
		for _, out := range []string{fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), buf.String()} {
			assert.NotContains(t, out, testToken)
			assert.NotContains(t, out, "user-access-token")
			assert.Contains(t, out, "acme.okta.com")
		}
	}
}

// pointerTo returns a pointer to a copy of v, with v's concrete type.
func pointerTo(v any) any {
	p := reflect.New(reflect.TypeOf(v))
	p.Elem().Set(reflect.ValueOf(v))
	return p.Interface()
}
