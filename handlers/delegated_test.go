package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// TestDelegatedModeFallsBackWhereOktaRefusesASelfScope is handler-level: in delegated mode,
// an org whose okta.users.manage.self does not cover change_password and
// change_recovery_question (403 E0000006 to the person's own token) still lets people change
// them: Gatehouse asks again with its service credential on their id and logs that it did. A
// refusal that is Okta's answer about the request (a wrong current password) is not retried.
func TestDelegatedModeFallsBackWhereOktaRefusesASelfScope(t *testing.T) {
	t.Parallel()
	var logs webtest.LogBuffer
	h := webtest.NewHandlers(t, webtest.Options{
		OktaConfig: oktatest.Config{DenySelfCredentialScopes: true},
		Logger:     logs.Logger(),
		Configure:  func(c *web.Config) { c.Delegated = true },
	})
	calls := func(path string) (self, service int) {
		for _, r := range h.Okta.Requests() {
			switch {
			case r.Path == "/api/v1/users/me/credentials/"+path:
				self++
			case strings.HasSuffix(r.Path, "/credentials/"+path):
				service++
				assert.NotEqual(t, "Bearer", r.Auth, "the second call uses Gatehouse's own credential")
			}
		}
		return self, service
	}

	t.Run("password", func(t *testing.T) {
		h.Okta.ResetRequests()
		form := url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"Harbor-77-Tree"}, "confirm_password": {"Harbor-77-Tree"}}
		w, err := webtest.Call(h.App.Self.ChangePassword, h.As(t, webtest.Request(http.MethodPost, "/password", form, nil), "hal@example.com"))
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
		self, service := calls("change_password")
		assert.Equal(t, 1, self, "the person's own token first")
		assert.Equal(t, 1, service, "then the service credential")
		assert.Contains(t, logs.String(), `"op":"changePassword"`)
		assert.Contains(t, logs.String(), "using Gatehouse's service credential instead")
	})
	t.Run("recovery question", func(t *testing.T) {
		h.Okta.ResetRequests()
		form := url.Values{"question": {"What was the make of your first car?"}, "answer": {"Volvo Amazon"}, "current_password": {webtest.DemoPassword}}
		w, err := webtest.Call(h.App.Self.ChangeRecovery, h.As(t, webtest.Request(http.MethodPost, "/recovery-question", form, nil), "yuki@example.com"))
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
		self, service := calls("change_recovery_question")
		assert.Equal(t, []int{1, 1}, []int{self, service})
	})
	t.Run("a wrong current password is Okta's answer, not retried", func(t *testing.T) {
		h.Okta.SetSelfCredentialScopes(true)
		t.Cleanup(func() { h.Okta.SetSelfCredentialScopes(false) })
		h.Okta.ResetRequests()
		form := url.Values{"current_password": {"Not-My-Passw0rd"}, "new_password": {"Harbor-77-Tree"}, "confirm_password": {"Harbor-77-Tree"}}
		w, err := webtest.Call(h.App.Self.ChangePassword, h.As(t, webtest.Request(http.MethodPost, "/password", form, nil), "alice@example.com"))
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		self, service := calls("change_password")
		assert.Equal(t, []int{1, 0}, []int{self, service})
	})
}
