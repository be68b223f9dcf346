package client_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// TestEmulatorPagingToTheEnd pages through every ACTIVE user of the demo org
// (1,000 generated people plus the named ones) with ListUsers, following
// NextAfter until the last page.
func TestEmulatorPagingToTheEnd(t *testing.T) {
	seed := oktatest.DemoOrg()
	want := seed.GeneratedUsers // every generated user is ACTIVE (DESIGN.md §5)
	for _, u := range seed.Users {
		if u.Status == "" || u.Status == oktatest.StatusActive {
			want++
		}
	}
	e := newEmulator(t, emuConfig{seed: &seed})
	owner, err := e.c.GetCurrentUser(t.Context())
	require.NoError(t, err)
	require.Equal(t, client.StatusActive, owner.Status, "the API token's owner is an ACTIVE admin (USERS-API.md §7.1)")
	if owner.Profile.Login != oktatest.DemoOktaAdmin {
		want++ // the emulator added the owner to a seed that lacked one
	}

	tests := []struct {
		name    string
		limit   int
		perPage int // what Okta serves per page for that limit
	}{
		{name: "Okta's default page of 200", limit: 0, perPage: 200},
		{name: "odd page size", limit: 97, perPage: 97},
		{name: "limit above the maximum is capped at 200", limit: 500, perPage: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.ResetRequests()
			seen := map[string]bool{}
			after, pages := "", 0
			for {
				page, err := e.c.ListUsers(t.Context(), client.ListUsersParams{Status: string(client.StatusActive), Limit: tt.limit, After: after})
				require.NoError(t, err)
				pages++
				require.LessOrEqual(t, pages, want, "paging must end")
				if page.NextAfter != "" {
					assert.Len(t, page.Users, tt.perPage, "only the last page may be short")
				}
				for _, u := range page.Users {
					assert.Equal(t, client.StatusActive, u.Status)
					assert.False(t, seen[u.ID], "user %s served twice", u.ID)
					seen[u.ID] = true
				}
				if page.NextAfter == "" {
					break
				}
				after = page.NextAfter
			}
			assert.Len(t, seen, want)
			assert.Equal(t, (want+tt.perPage-1)/tt.perPage, pages)
			assert.Len(t, e.requests(http.MethodGet, "/api/v1/users"), pages, "one request per page")
		})
	}
}

// sleepLog records the client's retry waits and advances the emulator's clock.
type sleepLog struct {
	clock *fakeClock
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.clock.Advance(d)
	return ctx.Err()
}

func (s *sleepLog) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// TestEmulatorRateLimitedGet checks the single 429 retry of a GET against
// the emulator's forced rate limit: a short reset is waited out (on the fake
// clock) and retried once; a long one is not.
func TestEmulatorRateLimitedGet(t *testing.T) {
	tests := []struct {
		name      string
		resetIn   time.Duration
		wantCalls int
		wantWait  []time.Duration
	}{
		// Reset − Date + 1 s (USERS-API.md §8), on whole seconds of the fake clock.
		{name: "short reset: one retry", resetIn: time.Second, wantCalls: 2, wantWait: []time.Duration{2 * time.Second}},
		{name: "reset beyond the retry budget: no retry", resetIn: time.Minute, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEmulator(t, emuConfig{})
			sl := &sleepLog{clock: e.clock}
			c := e.newClient(t, client.WithClock(e.clock.Now, sl.sleep))
			id, login := e.addUser(oktatest.StatusActive)
			e.srv.ForceRateLimit("/api/v1/users/"+id, tt.resetIn)

			u, err := c.GetUser(t.Context(), id)
			calls := e.requests(http.MethodGet, "/api/v1/users/"+id)
			require.Len(t, calls, tt.wantCalls)
			assert.Equal(t, http.StatusTooManyRequests, calls[0].Status)
			assert.Equal(t, tt.wantWait, sl.recorded())
			if tt.wantCalls == 2 {
				require.NoError(t, err)
				assert.Equal(t, login, u.Profile.Login)
				assert.Equal(t, http.StatusOK, calls[1].Status)
				assert.Positive(t, c.RateLimit().Remaining, "the successful answer's headers are recorded")
				return
			}
			assertOktaError(t, wantErr{status: http.StatusTooManyRequests, code: "E0000047", is: is(client.ErrRateLimited)}, err)
			var oe *client.Error
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tt.resetIn+time.Second, oe.RetryAfter, "Reset − Date + 1 s")
		})
	}
}

