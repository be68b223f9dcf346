package oktatest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

func TestAsynchronousLifecycle(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed(), TransitionDelay: 10 * time.Second})
	mia := s.UserID("mia@example.com")
	tok, err := s.MintTokens("mia@example.com")
	require.NoError(t, err)

	r := call(t, s, http.MethodPost, "/api/v1/users/"+mia+"/lifecycle/deactivate", ssws(s), nil)
	require.Equal(t, 200, r.status)
	u := call(t, s, http.MethodGet, "/api/v1/users/"+mia, ssws(s), nil).object(t)
	assert.Equal(t, "ACTIVE", u["status"], "the old status until the transition completes")
	assert.Equal(t, "DEPROVISIONED", u["transitioningToStatus"])
	assert.Equal(t, []string{"self"}, keys(u["_links"].(map[string]any)), "nothing can be done meanwhile")
	assert.Zero(t, s.ActiveTokens(mia), "access ends at once")
	assert.Equal(t, 401, call(t, s, http.MethodGet, "/api/v1/users/me", bearer(tok.AccessToken), nil).status)

	t.Run("a second call answers 409 E0000112", func(t *testing.T) {
		e := assertOktaError(t, call(t, s, http.MethodPost, "/api/v1/users/"+mia+"/lifecycle/deactivate", ssws(s), nil), 409, "E0000112")
		assert.Equal(t, "Cannot update this user because they are still being activated. Please try again in a few minutes.", e.ErrorSummary)
		assertOktaError(t, call(t, s, http.MethodPost, "/api/v1/users/"+mia, ssws(s), map[string]any{"profile": map[string]any{"title": "x"}}), 409, "E0000112")
		assertOktaError(t, call(t, s, http.MethodPost, "/api/v1/users/"+mia+"/credentials/change_password", ssws(s), changePW(demoPassword, "Fresh-Gr33n-tea")), 409, "E0000112")
	})
	t.Run("collections show the transition too", func(t *testing.T) {
		r := call(t, s, http.MethodGet, "/api/v1/users?"+url.Values{"search": {`profile.login eq "mia@example.com"`}}.Encode(), ssws(s), nil)
		var page []map[string]any
		r.json(t, &page)
		require.Len(t, page, 1)
		assert.Equal(t, "DEPROVISIONED", page[0]["transitioningToStatus"])
	})

	clock.Add(10 * time.Second)
	u = call(t, s, http.MethodGet, "/api/v1/users/"+mia, ssws(s), nil).object(t)
	assert.Equal(t, "DEPROVISIONED", u["status"])
	assert.NotContains(t, u, "transitioningToStatus")

	t.Run("activation is asynchronous too", func(t *testing.T) {
		require.Equal(t, 200, call(t, s, http.MethodPost, "/api/v1/users/"+mia+"/lifecycle/activate?sendEmail=false", ssws(s), nil).status)
		assert.Equal(t, "ACTIVE", s.TransitioningTo(mia))
		assert.Equal(t, oktatest.StatusDeprovisioned, s.UserStatus(mia))
		assertOktaError(t, call(t, s, http.MethodPost, "/api/v1/users/"+mia+"/lifecycle/activate", ssws(s), nil), 409, "E0000112")
		s.CompleteTransitions()
		assert.Equal(t, oktatest.StatusActive, s.UserStatus(mia))
		assert.Empty(t, s.TransitioningTo(mia))
	})
	t.Run("Prefer: respond-async makes any deactivation asynchronous", func(t *testing.T) {
		alice := s.UserID("alice@example.com")
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/api/v1/users/"+alice+"/lifecycle/deactivate", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", ssws(s))
		req.Header.Set("Prefer", "respond-async")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, 200, res.StatusCode)
		assert.Equal(t, "DEPROVISIONED", s.TransitioningTo(alice))
		bob := s.UserID("bob@example.com")
		require.Equal(t, 200, call(t, s, http.MethodPost, "/api/v1/users/"+bob+"/lifecycle/deactivate", ssws(s), nil).status)
		assert.Equal(t, oktatest.StatusDeprovisioned, s.UserStatus(bob), "without the header, at once")
	})
}
