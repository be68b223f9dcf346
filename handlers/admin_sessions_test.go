package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// TestAdminResetsEndOktaSessions: after a reset of the password or the MFA factors, the
// person's Okta sessions and tokens end too, not only their Gatehouse sessions — that is what
// a helpdesk reset after a suspected compromise is for.
func TestAdminResetsEndOktaSessions(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"reset-password", "reset-factors"} {
		t.Run(action, func(t *testing.T) {
			env := webtest.New(t, webtest.Options{})
			alice := env.SignInAs(t, "alice@example.com")
			id := env.Okta.UserID("alice@example.com")
			require.Positive(t, env.Okta.SignInSessions(id))
			require.Positive(t, env.Okta.ActiveTokens(id))
			ada := env.SignInAs(t, "ada@example.com")
			res := env.Do(t, ada, http.MethodPost, "/admin/users/"+id+"/"+action, url.Values{"confirm": {"yes"}, "reason": {"TICKET-5"}}, nil)
			res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Zero(t, env.Okta.SignInSessions(id), "Okta sessions ended")
			assert.Zero(t, env.Okta.ActiveTokens(id), "Okta tokens revoked")
			res = env.Do(t, webtest.NoRedirects(alice), http.MethodGet, "/profile", nil, nil)
			res.Body.Close()
			assert.Equal(t, http.StatusFound, res.StatusCode, "her Gatehouse session ended")
		})
	}
}