// TestEmulatorRateLimitedMutationIsNotRetried checks that a 429 on a
// mutation reaches the caller after exactly one request, even when the wait
// would fit.
func TestEmulatorRateLimitedMutationIsNotRetried(t *testing.T) {
	tests := []struct {
		name   string
		method string
		suffix string
		call   func(ctx context.Context, c *client.Client, id string) error
	}{
		{name: "suspend", method: http.MethodPost, suffix: "/lifecycle/suspend", call: func(ctx context.Context, c *client.Client, id string) error {
			return ok(c.Suspend(ctx, id))
		}},
		{name: "reset password", method: http.MethodPost, suffix: "/lifecycle/reset_password", call: func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.ResetPassword(ctx, id, false)
			return err
		}},
		{name: "change password", method: http.MethodPost, suffix: "/credentials/change_password", call: func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.ChangePassword(ctx, id, emuPassword, smNewPassword, client.ChangePasswordOptions{})
			return err
		}},
		{name: "clear sessions", method: http.MethodDelete, suffix: "/sessions", call: func(ctx context.Context, c *client.Client, id string) error {
			return ok(c.ClearSessions(ctx, id, false))
		}},
	}
	e := newEmulator(t, emuConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, _ := e.addUser(oktatest.StatusActive)
			e.srv.ForceRateLimit("/api/v1/users/"+id+tt.suffix, time.Second)
			err := tt.call(t.Context(), e.c, id)
			assertOktaError(t, wantErr{status: http.StatusTooManyRequests, code: "E0000047", is: is(client.ErrRateLimited)}, err)
			assert.Len(t, e.requests(tt.method, "/api/v1/users/"+id+tt.suffix), 1, "a mutation is never retried")
			u, err := e.c.GetUser(t.Context(), id)
			require.NoError(t, err)
			assert.Equal(t, client.StatusActive, u.Status)
		})
	}
}

// TestEmulatorHungRoute checks that a route that never answers costs the
// caller its call deadline and no more, for a read and for a mutation.
func TestEmulatorHungRoute(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	c := e.newClient(t, client.WithCallTimeout(300*time.Millisecond))
	tests := []struct {
		name   string
		method string
		suffix string
		call   func(ctx context.Context, id string) error
	}{
		{name: "get user", method: http.MethodGet, call: func(ctx context.Context, id string) error {
			_, err := c.GetUser(ctx, id)
			return err
		}},
		{name: "suspend", method: http.MethodPost, suffix: "/lifecycle/suspend", call: func(ctx context.Context, id string) error {
			return ok(c.Suspend(ctx, id))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, _ := e.addUser(oktatest.StatusActive)
			path := "/api/v1/users/" + id + tt.suffix
			e.srv.Inject(oktatest.Fault{Method: tt.method, Path: path, Hang: true, Times: 1})
			err := tt.call(t.Context(), id)
			require.Error(t, err)
			assert.ErrorIs(t, err, client.ErrUnavailable)
			assert.ErrorIs(t, err, context.DeadlineExceeded, "the client's deadline ended the call")
			var oe *client.Error
			assert.False(t, errors.As(err, &oe), "no answer came, so there is no *client.Error")
			// The emulator logs the request once its handler sees the client go.
			require.Eventually(t, func() bool { return len(e.requests(tt.method, path)) == 1 }, 5*time.Second, 5*time.Millisecond)
			assert.Len(t, e.requests(tt.method, path), 1, "a timed-out call is not retried")
		})
	}
}

