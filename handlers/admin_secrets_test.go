package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// TestAdminSecretsNeverLogged runs the three actions that produce one-time secrets and checks
// each secret reaches the admin's browser but no log record and no audit entry.
func TestAdminSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	logs := &webtest.LogBuffer{}
	env := webtest.New(t, webtest.Options{Logger: logs.Logger()})
	ada := env.SignInAs(t, "ada@example.com")

	tests := []struct {
		name   string
		status string
		action string
		form   url.Values
		htmx   bool
		want   string // a fragment every secret of this kind contains
	}{
		{name: "activation link", status: oktatest.StatusStaged, action: "activate", form: url.Values{"confirm": {"yes"}, "delivery": {"link"}}, htmx: true, want: "/welcome/"},
		{name: "reset link", status: oktatest.StatusActive, action: "reset-password", form: url.Values{"confirm": {"yes"}, "delivery": {"link"}, "reason": {"INC-7"}}, want: "/reset_password/"},
		{name: "temporary password", status: oktatest.StatusActive, action: "expire-password", form: url.Values{"confirm": {"yes"}, "temp_password": {"yes"}, "reason": {"INC-8"}}, htmx: true},
	}
	var secrets []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := adminTestUser(t, env.Okta, tt.status)
			if tt.action == "activate" {
				// Only a person without a password needs the link: one who has one is active at once.
				id = adminTestUserWithoutPassword(t, env.Okta, tt.status)
			}
			var (
				res  *http.Response
				body string
			)
			if tt.htmx {
				res, body = post(t, env, ada, personPath(id)+"/"+tt.action, tt.form, webtest.HTMX(views.UserPanelID))
			} else {
				_, res, body = postRedirected(t, env, ada, personPath(id)+"/"+tt.action, tt.form)
			}
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			secret := strings.TrimSpace(parseHTML(t, body).Find("#" + views.SecretValueID).Text())
			require.NotEmpty(t, secret, "the secret is shown once")
			assert.Contains(t, secret, tt.want)
			assert.Contains(t, body, secret)
			secrets = append(secrets, secret)
			if tt.action == "expire-password" {
				// The temporary password really works at Okta: prove it is the real secret.
				assert.Equal(t, oktatest.StatusPasswordExpired, env.Okta.UserStatus(id))
			}
		})
	}
	require.Len(t, secrets, len(tests))

	entries, err := env.App.Audit.Recent(t.Context(), audit.Filter{Limit: 1000})
	require.NoError(t, err)
	trail, err := json.Marshal(entries)
	require.NoError(t, err)
	logged := logs.String()
	require.Contains(t, logged, `"msg":"audit"`, "the capture sees the audit log lines")
	for _, s := range secrets {
		// Tokens inside links must not leak on their own either. (assert.False keeps the
		// secret itself out of the failure message.)
		token := s[strings.LastIndex(s, "/")+1:]
		assert.False(t, strings.Contains(logged, token), "a secret reached the log")
		assert.False(t, strings.Contains(string(trail), token), "a secret reached the audit trail")
	}
}