// TestEmulatorDroppedConnection checks a connection the emulator closes
// without answering: a GET is sent again and succeeds, a mutation is not
// (it may have taken effect) and fails as unavailable.
func TestEmulatorDroppedConnection(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	t.Run("get is retried", func(t *testing.T) {
		id, login := e.addUser(oktatest.StatusActive)
		path := "/api/v1/users/" + id
		e.srv.Inject(oktatest.Fault{Method: http.MethodGet, Path: path, Drop: true, Times: 1})
		u, err := e.c.GetUser(t.Context(), id)
		require.NoError(t, err)
		assert.Equal(t, login, u.Profile.Login)
		calls := e.requests(http.MethodGet, path)
		require.Len(t, calls, 2)
		assert.Zero(t, calls[0].Status, "the first connection got no answer")
		assert.Equal(t, http.StatusOK, calls[1].Status)
	})
	t.Run("mutation is not retried", func(t *testing.T) {
		id, _ := e.addUser(oktatest.StatusActive)
		path := "/api/v1/users/" + id + "/lifecycle/suspend"
		e.srv.Inject(oktatest.Fault{Method: http.MethodPost, Path: path, Drop: true, Times: 1})
		err := ok(e.c.Suspend(t.Context(), id))
		require.Error(t, err)
		assert.ErrorIs(t, err, client.ErrUnavailable)
		var oe *client.Error
		assert.False(t, errors.As(err, &oe))
		assert.Len(t, e.requests(http.MethodPost, path), 1)
	})
}

// TestEmulatorBearerScopes uses an end user's own access token, minted with
// okta.users.read.self only, the way the portal's delegated mode would
// (USERS-API.md §7.2).
func TestEmulatorBearerScopes(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	alice := e.srv.UserID("alice@example.com")
	bob := e.srv.UserID("bob@example.com")
	toks, err := e.srv.MintTokens("alice@example.com", "okta.users.read.self")
	require.NoError(t, err)
	bc := e.c.WithBearer(toks.AccessToken)
	forbidden := wantErr{status: http.StatusForbidden, code: "E0000006", is: is(client.ErrForbidden)}

	t.Run("current user", func(t *testing.T) {
		u, err := bc.GetCurrentUser(t.Context())
		require.NoError(t, err)
		assert.Equal(t, alice, u.ID, "/users/me with a bearer token is its user, not the API token's owner")
	})
	t.Run("own app links", func(t *testing.T) {
		links, err := bc.ListAppLinks(t.Context(), "me")
		require.NoError(t, err)
		var labels []string
		for _, l := range links {
			labels = append(labels, l.Label)
			assert.Equal(t, alice, l.ID, "AppLink.id is the user's id (USERS-API.md §3.3)")
		}
		assert.Contains(t, labels, "Slack")
		assert.Contains(t, labels, "Legacy VPN", "directly assigned apps are listed too")
	})
	t.Run("list users shows only the caller", func(t *testing.T) {
		page, err := bc.ListUsers(t.Context(), client.ListUsersParams{})
		require.NoError(t, err)
		require.Len(t, page.Users, 1)
		assert.Equal(t, alice, page.Users[0].ID)
	})
	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{name: "another user", call: func(ctx context.Context) error { _, err := bc.GetUser(ctx, bob); return err }},
		{name: "another user's app links", call: func(ctx context.Context) error { _, err := bc.ListAppLinks(ctx, bob); return err }},
		{name: "own password without okta.users.manage.self", call: func(ctx context.Context) error {
			_, err := bc.ChangePassword(ctx, "me", oktatest.DemoPassword, smNewPassword, client.ChangePasswordOptions{})
			return err
		}},
		{name: "admin operation", call: func(ctx context.Context) error { return ok(bc.Suspend(ctx, bob)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertOktaError(t, forbidden, tt.call(t.Context()))
		})
	}
	t.Run("clearing sessions with oauthTokens revokes the token", func(t *testing.T) {
		require.NoError(t, ok(e.c.ClearSessions(t.Context(), alice, true)))
		_, err := bc.GetCurrentUser(t.Context())
		assertOktaError(t, wantErr{status: http.StatusUnauthorized, code: "E0000011", is: is(client.ErrUnauthorized)}, err)
	})
}
